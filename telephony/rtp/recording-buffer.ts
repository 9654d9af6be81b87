/**
 * The callee's audio as one continuous 8 kHz track, assembled from RTP packets.
 *
 * Placement is by RTP timestamp, which orders packets as their sequence numbers do and also
 * says how long a gap is (a lost 30 ms packet leaves 240 samples of silence, a silence-
 * suppressed pause its real length). Gaps are zero (silence). This is a jitter buffer with
 * an unbounded playout delay — the recording is only read at the end — so reordering is
 * simply writing into the past, allowed within {@link REORDER_WINDOW_MS} behind the newest
 * sample; older packets are dropped.
 *
 * Timestamps come from the network, so they are checked against our own clock: a packet
 * may not land more than the window ahead of where the arrival time says the stream should
 * be (plus 1 % for clock drift). An implausible timestamp is a discontinuity: a new SSRC
 * re-anchors at once; the same SSRC needs a second, consecutive packet on the new timeline
 * first (so one corrupt packet cannot move the track). A re-anchored stream continues at
 * the later of the end of what was recorded and where the arrival time puts it.
 */
import { decodeAlawInto, decodeUlawInto, type G711Codec } from '../media/g711.js';

/** How far behind the newest sample a late packet may still be placed. */
export const REORDER_WINDOW_MS = 1000;

/**
 * Recorded beyond the message's own length: the far end's audio may run ahead of ours by the
 * reorder window plus 1 % clock drift (see {@link RecordingBuffer}), and the BYE after the last
 * frame takes a round trip. A second on top of that is plenty.
 */
export const RECORDING_MARGIN_MS = REORDER_WINDOW_MS + 1000;

/**
 * How much of a call's far-end audio is kept: the call lasts as long as its message plays
 * (it hangs up after the last frame; the opt-out key ends it sooner) and never longer than
 * `maxCallMs`, so that is the longest recording, plus {@link RECORDING_MARGIN_MS} and 1 % drift.
 * The buffer is allocated at this size once (review F12: it used to double from one second,
 * up to 16.4 MB and two copies for a 600 s call); audio beyond it is not kept.
 */
export function recordingLimitMs(messageMs: number, maxCallMs: number): number {
  const message = Math.max(0, messageMs);
  return Math.max(0, Math.min(maxCallMs, Math.ceil(message * 1.01) + RECORDING_MARGIN_MS));
}

/** Sequence numbers up to this far behind the newest are late packets (RFC 3550 A.1's MAX_DROPOUT). */
const MAX_DROPOUT = 3000;

export interface RecordedPacket {
  readonly ssrc: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly payload: Uint8Array;
}

interface Anchor {
  readonly ssrc: number;
  readonly timestamp: number;
  /** Track position of `timestamp`. */
  position: number;
  /** Arrival time (ms) and track position of the packet that anchored the stream: our clock's view of it. */
  readonly arrivalMs: number;
  arrivalPosition: number;
  /** Newest sequence number placed, to tell a late packet from a timeline change. */
  newestSeq: number;
}

interface Candidate {
  readonly packet: RecordedPacket;
  readonly law: G711Codec;
  readonly arrivalMs: number;
}

export class RecordingBuffer {
  private samples: Int16Array;
  private end = 0;
  private anchor: Anchor | undefined;
  private candidate: Candidate | undefined;
  private readonly window: number;
  /** Packets dropped: too late, implausible timestamps. */
  dropped = 0;

  /**
   * `maxSamples` caps the track ({@link recordingLimitMs}: what the call may last, so a far end
   * that streams for as long as it can never makes the buffer grow past it; review F12); audio
   * beyond it is not kept. A finite cap is allocated up front, once: the pages of the zeroed
   * buffer are only touched as audio arrives, and no growth step ever holds two copies.
   * Without a cap (tests, the CLI) the buffer doubles from one second.
   */
  constructor(
    private readonly sampleRate = 8000,
    private readonly maxSamples = Number.POSITIVE_INFINITY,
  ) {
    this.window = (REORDER_WINDOW_MS * sampleRate) / 1000;
    this.samples = new Int16Array(Number.isFinite(maxSamples) ? Math.max(0, maxSamples) : 8000);
  }

  /** Samples recorded so far (to the end of the newest packet). */
  get length(): number {
    return this.end;
  }

  /**
   * The track: a view of the buffer, not a copy (a 600 s recording is 9.6 MB, and the caller
   * encodes it into a WAV anyway). Later writes show through it.
   */
  toPcm(): Int16Array {
    return this.samples.subarray(0, this.end);
  }

  /** Decodes `packet`'s payload into the track; `false` if it was dropped. */
  write(packet: RecordedPacket, law: G711Codec, arrivalMs: number): boolean {
    if (!this.anchor || this.anchor.ssrc !== packet.ssrc) this.reanchor(packet, arrivalMs);
    const anchor = this.anchor!;
    const position = this.positionOf(packet, anchor);
    if (this.plausible(position, packet.payload.length, arrivalMs)) {
      this.candidate = undefined;
      this.accept(packet, position, law);
      return true;
    }
    this.dropped += 1;
    // An older sequence number is just a packet too late for the window, not a new timeline.
    const behind = (anchor.newestSeq - packet.sequenceNumber) & 0xffff;
    if (behind > 0 && behind < MAX_DROPOUT) return false;
    const candidate = this.candidate;
    if (!candidate || !this.confirms(candidate.packet, packet)) {
      this.candidate = { packet: { ...packet, payload: Uint8Array.from(packet.payload) }, law, arrivalMs };
      return false;
    }
    // Two consecutive packets agree on a new timeline: move to it, keeping the first one's audio too.
    this.dropped -= 2;
    this.candidate = undefined;
    this.reanchor(candidate.packet, candidate.arrivalMs);
    this.accept(candidate.packet, this.positionOf(candidate.packet, this.anchor!), candidate.law);
    this.accept(packet, this.positionOf(packet, this.anchor!), law);
    return true;
  }

  private accept(packet: RecordedPacket, position: number, law: G711Codec): void {
    const anchor = this.anchor!;
    const ahead = (packet.sequenceNumber - anchor.newestSeq) & 0xffff;
    if (ahead > 0 && ahead < MAX_DROPOUT) anchor.newestSeq = packet.sequenceNumber;
    this.place(position, packet.payload, law);
  }

  private positionOf(packet: RecordedPacket, anchor: Anchor): number {
    return anchor.position + ((packet.timestamp - anchor.timestamp) | 0);
  }

  /** Where our clock says a packet arriving at `arrivalMs` belongs. */
  private expectedPosition(arrivalMs: number): number {
    const anchor = this.anchor!;
    return anchor.arrivalPosition + Math.round(((arrivalMs - anchor.arrivalMs) * this.sampleRate) / 1000);
  }

  private plausible(position: number, length: number, arrivalMs: number): boolean {
    if (position < this.end - this.window) return false;
    const expected = this.expectedPosition(arrivalMs);
    const drift = Math.max(0, expected - this.anchor!.arrivalPosition) / 100;
    return position + length <= expected + this.window + drift;
  }

  private confirms(first: RecordedPacket, second: RecordedPacket): boolean {
    const timestampStep = (second.timestamp - first.timestamp) | 0;
    return (
      first.ssrc === second.ssrc &&
      ((second.sequenceNumber - first.sequenceNumber) & 0xffff) === 1 &&
      timestampStep > 0 &&
      timestampStep <= this.window
    );
  }

  private reanchor(packet: RecordedPacket, arrivalMs: number): void {
    const position = this.anchor ? Math.max(this.end, this.expectedPosition(arrivalMs)) : 0;
    this.anchor = {
      ssrc: packet.ssrc,
      timestamp: packet.timestamp,
      position,
      arrivalMs,
      arrivalPosition: position,
      newestSeq: packet.sequenceNumber,
    };
  }

  private place(position: number, payload: Uint8Array, law: G711Codec): void {
    if (position < 0) this.shift(-position); // a reordered packet from before the first one
    const at = Math.max(0, position);
    const kept = payload.subarray(0, Math.max(0, Math.min(payload.length, this.maxSamples - at)));
    if (kept.length === 0) return;
    this.reserve(at + kept.length);
    if (law === 'PCMU') decodeUlawInto(kept, this.samples, at);
    else decodeAlawInto(kept, this.samples, at);
    this.end = Math.max(this.end, at + kept.length);
  }

  /** Moves the whole track `by` samples later (only while it is shorter than the window, so cheap). */
  private shift(by: number): void {
    const end = Math.min(this.end + by, this.maxSamples);
    this.reserve(end);
    this.samples.copyWithin(by, 0, Math.max(0, end - by));
    this.samples.fill(0, 0, Math.min(by, end));
    this.end = end;
    this.anchor!.position += by;
    this.anchor!.arrivalPosition += by;
  }

  private reserve(length: number): void {
    if (length <= this.samples.length) return;
    let capacity = Math.max(1, this.samples.length);
    while (capacity < length) capacity *= 2;
    capacity = Math.min(capacity, this.maxSamples);
    const grown = new Int16Array(capacity);
    grown.set(this.samples.subarray(0, this.end));
    this.samples = grown;
  }
}
