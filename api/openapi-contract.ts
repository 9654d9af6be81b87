/**
 * The OpenAPI document the API serves (`/openapi.json`, Swagger UI): tsoa's generated spec,
 * completed with what tsoa cannot say from the controllers' types, so that the spec is the
 * contract the server keeps:
 * - every error is `application/problem+json` with the one `ProblemDetails` schema;
 * - the errors every operation can answer are listed: 401 (bearer token), 404 (an `{id}`
 *   path), 422 (parameters or a body), 413 and 415 (a body), 503 (PostgreSQL, Temporal or
 *   MinIO unavailable); a method a path does not have is a 405 with `Allow` ({@link pathMethods});
 * - downloads carry their real media types (`audio/wav` or `audio/mpeg` with 200/206/416,
 *   the range and validator headers and 406, `text/csv`), event streams `text/event-stream`,
 *   201 carries `Location`, 204 has no body.
 * Pure: takes the generated document, returns a new one.
 */

type Json = Record<string, unknown>;

interface ResponseObject {
  description?: string;
  content?: Record<string, { schema?: Json; example?: unknown }>;
  headers?: Record<string, Json>;
}

interface Operation {
  operationId?: string;
  parameters?: { in: string; name: string; schema?: Json; required?: boolean }[];
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, ResponseObject>;
  security?: unknown[];
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
const PROBLEM_SCHEMA = { $ref: '#/components/schemas/ProblemDetails' };
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Binary downloads: operation id → media types (several: negotiated by `Accept`), whether
 * byte ranges are served, and whether the length is known up front (`streamed`: chunked, no
 * `Content-Length`). The audio message's `original` variant may be any upload format, so
 * its operation also lists the other audio types.
 */
const DOWNLOADS: Record<string, { mediaTypes: string[]; ranges: boolean; streamed?: boolean }> = {
  DownloadRecording: { mediaTypes: ['audio/wav', 'audio/mpeg'], ranges: true },
  DownloadAudio: { mediaTypes: ['audio/wav', 'audio/mpeg', 'audio/flac', 'audio/ogg'], ranges: true },
  DownloadInvalidLines: { mediaTypes: ['text/csv'], ranges: false },
  ExportCalls: { mediaTypes: ['text/csv'], ranges: false, streamed: true },
  DownloadCampaignResults: { mediaTypes: ['text/csv'], ranges: false, streamed: true },
};

/**
 * Request bodies tsoa cannot declare (the controller reads the raw stream): operation id →
 * the media types taken and what the body is.
 */
const RAW_BODIES: Record<string, { mediaTypes: string[]; description: string }> = {
  UploadRecording: {
    mediaTypes: ['audio/wav', 'audio/x-wav', 'audio/wave', 'application/octet-stream'],
    description: 'The recording: a RIFF/WAVE file, at most INGEST_RECORDING_MAX_BYTES',
  },
};

const header = (description: string, schema: Json = { type: 'string' }): Json => ({ description, schema });

/** Event streams: operation id → what the `text/event-stream` body carries. */
const EVENT_STREAMS: Record<string, string> = {
  StreamCampaignEvents:
    'Server-sent events, each `event:` with one `data:` line of JSON: `snapshot` `{campaignId, status, progress}` first; ' +
    '`outcome` (a call attempt: callId, attemptId, attempt, phone, outcome, sipCode, sipReason, inviteAt, answerAt, endAt, ' +
    'talkMs, optedOut) with an `id:` to reconnect after; `progress` (the counts); `status` `{status}`; `end` ' +
    '`{status, progress}` last. `: heartbeat` comment lines keep an idle stream open.',
};

/** `responses['200']` of an event stream: the media type, and the headers that keep proxies from holding it back. */
function eventStreamResponse(description: string, body: string): ResponseObject {
  return {
    description,
    content: {
      'text/event-stream': {
        schema: { type: 'string', description: body },
        example:
          'retry: 2000\n\nevent: snapshot\nid: 0\ndata: {"campaignId":"…","status":"running","progress":{…}}\n\n',
      },
    },
    headers: {
      'Cache-Control': header('`no-cache, no-transform`: neither cached nor compressed on the way'),
      'X-Accel-Buffering': header('`no`: nginx passes each event on at once'),
    },
  };
}

const STANDARD_ERRORS: Record<string, string> = {
  '400': 'The body could not be parsed (malformed JSON or multipart)',
  '401': 'Missing, invalid or revoked token',
  '404': 'No such resource, or not yours',
  '413': 'The body is larger than this server accepts',
  '415': 'The body is not of a media type this operation takes',
  '422': 'A parameter or a field of the body is invalid (`errors` names each)',
  '503': 'A service the API depends on (PostgreSQL, Temporal, object storage) is unavailable; retry later',
};

function problemResponse(description: string): ResponseObject {
  return { description, content: { [PROBLEM_MEDIA_TYPE]: { schema: PROBLEM_SCHEMA } } };
}

function completeOperation(given: Operation, path: string): Operation {
  const raw = given.operationId ? RAW_BODIES[given.operationId] : undefined;
  const operation: Operation = raw
    ? {
        ...given,
        requestBody: {
          required: true,
          description: raw.description,
          content: Object.fromEntries(
            raw.mediaTypes.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
          ),
        } as Operation['requestBody'],
      }
    : given;
  const responses: Record<string, ResponseObject> = { ...operation.responses };
  const add = (status: string): void => {
    responses[status] ??= { description: STANDARD_ERRORS[status] ?? 'Error' };
  };
  if ((operation.security ?? []).length > 0) add('401');
  if (/\{[^}]+\}/.test(path)) add('404');
  if ((operation.parameters ?? []).length > 0 || operation.requestBody) add('422');
  if (operation.requestBody) {
    add('400');
    add('413');
    add('415');
  }
  add('503');

  for (const [status, response] of Object.entries(responses)) {
    if (status === 'default' || Number(status) >= 400) {
      responses[status] = { ...problemResponse(response.description ?? 'Error'), ...pick(response, 'headers') };
    } else if (status === '204') {
      const { content: _content, ...rest } = response;
      responses[status] = rest;
    } else if (status === '201') {
      responses[status] = {
        ...response,
        headers: { ...response.headers, Location: header('The created resource: its path under this server') },
      };
    }
  }
  if (responses['429']) {
    responses['429'] = {
      ...responses['429'],
      headers: {
        ...responses['429'].headers,
        'Retry-After': header('Seconds to wait', { type: 'integer', minimum: 1 }),
      },
    };
  }

  const stream = operation.operationId ? EVENT_STREAMS[operation.operationId] : undefined;
  if (stream) responses['200'] = eventStreamResponse(responses['200']?.description ?? 'The event stream', stream);

  const download = operation.operationId ? DOWNLOADS[operation.operationId] : undefined;
  if (download) {
    const body = Object.fromEntries(
      download.mediaTypes.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
    );
    const common = {
      ...(download.streamed
        ? {}
        : { 'Content-Length': header('Bytes in this response', { type: 'integer', minimum: 0 }) }),
      'Content-Disposition': header('`attachment` with a file name'),
      ...(download.ranges
        ? {
            'Accept-Ranges': header('`bytes`: one byte range may be asked for'),
            ETag: header("The stored file's entity tag"),
            'Last-Modified': header('When the stored file was written'),
          }
        : {}),
    };
    responses['200'] = { description: responses['200']?.description ?? 'The file', content: body, headers: common };
    if (download.ranges) {
      responses['206'] = {
        description: 'The byte range asked for with `Range`',
        content: body,
        headers: { ...common, 'Content-Range': header('`bytes <first>-<last>/<size>`') },
      };
      responses['416'] = {
        ...problemResponse(responses['416']?.description ?? 'The range is outside the file'),
        headers: { 'Content-Range': header('`bytes */<size>`') },
      };
    }
  }
  return { ...operation, responses: sortResponses(responses) };
}

function pick<T extends object, K extends keyof T>(value: T, key: K): Partial<Pick<T, K>> {
  return value[key] === undefined ? {} : ({ [key]: value[key] } as Pick<T, K>);
}

function sortResponses(responses: Record<string, ResponseObject>): Record<string, ResponseObject> {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}

const NO_NUL = '^[^\\u0000]*$';
const COUNTRY = { pattern: '^[A-Za-z]{2}$', minLength: 2, maxLength: 2 };
const TIME_ZONE = { minLength: 1, maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$' };
/** An http(s) URL without user name or password, as webhooks take. */
const WEBHOOK_URL = { format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@\\s]+([/?#][^\\s]*)?$' };
const CURSOR = { pattern: '^[A-Za-z0-9_-]+$', minLength: 1, maxLength: 2048 };
/** A secret a request sends: never answered, and redacted from the audit log (api/audit/redact.ts). */
const SECRET = { format: 'password', writeOnly: true };

/**
 * Constraints the server enforces that tsoa cannot write into the spec (it checks
 * `@uniqueItems` but drops it from the document), or that a service checks with a better
 * message: schema → property → what the property's schema gains.
 */
const PROPERTY_CONSTRAINTS: Record<string, Record<string, Json>> = {
  CreateTrunkRequest: { codecs: { uniqueItems: true } },
  UpdateTrunkRequest: { codecs: { uniqueItems: true } },
  UpdateCallRequest: {
    tags: {
      maxItems: 20,
      items: { type: 'string', minLength: 1, maxLength: 50, pattern: '^[^\\u0000-\\u001f\\u007f]*$' },
    },
  },
  FrequencyCapSetting: {
    maxCalls: { type: 'integer', format: 'int32', minimum: 1, maximum: 1000 },
    windowSeconds: { type: 'integer', format: 'int32', minimum: 1, maximum: 2_592_000 },
  },
  CreateUserRequest: { password: { pattern: NO_NUL, ...SECRET } },
  UpdateUserRequest: { password: { pattern: NO_NUL, ...SECRET } },
  ChangePasswordRequest: {
    currentPassword: { pattern: NO_NUL, ...SECRET },
    newPassword: { pattern: NO_NUL, ...SECRET },
  },
  CreateWebhookRequest: { url: WEBHOOK_URL },
  UpdateWebhookRequest: { url: WEBHOOK_URL },
  AddBlocklistEntryRequest: { defaultCountry: COUNTRY },
  CreateReservationRequest: {
    defaultCountry: COUNTRY,
    phones: { minItems: 1, maxItems: 10_000, items: { type: 'string', minLength: 1, maxLength: 64 } },
  },
};
/** Whole schemas: schema → what it gains. */
const SCHEMA_CONSTRAINTS: Record<string, Json> = {
  UpdateLimitsRequest: { minProperties: 1 },
  TrunkGroup: { uniqueItems: true },
  TrunkPassword: SECRET,
};

/** The constraints above, plus country codes and cursors wherever they are parameters or form fields. */
function constrain(spec: {
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Json> };
}): void {
  const schemas = spec.components?.schemas ?? {};
  for (const [name, properties] of Object.entries(PROPERTY_CONSTRAINTS)) {
    const props = (schemas[name] as { properties?: Record<string, Json> } | undefined)?.properties;
    for (const [property, extra] of Object.entries(properties)) {
      const target = props?.[property];
      if (target) Object.assign(target, extra);
    }
  }
  for (const [name, extra] of Object.entries(SCHEMA_CONSTRAINTS))
    if (schemas[name]) Object.assign(schemas[name], extra);
  for (const item of Object.values(spec.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in !== 'query' || !parameter.schema) continue;
        if (parameter.name === 'after') Object.assign(parameter.schema, CURSOR);
        if (parameter.name === 'defaultCountry') Object.assign(parameter.schema, COUNTRY);
        if (parameter.name === 'from' || parameter.name === 'to')
          Object.assign(parameter.schema, { format: 'date-time' });
        if (parameter.name === 'timezone') Object.assign(parameter.schema, TIME_ZONE);
      }
      const form = operation.requestBody?.content?.['multipart/form-data'] as
        { schema?: { properties?: Record<string, Json> } } | undefined;
      const country = form?.schema?.properties?.defaultCountry;
      if (country) Object.assign(country, COUNTRY);
    }
  }
}

/** Request examples Swagger UI fills in (_Try it out_), by operation id. */
const REQUEST_EXAMPLES: Record<string, unknown> = {
  CreateTrunk: {
    name: 'carrier',
    host: 'sip.example.net',
    transport: 'udp',
    username: '4930123',
    password: 'a-digest-password',
    callerIdNumber: '+4930123456',
    callerIdName: 'Example GmbH',
    maxConcurrentCalls: 10,
  },
  UpdateTrunk: { maxConcurrentCalls: 20, codecs: ['PCMA', 'PCMU'] },
  CreateCampaign: {
    name: 'Reminder',
    trunkId: '0b6a3f1e-5d2c-4c8e-9a1b-2f3e4d5c6b7a',
    audioId: '1c7b4a2f-6e3d-4d9f-8b2c-3a4f5e6d7c8b',
    contactListId: '2d8c5b3a-7f4e-4eaf-9c3d-4b5a6f7e8d9c',
    maxConcurrentCalls: 5,
    maxAttempts: 3,
    retryDelaySeconds: 600,
    retry: { busy: { delaySeconds: 300, maxAttempts: 5 }, no_answer: { delays: [1800, 3600, 7200] } },
    callerIdPool: { numbers: ['+493012340001', '+494012340001'], strategy: 'local', dailyCapPerNumber: 200 },
    record: true,
    callingWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00', timezone: 'Europe/Berlin' },
    startAt: '2026-12-24T09:00:00+01:00',
    endAt: '2026-12-24T17:00:00+01:00',
  },
  UpdateCampaign: { maxConcurrentCalls: 10, callsPerSecond: 2 },
  RerunCampaign: { outcomes: ['busy', 'no_answer', 'expired'] },
  UpdateCall: { tags: ['callback', 'vip'], private: true },
  AddExternalCall: {
    source: 'pbx-berlin-1',
    externalId: '1733402394.1187',
    direction: 'inbound',
    from: '+4930123456',
    to: '201',
    startAt: '2026-12-05T13:39:54+01:00',
    answerAt: '2026-12-05T13:40:01+01:00',
    endAt: '2026-12-05T13:42:30+01:00',
    disposition: 'answered',
    tags: ['support'],
    fields: { channel: 'PJSIP/trunk-00000042', queue: 'support' },
  },
  AddBlocklistEntry: { phone: '030 1234567', defaultCountry: 'DE', note: 'asked not to be called' },
  CreateWebhook: { url: 'https://crm.example.com/voicecast', events: ['call.completed'] },
  UpdateWebhook: { active: false },
  CreateUser: { username: 'alice', password: 'a-long-password-1', role: 'user', displayName: 'Alice' },
  UpdateUser: { disabled: true },
  ChangePassword: { currentPassword: 'a-long-password-1', newPassword: 'another-long-password-2' },
  CreateDepartment: { name: 'Sales Berlin', maxConcurrentCalls: 30 },
  UpdateDepartment: { maxCallsPerDay: 5000, frequencyCap: { maxCalls: 2, windowSeconds: 86400 } },
  ShareTrunk: { shared: true },
  ShareAudio: { shared: true },
  ShareContactList: { shared: true },
  ShareCampaign: { shared: true },
  ShareBlocklistEntry: { shared: true },
  ShareWebhook: { shared: false },
  CreateClient: { name: 'crm sync', role: 'user' },
  UpdateClient: { disabled: true },
  UpdatePolicies: { frequencyCap: { maxCalls: 3, windowSeconds: 86400 } },
  UpdateUserLimits: { maxConcurrentCalls: 50, maxWebhooks: null },
  CreateReservation: {
    phones: ['+4930123456', '030 7654321'],
    defaultCountry: 'DE',
    until: '2026-12-24T18:00:00+01:00',
  },
  UpdateReservation: { until: '2026-12-31T18:00:00+01:00' },
};

export function completeContract<T extends object>(generated: T): T {
  const spec = structuredClone(generated) as T & {
    paths?: Record<string, Record<string, Operation>>;
    components?: { schemas?: Record<string, Json> };
  };
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const example = operation.operationId ? REQUEST_EXAMPLES[operation.operationId] : undefined;
      const json = operation.requestBody?.content?.['application/json'] as { example?: unknown } | undefined;
      if (json && example !== undefined) json.example = example;
      item[method] = completeOperation(operation, path);
    }
  }
  constrain(spec);
  const uuid = spec.components?.schemas?.Uuid;
  if (uuid) uuid.format = 'uuid';
  const problem = spec.components?.schemas?.ProblemDetails as { properties?: Record<string, Json> } | undefined;
  if (problem?.properties?.status) {
    problem.properties.status = { type: 'integer', minimum: 100, maximum: 599, description: 'The HTTP status' };
  }
  return spec;
}

/**
 * The methods the spec has for each path template, for 405 answers and OPTIONS with
 * `Allow`; literal paths first (`/blocklist/upload` before `/blocklist/{id}`).
 */
export function pathMethods(spec: object): { pattern: RegExp; allow: string[] }[] {
  const paths = (spec as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
  const params = (template: string): number => (template.match(/\{/g) ?? []).length;
  const templates = Object.entries(paths).sort(([a], [b]) => params(a) - params(b));
  return templates.map(([template, item]) => {
    const pattern = pathPattern(template);
    const allow = METHODS.filter((m) => item[m] !== undefined).map((m) => m.toUpperCase());
    if (allow.includes('GET')) allow.push('HEAD');
    return { pattern, allow };
  });
}

/** A path template (`/api/v1/trunks/{id}`) as a regular expression over request paths. */
export function pathPattern(template: string): RegExp {
  const source = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${source}/?$`);
}

/** The media types each operation's request body takes, for 415 answers. */
export function bodyMediaTypes(spec: object): { pattern: RegExp; method: string; mediaTypes: string[] }[] {
  const paths = (spec as { paths?: Record<string, Record<string, Operation | undefined>> }).paths ?? {};
  return Object.entries(paths).flatMap(([template, item]) => {
    const pattern = pathPattern(template);
    return METHODS.flatMap((method) => {
      const content = item[method]?.requestBody?.content;
      return content ? [{ pattern, method: method.toUpperCase(), mediaTypes: Object.keys(content) }] : [];
    });
  });
}
