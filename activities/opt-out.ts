/**
 * The campaign's opt-out key during one answered call.
 *
 *   key pressed ──▶ blocklist entry written (after the answer's journal row, which it names)
 *                              └──▶ call aborted: BYE, journalled as answered, hung up by us, opted out
 *
 * The entry is committed before we hang up, so a worker that dies right after the press
 * loses nothing: the retried activity finds the entry (call-journal.ts `findAttempt`) and
 * the number is blocked for every later attempt. Should the database not answer within
 * {@link OPT_OUT_WRITE_WAIT_MS}, the call ends anyway (the callee asked); the journal's
 * transaction writes the entry again with the row either way.
 */
import type { Logger } from '../lib/logger.js';
import type { AttemptResult } from './call-journal.js';

/** Longest the hang-up waits for the blocklist write. */
export const OPT_OUT_WRITE_WAIT_MS = 1000;

export class OptOutWatch {
  private readonly controller = new AbortController();
  private pressed: string | undefined;
  private write: Promise<void> = Promise.resolve();

  /**
   * @param digit The campaign's opt-out key; null = none (the watch never fires).
   * @param record Writes the blocklist entry.
   */
  constructor(
    private readonly digit: string | null,
    private readonly record: () => Promise<void>,
    private readonly logger?: Logger,
  ) {}

  /** Aborts once the key was pressed and its entry written: give it to the dial. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get optedOut(): boolean {
    return this.pressed !== undefined;
  }

  /** A key the callee pressed; `answerWrite` is the answer's journal write, which the entry refers to. */
  press(digit: string, answerWrite: Promise<void> | undefined): void {
    if (digit !== this.digit || this.pressed !== undefined) return;
    this.pressed = digit;
    const hangUp = () => this.controller.abort(new Error(`opt-out key ${digit} pressed`));
    const timer = setTimeout(hangUp, OPT_OUT_WRITE_WAIT_MS);
    this.write = (answerWrite ?? Promise.resolve())
      .catch(() => undefined) // its failure is the dial's to report; the entry goes in without the call
      .then(this.record)
      // Not lost: the journal's transaction writes the entry again.
      .catch((err: unknown) =>
        this.logger?.warn({ err }, 'opt-out not written at the key press; retried with the journal'),
      )
      .finally(() => {
        clearTimeout(timer);
        hangUp();
      });
  }

  /** Resolves when the press (if any) has been handled. */
  settled(): Promise<void> {
    return this.write;
  }

  /** The call's result as the journal tells it: our hang-up after the press was the opt-out. */
  describe<T extends AttemptResult>(result: T): T {
    if (this.pressed === undefined || result.hungUpBy !== 'us') return result;
    return { ...result, endReason: `opted out (DTMF ${this.pressed})` };
  }
}
