/**
 * A journal row as the calls API shows it. The SQL (the columns a view needs, the search)
 * is db/call-records.ts's; re-exported here for the journal's ingest.
 */
import { IN_PROGRESS } from '../../campaign/journal-codes.js';
import type { AttemptOutcome } from '../../campaign/outcomes.js';
import type { CallDirection } from './external-call.dto.js';
import type {
  CallDtmf,
  CallMachineDetection,
  CallRecordingState,
  CallRtpStats,
  CallTrunkAttempt,
  CallView,
} from './calls.dto.js';

/** For api/calls/journal-ingest.service.ts, whose statements have not moved to db/ yet. */
export { VIEW_COLUMNS } from '../../db/call-records.js';

/** A row selected with VIEW_COLUMNS (db/call-records.ts). */
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
