/**
 * The telephony engine's contract: what a caller gives `dial()` and what it gets back.
 * Nothing here knows about Temporal, HTTP or the database.
 */
import type { DtmfDigit, G711Codec, RtpStats } from './rtp/rtp-session.js';
import type { CallOutcome } from '../campaign/outcomes.js';
import type { AmdClass, AmdEndCause, AmdSettings } from './amd/amd-detector.js';
import type { MachineDetectionCause } from './amd/early-media-amd.js';

export type SipTransportProtocol = 'udp' | 'tcp';

/**
 * Longest wait for {@link DialRequest.onAnswering} before the ACK goes out anyway: under SIP's
 * T1 (500 ms), so the gateway's first retransmitted 2xx never meets an un-ACKed dialog.
 */
export const ANSWER_HOLD_MS = 400;

/** A SIP trunk as the engine needs it. One user agent is kept per `id` and reused across calls. */
export interface TrunkConfig {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly transport: SipTransportProtocol;
  readonly username?: string;
  readonly password?: string;
  /** Digest user name when it differs from `username`. */
  readonly authUsername?: string;
  /** Answer only digest challenges for this realm (see sip/realm.ts); unset, any realm. */
  readonly realm?: string;
  /** Send every request here instead of to host:port. */
  readonly outboundProxy?: { readonly host: string; readonly port: number };
  readonly callerId: { readonly number: string; readonly displayName?: string };
  readonly register: boolean;
  readonly registerExpiresSeconds?: number;
  /** Preference order; default PCMU, PCMA. */
  readonly codecs?: readonly G711Codec[];
}

export type CallEvent =
  | { readonly type: 'trying' | 'ringing' | 'answered'; readonly at: Date; readonly sipCode?: number }
  | { readonly type: 'dtmf'; readonly at: Date; readonly digit: string }
  | { readonly type: 'ended'; readonly at: Date; readonly outcome: CallOutcome };

export interface DialRequest {
  readonly trunk: TrunkConfig;
  /** The number to call, as the trunk expects it (usually E.164). */
  readonly destination: string;
  /** The message: 8 kHz mono 16-bit PCM. */
  readonly audio: Int16Array;
  readonly ringTimeoutMs: number;
  readonly maxCallMs: number;
  readonly record: boolean;
  /**
   * The caller ID of this call when it differs from the trunk's. Given here, not in `trunk`:
   * the trunk's user agent is keyed by its whole config, so a changed trunk would be rebuilt.
   */
  readonly callerId?: TrunkConfig['callerId'];
  readonly onEvent?: (event: CallEvent) => void;
  /**
   * Called when the 2xx arrives, before our ACK: the ACK waits for it (at most
   * {@link ANSWER_HOLD_MS}), so a caller that journals the answer here knows of every call it
   * ever ACKed — a process that dies first never ACKs, and the gateway drops that call. A
   * rejection or a slow hook is logged and the call goes on.
   */
  readonly onAnswering?: (at: Date) => Promise<void>;
  /** Answering-machine detection for this call; absent, the message starts at the answer. */
  readonly machineDetection?: MachineDetectionRequest;
}

/** What to do on each verdict, and how to detect (see telephony/amd/amd-detector.ts). */
export interface MachineDetectionRequest {
  /** `detect`: act on the verdict; `detect_message_end`: on a machine, also wait for the greeting's end. */
  readonly mode: 'detect' | 'detect_message_end';
  readonly settings?: Partial<AmdSettings>;
  /** How an `unknown` verdict is acted on. */
  readonly unknownAs: 'human' | 'machine';
  readonly onHuman: 'play' | 'hang_up';
  /** `play` plays `machineAudio` when given (a voicemail copy), else the message. */
  readonly onMachine: 'play' | 'hang_up';
  readonly machineAudio?: Int16Array;
}

/**
 * What detection found on an answered call. Times count from the answer; a beep heard in
 * 183 early media, before it, has a negative `endMs` (cause `early_media`).
 */
export interface MachineDetectionResult {
  readonly verdict: AmdClass;
  readonly cause: MachineDetectionCause;
  readonly decisionMs: number;
  /** How the call was handled: the verdict, or `unknown` mapped by `unknownAs`. */
  readonly treatedAs: 'human' | 'machine';
  /** When the greeting ended (detect_message_end on a machine) and how. */
  readonly greetingEnd?: { readonly cause: AmdEndCause; readonly atMs: number };
  /** The beep's end and pitch, when one was heard. */
  readonly beep?: { readonly endMs: number; readonly hz: number };
  /** What was played: the message, the machine copy, or nothing. */
  readonly action: 'message' | 'machine_audio' | 'hung_up';
  /**
   * The verdict the call acted on first, when a beep heard afterwards (detect_message_end,
   * `lateBeepMs`) showed a voicemail taken for a person: what was being played stopped and the
   * machine's action began after the beep.
   */
  readonly revisedFrom?: {
    readonly verdict: AmdClass;
    readonly cause: MachineDetectionCause;
    readonly decisionMs: number;
  };
}

export interface CallResult {
  readonly outcome: CallOutcome;
  readonly sipCode?: number;
  readonly sipReason?: string;
  readonly callId?: string;
  readonly times: { readonly invite: Date; readonly ringing?: Date; readonly answer?: Date; readonly end: Date };
  readonly hungUpBy?: 'us' | 'them';
  /** Why the call ended, in words (e.g. "message played", "remote BYE", "ring timeout"). */
  readonly endReason: string;
  readonly codec?: G711Codec;
  readonly rtp?: RtpStats;
  /** Key presses (RFC 4733 and SIP INFO); `atMs` counts from the answer. */
  readonly dtmf: readonly DtmfDigit[];
  /** The callee's audio as a 16-bit PCM WAV, when recording was asked for and the call was answered. */
  readonly recording?: Buffer;
  /**
   * false when no INVITE left (aborted before dialling, not a dialable number, trunk
   * unreachable, the transport refused it): nothing reached the gateway. Absent otherwise.
   */
  readonly inviteSent?: false;
  /** Answering-machine detection's verdict, when it was asked for and the call was answered. */
  readonly machineDetection?: MachineDetectionResult;
}
