/**
 * What a call's signalling needs from its media, whichever thread the RTP session runs on:
 * an {@link RtpSession} in this thread (local-media.ts), or one in a media thread driven by
 * messages (media-threads.ts).
 */
import type { AmdSettings } from '../amd/amd-detector.js';
import type { CallAmdEvent } from '../amd/early-media-amd.js';
import type { DtmfDigit, RtpRemote, RtpStats } from './rtp-session.js';

/** What a call's media produced, available once it has ended. */
export interface MediaSnapshot {
  readonly stats: RtpStats;
  readonly recording: Int16Array;
  /** RFC 4733 key presses; `atMs` counts from `startedAt`. */
  readonly dtmf: readonly DtmfDigit[];
  /** Epoch ms when the RTP session opened (with our first offer). */
  readonly startedAt: number;
}

/** One call's RTP session, as the SIP side drives it (see {@link RtpSession} for the semantics). */
export interface CallMedia {
  /** The even port the session's socket is bound to (it goes into our SDP). */
  readonly localPort: number;
  onDtmf?: (digit: DtmfDigit) => void;
  /** Answering-machine detection's events, after {@link detectMachine}. */
  onAmd?: (event: CallAmdEvent) => void;
  /** Starts answering-machine detection on the far end's audio (call it at the answer). */
  detectMachine(settings?: Partial<AmdSettings>): void;
  /** Stops detection once the call has acted on it: the detector costs CPU on every packet until then. */
  stopMachineDetection(): void;
  /** Listens to 183 early media for a greeting before the answer (after `setRemote()`); reports from `detectMachine()` on. */
  detectEarlyMedia(settings?: Partial<AmdSettings>): void;
  /** Throws a RangeError for a port outside 1–65535. */
  setRemote(remote: RtpRemote): void;
  setSending(sending: boolean): void;
  /** Resolves when the last frame is on the network, or early on abort or close; rejects before `setRemote()` or while playing. */
  play(pcm: Int16Array, signal?: AbortSignal): Promise<void>;
  /** Records the far end's audio from now on, at most `maxMs` of it (the call's longest length). */
  startRecording(maxMs?: number): void;
  /** Stops playback, releases the socket and returns what the session produced. Idempotent. */
  finish(): Promise<MediaSnapshot>;
}

/** Opens calls' RTP sessions; the engine owns one. */
export interface MediaHost {
  open(localAddress: string): Promise<CallMedia>;
  /** Ends every session's playback and releases every socket (shutdown). */
  close(): Promise<void>;
}

/** The check `setRemote()` makes, so a session in another thread refuses a bad port as one in this thread does. */
export function checkRtpPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`invalid RTP port ${port}`);
}
