/**
 * The webhook events of a call, built from its journal row: what a receiver gets in `data`.
 * Pure (unit-tested in webhook-events.test.ts); the outbox (webhook-outbox.ts) stores them.
 * Field names are part of the public contract (docs/webhooks.md): add, never rename.
 */
import type { RecordingState, WebhookEvent } from '../db/entities/index.js';

/** A `call_record` row as the ORM's pool returns it (timestamps as text or Date). */
export interface JournalRow {
  readonly id: string;
  readonly campaign_id: string | null;
  readonly attempt_id: string;
  readonly attempt: number;
  readonly phone_e164: string;
  readonly outcome: string;
  readonly sip_code: number | null;
  readonly sip_reason: string | null;
  readonly hung_up_by: string | null;
  readonly end_reason: string;
  readonly invite_at: string | Date;
  readonly ringing_at: string | Date | null;
  readonly answer_at: string | Date | null;
  readonly end_at: string | Date;
  readonly talk_ms: number | null;
  readonly dtmf: unknown;
  readonly recording_key: string | null;
  readonly recording_state: RecordingState;
  readonly recording_error: string | null;
  readonly recording_private: boolean;
  /** Absent on rows read before the column existed. */
  readonly machine_detection?: Record<string, unknown> | null;
  /** The trunks the call went to, `[{trunkId, sipCode, reason}]`; absent or null on rows from before trunk groups. */
  readonly trunk_attempts?: unknown;
  /** The number the INVITE's From carried; absent or null on rows from before caller-ID pools. */
  readonly caller_id_number?: string | null;
  /** The contact's imported columns (db/call-records.ts CONTACT_VARIABLES); absent is `{}`. */
  readonly variables?: unknown;
  /** An external call's PBX (issue 24); null or absent for the calls Voicecast placed. */
  readonly source?: string | null;
  readonly external_id?: string | null;
  readonly direction?: string | null;
  readonly from_party?: string | null;
  readonly to_party?: string | null;
  readonly external_fields?: Record<string, string> | null;
  readonly tags?: string[] | null;
}

/** The body of every delivery: the same envelope for every event. */
export interface WebhookEnvelope {
  /** The delivery id (also the `Voicecast-Delivery` header): deduplicate on it. */
  readonly id: string;
  readonly event: WebhookEvent;
  /** ISO 8601: when the event happened (was journalled). */
  readonly createdAt: string;
  readonly data: Record<string, unknown>;
}

/** At most this many of a contact's variables go into `call.completed` (in key order)… */
export const WEBHOOK_MAX_VARIABLES = 50;
/** …each value cut to this many characters: a delivery stays a few tens of kB whatever the list held. */
export const WEBHOOK_MAX_VARIABLE_CHARS = 500;

/**
 * The contact's variables, bounded for a webhook body: the first {@link WEBHOOK_MAX_VARIABLES}
 * names (code point order, names cut like values), each value cut to
 * {@link WEBHOOK_MAX_VARIABLE_CHARS} characters; `truncated` says whether anything was left
 * out or cut (the journal API and the export have them whole).
 */
export function boundedVariables(variables: unknown): { variables: Record<string, string>; truncated: boolean } {
  const entries =
    variables !== null && typeof variables === 'object' && !Array.isArray(variables)
      ? Object.entries(variables as Record<string, unknown>).filter(
          (e): e is [string, string] => typeof e[1] === 'string',
        )
      : [];
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const cut = (text: string) => [...text].slice(0, WEBHOOK_MAX_VARIABLE_CHARS).join('');
  const kept = entries.slice(0, WEBHOOK_MAX_VARIABLES).map(([name, value]) => [cut(name), cut(value)] as const);
  const truncated =
    entries.length > kept.length || kept.some(([name, value], i) => name !== entries[i][0] || value !== entries[i][1]);
  return { variables: Object.fromEntries(kept), truncated };
}

const iso = (value: string | Date | null): string | null => (value === null ? null : new Date(value).toISOString());

/** The API path a recording is fetched from (`GET`, with a bearer token; 403 while private). */
export const recordingPath = (callId: string): string => `/api/v1/calls/${callId}/recording`;

/**
 * `call.completed`: the attempt's final result, as the journal has it when the call ends.
 * `recording` is true once the recording is stored; `recordingState` says `pending` while it
 * waits in the worker's spool (`recording.uploaded` follows once it is stored), or `lost`
 * with `recordingError`. `variables` are the contact's imported columns, bounded
 * ({@link boundedVariables}).
 */
export function callCompletedData(row: JournalRow): Record<string, unknown> {
  const { variables, truncated } = boundedVariables(row.variables);
  return {
    callId: row.id,
    campaignId: row.campaign_id,
    attemptId: row.attempt_id,
    attempt: row.attempt,
    phone: row.phone_e164,
    outcome: row.outcome,
    sipCode: row.sip_code,
    sipReason: row.sip_reason,
    hungUpBy: row.hung_up_by,
    endReason: row.end_reason,
    inviteAt: iso(row.invite_at),
    ringingAt: iso(row.ringing_at),
    answerAt: iso(row.answer_at),
    endAt: iso(row.end_at),
    talkMs: row.talk_ms,
    dtmf: Array.isArray(row.dtmf) ? row.dtmf : [],
    machineDetection: row.machine_detection ?? null,
    trunkAttempts: Array.isArray(row.trunk_attempts) ? row.trunk_attempts : [],
    callerIdNumber: row.caller_id_number ?? null,
    recording: row.recording_state === 'stored',
    recordingState: row.recording_state,
    recordingError: row.recording_error,
    variables,
    variablesTruncated: truncated,
    source: null,
    externalId: null,
  };
}

/**
 * `recording.uploaded`: where the recording of an answered call can be fetched; raised when it
 * is stored (usually right after `call.completed`; after an outage of object storage, when
 * the worker's upload gets through).
 */
export function recordingUploadedData(row: JournalRow, sizeBytes: number | null): Record<string, unknown> {
  return {
    callId: row.id,
    campaignId: row.campaign_id,
    attemptId: row.attempt_id,
    phone: row.phone_e164,
    contentType: 'audio/wav',
    sizeBytes,
    private: row.recording_private,
    path: recordingPath(row.id),
    source: row.source ?? null,
    externalId: row.external_id ?? null,
  };
}

/**
 * `call.ingested`: an external call (issue 24) stored in the journal for the first time, as
 * the PBX sent it; marked by `source` and `externalId` (a resend raises nothing). Its
 * recording, when one is uploaded, raises `recording.uploaded` with the same marks.
 */
export function callIngestedData(row: JournalRow): Record<string, unknown> {
  return {
    callId: row.id,
    source: row.source ?? null,
    externalId: row.external_id ?? null,
    direction: row.direction ?? null,
    from: row.from_party ?? null,
    to: row.to_party ?? null,
    phone: row.phone_e164,
    outcome: row.outcome,
    startAt: iso(row.invite_at),
    answerAt: iso(row.answer_at),
    endAt: iso(row.end_at),
    talkMs: row.talk_ms,
    tags: row.tags ?? [],
    private: row.recording_private,
    fields: row.external_fields ?? {},
    recording: row.recording_state === 'stored',
  };
}

/** The events a journalled attempt raises: always `call.completed`, `recording.uploaded` once its recording is stored. */
export function callEvents(
  row: JournalRow,
  recordingBytes: number | null,
): { event: WebhookEvent; data: Record<string, unknown> }[] {
  const events: { event: WebhookEvent; data: Record<string, unknown> }[] = [
    { event: 'call.completed', data: callCompletedData(row) },
  ];
  if (row.recording_state === 'stored') {
    events.push({ event: 'recording.uploaded', data: recordingUploadedData(row, recordingBytes) });
  }
  return events;
}
