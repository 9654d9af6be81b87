import type { AttemptOutcome } from '../../campaign/outcomes.js';
import type { CallDirection } from './external-call.dto.js';

/** RTP counters of a call, as the telephony engine counted them. */
export interface CallRtpStats {
  packetsSent: number;
  /** Payload octets sent (RFC 3550 sender's octet count). */
  octetsSent: number;
  packetsReceived: number;
  packetsLost: number;
  /** RFC 3550 interarrival jitter of the received audio. */
  jitterMs: number;
}

/** A DTMF digit the callee pressed. */
export interface CallDtmf {
  digit: string;
  /** ms from the start of the media session to the key press. */
  atMs: number;
  durationMs: number;
  source: 'rfc4733' | 'sip-info';
}

/**
 * Where a call's recording is:
 * - `none`: not recorded (not answered, or the campaign does not record);
 * - `pending`: kept on the worker's disk, not in object storage yet (storage was down, or the
 *   upload is under way); it is retried until stored: ask again later;
 * - `stored`: downloadable;
 * - `lost`: it will never be stored; `recordingError` says why.
 */
export type CallRecordingState = 'none' | 'pending' | 'stored' | 'lost';

/**
 * What answering-machine detection found on an answered call; every time in ms from the
 * answer. `cause`: `short_greeting` (a short opening, then a pause), `long_greeting`, `beep`,
 * `fax`, `sit` (a special information tone), `no_speech`, `timeout`, `early_media` (a
 * greeting, beep or tone heard in 183 early media, before the answer, decided it).
 */
export interface CallMachineDetection {
  verdict: 'human' | 'machine' | 'unknown';
  cause: 'short_greeting' | 'long_greeting' | 'beep' | 'fax' | 'sit' | 'no_speech' | 'timeout' | 'early_media';
  /** When the verdict was reached. */
  decisionMs: number;
  /** How the call was handled (`unknown` as the campaign's `unknownAs` says). */
  treatedAs: 'human' | 'machine';
  /** On a machine with `detect_message_end`: when and how the greeting ended (the message started then). */
  greetingEnd?: { cause: 'beep' | 'silence' | 'timeout'; atMs: number };
  /** The beep, when one was heard: its end and pitch (`endMs` is negative for a beep in early media, before the answer). */
  beep?: { endMs: number; hz: number };
  /** `message`, `machine_audio` (the campaign's voicemail copy) or `hung_up`. */
  action: 'message' | 'machine_audio' | 'hung_up';
  /**
   * The verdict the call acted on first, when a beep heard afterwards (`detect_message_end`,
   * `lateBeepMs`) showed a voicemail taken for a person: what played stopped, and the
   * machine's action started after the beep.
   */
  revisedFrom?: {
    verdict: 'human' | 'unknown';
    cause: 'short_greeting' | 'long_greeting' | 'beep' | 'fax' | 'sit' | 'no_speech' | 'timeout' | 'early_media';
    decisionMs: number;
  };
}

/** One trunk of the campaign's group that the call attempt went to. */
export interface CallTrunkAttempt {
  /** @format uuid */
  trunkId: string;
  /** The trunk's final SIP answer; `null` when none came (no response, unreachable). */
  sipCode: number | null;
  /** Its reason phrase, or what happened without one (e.g. `no response from the gateway before the ring timeout`). */
  reason: string;
}

/** One call attempt from the journal. Times are ISO 8601 in UTC, to the millisecond. */
export interface CallView {
  /** @format uuid */
  id: string;
  /** @format uuid */
  ownerId: string;
  /** `null` once the campaign was deleted (the journal stays). */
  campaignId: string | null;
  /** The campaign's contact (`campaign_contact` id) this attempt called. */
  campaignContactId: number | null;
  /** 1 for the first call of the contact, 2 for the first retry, … */
  attempt: number;
  /** E.164: the number called; for an external call the far party's (`''` when that is an extension or a SIP URI). */
  phone: string;
  /** The trunk that carried the call (the last of `trunkAttempts`). */
  trunkId: string | null;
  /**
   * Every trunk the attempt went to, in order: more than one when a trunk failed technically
   * and the attempt failed over to the next trunk of the campaign's group. Empty when no
   * INVITE was sent (blocked, cancelled before dialling) and on calls from before trunk groups.
   */
  trunkAttempts: CallTrunkAttempt[];
  /**
   * The number the INVITE's From carried: a caller-ID pool's pick, the campaign's `callerId`
   * or the trunk's. `null` when no INVITE was sent and on calls from before caller-ID pools.
   */
  callerIdNumber: string | null;
  inviteAt: string;
  ringingAt: string | null;
  answerAt: string | null;
  endAt: string;
  outcome: AttemptOutcome;
  /** True while an answered call has not ended yet (its end time is the answer's until then). */
  inProgress: boolean;
  /** The final SIP response, when there was one. */
  sipCode: number | null;
  sipReason: string | null;
  /** Who ended an answered call: `us` or `them`. */
  hungUpBy: string | null;
  endReason: string;
  /** Answer to end in ms; `null` when not answered. */
  talkMs: number | null;
  /** `PCMU` or `PCMA`. */
  codec: string | null;
  rtp: CallRtpStats | null;
  dtmf: CallDtmf[];
  /** The callee pressed the campaign's opt-out key: the number went on the blocklist and we hung up. */
  optedOut: boolean;
  /** Answering-machine detection's result; `null` when the campaign had it off or the call was not answered. */
  machineDetection: CallMachineDetection | null;
  tags: string[];
  /** A private call's recording cannot be downloaded until the flag is cleared. */
  private: boolean;
  /** The recording is stored and can be downloaded (`recordingState` is `stored`). */
  hasRecording: boolean;
  recordingState: CallRecordingState;
  /** Why a `lost` recording is lost; otherwise `null`. */
  recordingError: string | null;
  /**
   * Path of `GET /api/v1/calls/{id}/recording` for a `stored` or `pending` recording (the
   * latter answers 409 with `Retry-After` until it is stored), else `null`.
   */
  recordingUrl: string | null;
  /**
   * The contact's own columns from its list's file (all but phone and name), by header name
   * (`column<n>` without a header), exactly as imported; `{}` without any, or once the
   * campaign (which holds its copy of the contact) was deleted.
   */
  variables: Record<string, string>;
  /** The PBX an external call came from (POST /api/v1/calls); `null` for the calls Voicecast placed. */
  source: string | null;
  /** The PBX's id of an external call; `null` for ours. */
  externalId: string | null;
  /** An external call's direction; `null` for ours (always outbound). */
  direction: CallDirection | null;
  /** An external call's caller as the PBX gave it (E.164 normalised); `null` for ours. */
  from: string | null;
  /** An external call's callee as the PBX gave it (E.164 normalised); `null` for ours. */
  to: string | null;
  /** An external call's free-form fields; `null` for ours. */
  fields: Record<string, string> | null;
}

export interface CallPage {
  /** Newest first (by INVITE time, then id). */
  items: CallView[];
  /** Pass as `after` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** Changes the fields given. */
export interface UpdateCallRequest {
  /**
   * Replaces the call's tags: 1–50 characters each (trimmed, no control characters), at
   * most 20; duplicates are dropped.
   */
  tags?: string[];
  /** `true` blocks the recording's download, even for its owner, until set back to `false`. */
  private?: boolean;
}
