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
 *
 * The track is kept as the far end's G.711 codes, one byte a sample, with one bit a sample
 * saying which were written (a gap is silence, 0, which no A-law code decodes to), and is
 * decoded to 16-bit PCM when it is read: 9/16 of the memory of a call in flight (a 30 s
 * message's track is 291 kB, not 517 kB; `make bench-scale` holds 1,000 at once). A far end
 * that changes law mid-call turns its track into 16-bit PCM from then on, decoded exactly.
 */
import { alawDecodeSample, decodeAlawInto, decodeUlawInto, ulawDecodeSample, type G711Codec } from '../media/g711.js';
import { pcmWithWavRoom } from '../media/wav.js';
import { releaseNow } from '../../lib/release-now.js';

/** Code → 16-bit sample, per law. */
const DECODED: Readonly<Record<G711Codec, Int16Array>> = {
  PCMU: Int16Array.from({ length: 256 }, (_, code) => ulawDecodeSample(code)),
  PCMA: Int16Array.from({ length: 256 }, (_, code) => alawDecodeSample(code)),
};

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
  /** The far end's codes in {@link law} (until a second law arrives; then undefined). */
  private codes: Uint8Array | undefined;
  /** Bit i: sample i was written (codes only; a zero bit is silence). */
  private written: Uint8Array | undefined;
  /** The track's law: the first packet's. */
  private law: G711Codec | undefined;
  /** The track as 16-bit PCM, once a packet of another law has arrived. */
  private pcm: Int16Array | undefined;
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
    const capacity = Number.isFinite(maxSamples) ? Math.max(0, maxSamples) : 8000;
    this.codes = new Uint8Array(capacity);
    this.written = new Uint8Array(Math.ceil(capacity / 8));
  }

  /** Samples the storage holds now (its capacity). */
  private get capacity(): number {
    return this.pcm?.length ?? this.codes!.length;
  }

  /** Samples recorded so far (to the end of the newest packet). */
  get length(): number {
    return this.end;
  }

  /**
   * The track so far as 16-bit PCM: decoded when asked (once, when the call ends), or, after
   * a change of law, a view of the PCM track, not a copy (a 600 s recording is 9.6 MB).
   */
  toPcm(): Int16Array {
    if (this.pcm) return this.pcm.subarray(0, this.end);
    return this.decode(this.end, this.end);
  }

  /**
   * The codes' first `length` samples decoded into a new PCM array of `capacity` samples,
   * with room for a WAV header before them (the recording's WAV is made without a copy).
   */
  private decode(length: number, capacity: number): Int16Array {
    const pcm = pcmWithWavRoom(capacity);
    const codes = this.codes!;
    const written = this.written!;
    const decoded = DECODED[this.law ?? 'PCMU'];
    for (let i = 0; i < length; i += 1) {
      if (written[i >> 3] & (1 << (i & 7))) pcm[i] = decoded[codes[i]];
    }
    return pcm;
  }

  /**
   * Gives the codes' and written bits' memory back now instead of at the thread's next garbage
   * collection, once the recording has been read for the last time: the track is empty
   * afterwards. A PCM track (after a change of law) is only dropped: {@link toPcm} handed out
   * a view of it, which may still be on its way to the engine's thread.
   */
  release(): void {
    for (const store of [this.codes, this.written]) if (store) releaseNow(store);
    this.codes = new Uint8Array(0);
    this.written = new Uint8Array(0);
    this.pcm = undefined;
    this.end = 0;
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
    this.law ??= law;
    if (law !== this.law && !this.pcm) {
      // A second law: the track becomes 16-bit PCM, exactly what both laws decode to.
      this.pcm = this.decode(this.end, this.codes!.length);
      this.codes = undefined;
      this.written = undefined;
    }
    if (this.pcm) {
      if (law === 'PCMU') decodeUlawInto(kept, this.pcm, at);
      else decodeAlawInto(kept, this.pcm, at);
    } else {
      const codes = this.codes!;
      const written = this.written!;
      codes.set(kept, at);
      for (let i = at; i < at + kept.length; i += 1) written[i >> 3] |= 1 << (i & 7);
    }
    this.end = Math.max(this.end, at + kept.length);
  }

  /** Moves the whole track `by` samples later (only while it is shorter than the window, so cheap). */
  private shift(by: number): void {
    const end = Math.min(this.end + by, this.maxSamples);
    this.reserve(end);
    const keep = Math.max(0, end - by);
    if (this.pcm) {
      this.pcm.copyWithin(by, 0, keep);
      this.pcm.fill(0, 0, Math.min(by, end));
    } else {
      const codes = this.codes!;
      const written = this.written!;
      codes.copyWithin(by, 0, keep);
      // The written bits move with the codes, from the far end back (the track is short here).
      for (let i = end - 1; i >= 0; i -= 1) {
        const from = i - by;
        const set = from >= 0 && (written[from >> 3] & (1 << (from & 7))) !== 0;
        if (set) written[i >> 3] |= 1 << (i & 7);
        else written[i >> 3] &= ~(1 << (i & 7));
      }
    }
    this.end = end;
    this.anchor!.position += by;
    this.anchor!.arrivalPosition += by;
  }

  private reserve(length: number): void {
    if (length <= this.capacity) return;
    let capacity = Math.max(1, this.capacity);
    while (capacity < length) capacity *= 2;
    capacity = Math.min(capacity, this.maxSamples);
    if (this.pcm) {
      const grown = new Int16Array(capacity);
      grown.set(this.pcm.subarray(0, this.end));
      this.pcm = grown;
      return;
    }
    const codes = new Uint8Array(capacity);
    codes.set(this.codes!.subarray(0, this.end));
    const written = new Uint8Array(Math.ceil(capacity / 8));
    written.set(this.written!.subarray(0, Math.ceil(this.end / 8)));
    this.codes = codes;
    this.written = written;
  }
}
