/**
 * A PBX's JSON call record as the journal's AddCall message. Pure. Layouts:
 * - `native`: the REST body's field names (`externalId`, `from`, `to`, `startAt`, …);
 * - `asterisk`: Asterisk CDR names (`uniqueid`, `src`, `dst`, `start`, `answer`, `end`,
 *   `disposition` ANSWERED / NO ANSWER / BUSY / FAILED / CONGESTION);
 * - `freeswitch`: FreeSWITCH's JSON CDR (`variables.uuid`, `caller_id_number`,
 *   `destination_number`, `start_stamp`, `answer_stamp`, `end_stamp`, `hangup_cause`,
 *   `direction`).
 * Times without a UTC offset (`2026-12-05 13:39:54`, as both PBXs write them) are read as UTC.
 * The record's other short string values go along as `fields` (the server bounds them).
 */

export type Layout = 'native' | 'asterisk' | 'freeswitch';
export const LAYOUTS: readonly Layout[] = ['native', 'asterisk', 'freeswitch'];

export interface AddCallMessage {
  source: string;
  externalId: string;
  direction: string;
  from: string;
  to: string;
  startAt: string;
  answerAt: string;
  endAt: string;
  disposition: string;
  tags: string[];
  private: boolean;
  fields: Record<string, string>;
}

type Json = Record<string, unknown>;

const str = (value: unknown): string =>
  typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';

/** ISO 8601 as given; `YYYY-MM-DD HH:MM:SS[.fff]` without an offset as UTC; empty stays empty. */
export function isoTime(value: unknown): string {
  const text = str(value);
  if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) return `${text.replace(' ', 'T')}Z`;
  return text;
}

/** Short digits (an extension) on one side only: the other side is outside the PBX. */
function directionOf(from: string, to: string): string {
  const internal = (n: string) => /^[0-9*#]{1,6}$/.test(n);
  if (internal(from) && !internal(to)) return 'outbound';
  if (!internal(from) && internal(to)) return 'inbound';
  return 'internal';
}

const ASTERISK_DISPOSITIONS: Readonly<Record<string, string>> = {
  ANSWERED: 'answered',
  'NO ANSWER': 'no_answer',
  BUSY: 'busy',
  FAILED: 'failed',
  CONGESTION: 'unavailable',
};

const FREESWITCH_CAUSES: Readonly<Record<string, string>> = {
  USER_BUSY: 'busy',
  NO_ANSWER: 'no_answer',
  NO_USER_RESPONSE: 'no_answer',
  ORIGINATOR_CANCEL: 'no_answer',
  CALL_REJECTED: 'rejected',
  UNALLOCATED_NUMBER: 'invalid_number',
  NORMAL_TEMPORARY_FAILURE: 'unavailable',
};

/** The record's other string values, by name (nested objects left out). */
function extraFields(record: Json, used: ReadonlySet<string>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(record)) {
    if (used.has(name) || typeof value !== 'string' || value === '' || value.length > 1024) continue;
    if (/^[A-Za-z0-9._-]{1,64}$/.test(name) && Object.keys(fields).length < 50) fields[name] = value;
  }
  return fields;
}

function tagsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(str).filter(Boolean);
  return str(value)
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

function asterisk(r: Json, source: string): AddCallMessage {
  const from = str(r.src);
  const to = str(r.dst);
  const answered = str(r.disposition).toUpperCase() === 'ANSWERED';
  const used = new Set(['uniqueid', 'src', 'dst', 'start', 'answer', 'end', 'disposition', 'direction', 'tags']);
  return {
    source,
    externalId: str(r.uniqueid),
    direction: str(r.direction) || directionOf(from, to),
    from,
    to,
    startAt: isoTime(r.start),
    answerAt: answered ? isoTime(r.answer) : '',
    endAt: isoTime(r.end),
    disposition: ASTERISK_DISPOSITIONS[str(r.disposition).toUpperCase()] ?? str(r.disposition).toLowerCase(),
    tags: tagsOf(r.tags),
    private: tagsOf(r.tags).includes('private'),
    fields: extraFields(r, used),
  };
}

function freeswitch(r: Json, source: string): AddCallMessage {
  const v = (typeof r.variables === 'object' && r.variables !== null ? r.variables : r) as Json;
  const answer = isoTime(v.answer_stamp);
  const cause = str(v.hangup_cause).toUpperCase();
  const used = new Set(['uuid', 'caller_id_number', 'destination_number', 'start_stamp', 'answer_stamp', 'end_stamp']);
  return {
    source,
    externalId: str(v.uuid),
    direction: str(v.direction) || directionOf(str(v.caller_id_number), str(v.destination_number)),
    from: str(v.caller_id_number),
    to: str(v.destination_number),
    startAt: isoTime(v.start_stamp),
    answerAt: answer,
    endAt: isoTime(v.end_stamp),
    disposition: answer ? 'answered' : (FREESWITCH_CAUSES[cause] ?? 'failed'),
    tags: tagsOf(v.voicecast_tags),
    private: tagsOf(v.voicecast_tags).includes('private'),
    fields: extraFields(v, new Set([...used, 'hangup_cause', 'direction', 'voicecast_tags'])),
  };
}

function native(r: Json, source: string): AddCallMessage {
  const fields = typeof r.fields === 'object' && r.fields !== null ? (r.fields as Record<string, string>) : {};
  return {
    source: str(r.source) || source,
    externalId: str(r.externalId),
    direction: str(r.direction),
    from: str(r.from),
    to: str(r.to),
    startAt: str(r.startAt),
    answerAt: str(r.answerAt),
    endAt: str(r.endAt),
    disposition: str(r.disposition),
    tags: tagsOf(r.tags),
    private: r.private === true,
    fields,
  };
}

/** Maps a parsed record; throws when it is not a JSON object. */
export function mapRecord(record: unknown, layout: Layout, source: string): AddCallMessage {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new Error('not a JSON object');
  const r = record as Json;
  return layout === 'asterisk'
    ? asterisk(r, source)
    : layout === 'freeswitch'
      ? freeswitch(r, source)
      : native(r, source);
}
