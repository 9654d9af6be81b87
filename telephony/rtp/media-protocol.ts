/**
 * The messages between the engine's thread and a media thread (media-threads.ts and
 * media-thread.ts). Every message about a call carries the call's number, given by the
 * engine's side; messages on one port arrive in the order they were posted, so a `remote`
 * posted before a `play` is applied before it. Both sides post them in batches
 * ({@link MessageBatcher}).
 */
import type { AmdSettings } from '../amd/amd-detector.js';
import type { CallAmdEvent } from '../amd/early-media-amd.js';
import type { MediaSnapshot } from './call-media.js';
import type { PacerSettings } from './local-media.js';
import type { DtmfDigit, RtpRemote } from './rtp-session.js';

export interface MediaThreadData {
  /** This thread's share of the RTP port range. */
  readonly rtpPorts: { readonly min: number; readonly max: number };
  readonly pacer: PacerSettings;
  /** Whether debug lines are wanted (the others are always sent). */
  readonly debug: boolean;
}

export type ToMediaThread =
  | { readonly op: 'open'; readonly call: number; readonly localAddress: string }
  | { readonly op: 'remote'; readonly call: number; readonly remote: RtpRemote }
  | { readonly op: 'sending'; readonly call: number; readonly sending: boolean }
  /** `pcm` on a SharedArrayBuffer, so a message shared by a thousand calls is not copied a thousand times. */
  | { readonly op: 'play'; readonly call: number; readonly play: number; readonly pcm: Int16Array }
  | { readonly op: 'stop'; readonly call: number }
  | { readonly op: 'record'; readonly call: number; readonly maxMs?: number }
  | { readonly op: 'detect'; readonly call: number; readonly settings: Partial<AmdSettings> }
  | { readonly op: 'detect-early'; readonly call: number; readonly settings: Partial<AmdSettings> }
  | { readonly op: 'detect-stop'; readonly call: number }
  | { readonly op: 'finish'; readonly call: number }
  /** Stop the pacer and close every socket; answered by `closed`. */
  | { readonly op: 'close' };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type FromMediaThread =
  | { readonly op: 'opened'; readonly call: number; readonly port: number; readonly startedAt: number }
  | { readonly op: 'refused'; readonly call: number; readonly error: SerializedError }
  | { readonly op: 'played'; readonly call: number; readonly play: number; readonly error?: SerializedError }
  | { readonly op: 'dtmf'; readonly call: number; readonly digit: DtmfDigit }
  | { readonly op: 'amd'; readonly call: number; readonly event: CallAmdEvent }
  | { readonly op: 'finished'; readonly call: number; readonly snapshot: MediaSnapshot }
  | {
      readonly op: 'log';
      readonly level: LogLevel;
      readonly fields: Record<string, unknown>;
      readonly msg: string;
    }
  | { readonly op: 'closed' };

/** An error as it crosses threads: what a log line and {@link revive} need. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  /** Node's errno code (`EADDRINUSE`…), or a TelephonyError's code (telephony-error.ts). */
  readonly code?: string;
  readonly stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { code } = error as NodeJS.ErrnoException;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
  };
}

/** Log fields with every Error made plain (an Error's own fields do not survive postMessage's copy). */
export function serializeFields(fields: Record<string, unknown>): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields))
    plain[key] = value instanceof Error ? serializeError(value) : value;
  return plain;
}

/**
 * Messages posted during one turn of the event loop go to the other thread as one array:
 * each `postMessage` wakes the other thread's event loop (on a VM, an interrupt to another
 * vCPU), and a call's answer alone asks for four things (far end, sending, recording,
 * playback), a pacer slot ends dozens of playbacks.
 */
export class MessageBatcher<T> {
  private messages: T[] = [];
  private transfer: ArrayBuffer[] = [];

  constructor(private readonly send: (batch: T[], transfer: ArrayBuffer[]) => void) {}

  /** Whether messages wait for the next flush. */
  get pending(): boolean {
    return this.messages.length > 0;
  }

  post(message: T, transfer: readonly ArrayBuffer[] = []): void {
    if (this.messages.length === 0) setImmediate(this.flush);
    this.messages.push(message);
    this.transfer.push(...transfer);
  }

  private readonly flush = (): void => {
    const batch = this.messages;
    const transfer = this.transfer;
    this.messages = [];
    this.transfer = [];
    this.send(batch, transfer);
  };
}
