/**
 * Reception statistics of one RTP stream, as RFC 3550 defines them:
 * - sequence tracking, loss and validity per Appendix A.1 (`update_seq`): a jump of up to
 *   MAX_DROPOUT ahead is a gap (loss), up to MAX_MISORDER behind is reordering, anything
 *   else is discarded unless the next packet confirms the new numbering (the sender
 *   restarted);
 * - interarrival jitter per §6.4.1 / Appendix A.8, in timestamp units, smoothed by 1/16.
 *
 * A new SSRC starts a new source; the counts of earlier sources are kept in the totals.
 * `packetsLost` is expected minus received and is clamped at 0 (duplicates can make the raw
 * value negative).
 */

const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const SEQ_MOD = 0x10000;

interface Source {
  readonly ssrc: number;
  /** Extended (with cycles); may go below 0 when a packet older than the first arrives late. */
  baseSeq: number;
  maxSeq: number;
  cycles: number;
  received: number;
  badSeq: number;
}

export class ReceiveStats {
  private source: Source | undefined;
  private retiredReceived = 0;
  private retiredLost = 0;
  private last: { arrival: number; timestamp: number } | undefined;
  private jitter = 0;

  constructor(private readonly clockRate = 8000) {}

  /**
   * Counts a packet; `false` means discard it (a sequence jump not yet confirmed by the next
   * packet). Call for every packet of the stream, audio and events alike.
   */
  update(ssrc: number, seq: number): boolean {
    const source = this.source;
    if (!source || source.ssrc !== ssrc) {
      this.restart(ssrc, seq);
      return true;
    }
    const delta = (seq - source.maxSeq) & 0xffff;
    if (delta < MAX_DROPOUT) {
      if (seq < source.maxSeq) source.cycles += SEQ_MOD; // wrapped
      source.maxSeq = seq;
    } else if (delta <= SEQ_MOD - MAX_MISORDER) {
      if (seq !== source.badSeq) {
        source.badSeq = (seq + 1) & 0xffff;
        return false;
      }
      this.restart(ssrc, seq); // two sequential packets: the sender renumbered
      return true;
    } else {
      // A duplicate or a reordered packet: counted, maxSeq stays. Unlike RFC 3550 A.1, a packet
      // older than the first one received moves the base back, so reordering at the very start
      // of a stream is not half-counted as loss.
      let extended = source.cycles + seq;
      if (seq > source.maxSeq) extended -= SEQ_MOD;
      if (extended < source.baseSeq) source.baseSeq = extended;
    }
    source.received += 1;
    return true;
  }

  /** Feeds the jitter estimate with a media packet (not telephone-events: their timestamp is the event's start). */
  arrival(timestamp: number, arrivalMs: number): void {
    const arrival = (arrivalMs * this.clockRate) / 1000;
    const last = this.last;
    this.last = { arrival, timestamp };
    if (!last) return;
    // D(i,j) = (Rj − Ri) − (Sj − Si); the timestamp difference is taken mod 2^32, signed.
    const d = arrival - last.arrival - ((timestamp - last.timestamp) | 0);
    this.jitter += (Math.abs(d) - this.jitter) / 16;
  }

  get packetsReceived(): number {
    return this.retiredReceived + (this.source?.received ?? 0);
  }

  get packetsLost(): number {
    return Math.max(0, this.retiredLost + (this.source ? lost(this.source) : 0));
  }

  /** Interarrival jitter in milliseconds. */
  get jitterMs(): number {
    return (this.jitter * 1000) / this.clockRate;
  }

  private restart(ssrc: number, seq: number): void {
    if (this.source) {
      this.retiredReceived += this.source.received;
      this.retiredLost += lost(this.source);
    }
    if (this.source?.ssrc !== ssrc) this.last = undefined;
    this.source = { ssrc, baseSeq: seq, maxSeq: seq, cycles: 0, received: 1, badSeq: (seq + 1) & 0xffff };
  }
}

function lost(source: Source): number {
  return source.cycles + source.maxSeq - source.baseSeq + 1 - source.received;
}
