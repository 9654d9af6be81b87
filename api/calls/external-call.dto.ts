import type { CallOutcome } from '../../campaign/outcomes.js';
import type { CallView } from './calls.dto.js';

/** Who placed an external call, seen from the PBX: `inbound` (to it), `outbound` (from it), `internal`. */
export type CallDirection = 'inbound' | 'outbound' | 'internal';

/**
 * A call another PBX made, for the journal. `(source, externalId)` identifies it per owner:
 * sending it again answers the same call (200) and changes nothing; the same ids with other
 * data are a 409. Numbers (`from`, `to`) are E.164 (`+4930123456`, or `0049…`), an extension
 * (1–15 of `0-9*#`, not starting with `00`), a SIP URI (`sip:alice@pbx.example.com`, at most 256 characters) or
 * `anonymous`.
 */
export interface AddExternalCallRequest {
  /** The PBX that sent the call: 1–64 of `A-Z a-z 0-9 . _ : -`. */
  source: string;
  /** The PBX's id of the call: 1–128 printable characters, no control characters. */
  externalId: string;
  direction: CallDirection;
  from: string;
  to: string;
  /** When the call started: ISO 8601 with a UTC offset. */
  startAt: string;
  /** When it was answered (between `startAt` and `endAt`); absent or null when it was not. */
  answerAt?: string | null;
  /** When it ended, at or after `startAt`. */
  endAt: string;
  /** How it ended, in the journal's words (`answered`, `busy`, `no_answer`, `rejected`, …). */
  disposition: CallOutcome;
  /**
   * 1–50 characters each (trimmed, no control characters), at most 20. The tag `private` marks
   * the call private, like `private: true`.
   */
  tags?: string[];
  /** `true`: the recording can never be downloaded until the flag is cleared (PATCH). */
  private?: boolean;
  /**
   * The PBX's other fields, kept as given: at most 50, names 1–64 of `A-Z a-z 0-9 . _ -`,
   * string values up to 1024 characters without control characters (tab aside), 8 KiB in all.
   */
  fields?: Record<string, string>;
}

/** The call as stored, and whether this request stored it (201) or found it (200). */
export interface IngestedCall {
  readonly call: CallView;
  readonly created: boolean;
}
