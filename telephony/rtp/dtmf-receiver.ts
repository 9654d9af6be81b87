/**
 * Turns RFC 4733 telephone-event packets into one report per key press.
 *
 * All packets of an event carry the RTP timestamp of its start, so the timestamp identifies
 * the event: the first packet starts it (its arrival time is the event's time), later ones
 * extend its duration, the first with the E bit ends it and reports it. The end packet is
 * sent three times, and packets can be duplicated or reordered: anything with the timestamp
 * of an event already reported, or older, is ignored.
 *
 * If all end packets are lost, the event is reported (with the longest duration seen) when
 * a newer event starts, when no packet of it has arrived for {@link STALE_EVENT_MS}
 * (checked as packets arrive), or on {@link DtmfReceiver.flush} when the session closes.
 * Events beyond the 16 DTMF keys (e.g. 16, flash) are tracked but not reported.
 */
import { dtmfDigitForEvent, type TelephoneEvent } from './packet.js';

/** An event with no packet for this long has ended, whatever became of its end packets. */
export const STALE_EVENT_MS = 1000;

export interface ReceivedDtmf {
  readonly digit: string;
  /** Arrival time of the event's first packet, on the caller's clock. */
  readonly startedAtMs: number;
  readonly durationMs: number;
}

interface OpenEvent {
  readonly timestamp: number;
  readonly event: number;
  readonly startedAtMs: number;
  lastPacketAtMs: number;
  duration: number;
}

export class DtmfReceiver {
  private open: OpenEvent | undefined;
  /** Timestamp of the newest event seen; nothing at or before it starts a new one. */
  private newest: number | undefined;

  constructor(
    private readonly report: (dtmf: ReceivedDtmf) => void,
    private readonly clockRate = 8000,
  ) {}

  /** One telephone-event packet: its RTP timestamp, parsed payload and arrival time (ms). */
  packet(timestamp: number, event: TelephoneEvent, arrivalMs: number): void {
    this.expire(arrivalMs);
    const open = this.open;
    if (open && open.timestamp === timestamp) {
      open.duration = Math.max(open.duration, event.duration);
      open.lastPacketAtMs = arrivalMs;
    } else {
      if (this.newest !== undefined && ((timestamp - this.newest) | 0) <= 0) return; // reported already, or older
      this.flush();
      this.newest = timestamp;
      this.open = {
        timestamp,
        event: event.event,
        startedAtMs: arrivalMs,
        lastPacketAtMs: arrivalMs,
        duration: event.duration,
      };
    }
    if (event.end) this.flush();
  }

  /** Reports an event still open after {@link STALE_EVENT_MS} without packets. */
  expire(nowMs: number): void {
    if (this.open && nowMs - this.open.lastPacketAtMs > STALE_EVENT_MS) this.flush();
  }

  /** Reports the open event, if any (its end packets never came). */
  flush(): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    const digit = dtmfDigitForEvent(open.event);
    if (digit)
      this.report({ digit, startedAtMs: open.startedAtMs, durationMs: (open.duration * 1000) / this.clockRate });
  }
}
