/**
 * The journal's SQL for the calls API: the columns a view needs and the WHERE clause of a
 * search. Raw SQL on the `pg` pool rather than the ORM: a page is one index range scan and
 * the times must come back exactly (see call-query.ts), which `to_char` in UTC does.
 */
import { CONTACT_VARIABLES, IN_PROGRESS } from '../../campaign/journal-codes.js';
import type { AttemptOutcome } from '../../campaign/outcomes.js';
import type { CallQuery } from './call-query.js';
import type { CallDirection } from './external-call.dto.js';
import type {
  CallDtmf,
  CallMachineDetection,
  CallRecordingState,
  CallRtpStats,
  CallTrunkAttempt,
  CallView,
} from './calls.dto.js';

const utc = (column: string, fraction: 'MS' | 'US') =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.${fraction}"Z"')`;

/**
 * The select list of a view; the INVITE time to the microsecond (for the cursor) under a
 * name of its own: an output column named `invite_at` would be what ORDER BY sorts by,
 * text instead of the indexed column.
 */
export const VIEW_COLUMNS = `id, owner_id, campaign_id, campaign_contact_id, attempt, phone_e164, trunk_id,
  ${utc('invite_at', 'US')} AS invite_exact, ${utc('ringing_at', 'MS')} AS ringing_at,
  ${utc('answer_at', 'MS')} AS answer_at, ${utc('end_at', 'MS')} AS end_at, outcome, sip_code, sip_reason,
  hung_up_by, end_reason, talk_ms, codec, rtp, dtmf, opted_out, tags, recording_private, recording_state,
  recording_error, machine_detection, trunk_attempts, caller_id_number, source, external_id, direction,
  from_party, to_party, external_fields, ${CONTACT_VARIABLES} AS variables`;

/** A row selected with {@link VIEW_COLUMNS}. */
export interface CallRow {
  id: string;
  owner_id: string;
  campaign_id: string | null;
  campaign_contact_id: string | number | null;
  attempt: number;
  phone_e164: string;
  trunk_id: string | null;
  invite_exact: string;
  ringing_at: string | null;
  answer_at: string | null;
  end_at: string;
  outcome: string;
  sip_code: number | null;
  sip_reason: string | null;
  hung_up_by: string | null;
  end_reason: string;
  talk_ms: number | null;
  codec: string | null;
  rtp: CallRtpStats | null;
  dtmf: CallDtmf[];
  opted_out: boolean;
  tags: string[];
  recording_private: boolean;
  recording_state: CallRecordingState;
  recording_error: string | null;
  machine_detection: CallMachineDetection | null;
  trunk_attempts: CallTrunkAttempt[] | null;
  caller_id_number: string | null;
  source: string | null;
  external_id: string | null;
  direction: CallDirection | null;
  from_party: string | null;
  to_party: string | null;
  external_fields: Record<string, string> | null;
  variables: Record<string, string>;
}

/** `…HH:MM:SS.ffffffZ` → `…HH:MM:SS.fffZ`: views show milliseconds, like every other time in the API. */
const toMillis = (exact: string) => `${exact.slice(0, 23)}Z`;

/** A recording that is, or will be, downloadable (`pending` answers 409 until it is stored). */
export const hasRecordingUrl = (state: CallRecordingState): boolean => state === 'stored' || state === 'pending';

export function toCallView(r: CallRow): CallView {
  return {
    id: r.id,
    ownerId: r.owner_id,
    campaignId: r.campaign_id,
    campaignContactId: r.campaign_contact_id === null ? null : Number(r.campaign_contact_id),
    attempt: r.attempt,
    phone: r.phone_e164,
    trunkId: r.trunk_id,
    trunkAttempts: r.trunk_attempts ?? [],
    callerIdNumber: r.caller_id_number,
    inviteAt: toMillis(r.invite_exact),
    ringingAt: r.ringing_at,
    answerAt: r.answer_at,
    endAt: r.end_at,
    outcome: r.outcome as AttemptOutcome,
    inProgress: r.end_reason === IN_PROGRESS,
    sipCode: r.sip_code,
    sipReason: r.sip_reason,
    hungUpBy: r.hung_up_by,
    endReason: r.end_reason,
    talkMs: r.talk_ms,
    codec: r.codec,
    rtp: r.rtp,
    dtmf: r.dtmf,
    optedOut: r.opted_out,
    machineDetection: r.machine_detection,
    tags: r.tags,
    private: r.recording_private,
    hasRecording: r.recording_state === 'stored',
    recordingState: r.recording_state,
    recordingError: r.recording_error,
    recordingUrl: hasRecordingUrl(r.recording_state) ? `/api/v1/calls/${r.id}/recording` : null,
    variables: r.variables,
    source: r.source,
    externalId: r.external_id,
    direction: r.direction,
    from: r.from_party,
    to: r.to_party,
    fields: r.external_fields,
  };
}

/**
 * The search as SQL, newest first by (invite_at, id), one row more than the page to know
 * whether another page follows. `ownerId` undefined: every owner's calls (administrators).
 * Each combination of filters has an index whose order is the result's (see the entity).
 */
export function searchSql(query: CallQuery, ownerId: string | undefined): { text: string; values: unknown[] } {
  const { where, values } = searchWhere(query, ownerId);
  const text = `SELECT ${VIEW_COLUMNS} FROM call_record ${where}
    ORDER BY invite_at DESC, id DESC LIMIT $${values.push(query.limit + 1)}`;
  return { text, values };
}

/** The search's WHERE clause (empty without filters) and its parameters, `$1` on. */
export function searchWhere(query: CallQuery, ownerId: string | undefined): { where: string; values: unknown[] } {
  const values: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  if (ownerId !== undefined) where.push(`owner_id = ${param(ownerId)}`);
  if (query.phone !== undefined) where.push(`phone_e164 = ${param(query.phone)}`);
  if (query.campaignId !== undefined) where.push(`campaign_id = ${param(query.campaignId)}`);
  if (query.outcome !== undefined) where.push(`outcome = ${param(query.outcome)}`);
  if (query.from) where.push(`invite_at >= ${param(query.from.text)}::timestamptz`);
  if (query.to) where.push(`invite_at < ${param(query.to.text)}::timestamptz`);
  if (query.after) {
    where.push(`(invite_at, id) < (${param(query.after.inviteAt)}::timestamptz, ${param(query.after.id)}::uuid)`);
  }
  return { where: where.length > 0 ? `WHERE ${where.join(' AND ')}` : '', values };
}
