/**
 * Feeds an {@link AmdDetector} from RTP as it arrives: G.711 payloads in timestamp order,
 * gaps (lost packets) as lost frames, late and duplicate packets dropped, and a clock tick
 * that declares frames lost when nothing arrives at all (a gateway that stops sending in
 * silence), so the detector's timers still fire. Runs in the media thread beside the
 * recording; a packet costs one G.711 decode and one detector frame.
 */
import { decodeAlawInto, decodeUlawInto, type G711Codec } from '../media/g711.js';
import { AmdDetector, type AmdEvent, type AmdSettings } from './amd-detector.js';
import { FRAME_MS, FRAME_SAMPLES } from './tone-frame.js';

/** Frames that may still be on their way before the clock counts them lost. */
const JITTER_FRAMES = 3;
/** A jump beyond this is a new stream (or a bad timestamp), not a gap to fill. */
const MAX_GAP_FRAMES = 250;

export class AmdFeed {
  private readonly detector: AmdDetector;
  private readonly decoded = new Int16Array(8000);
  private nextTimestamp: number | undefined;
  private finished = false;

  constructor(
    settings: Partial<AmdSettings>,
    private readonly startMs: number,
    private readonly emit: (event: AmdEvent) => void,
  ) {
    this.detector = new AmdDetector(settings);
  }

  /** Whether the detector has said all it will (the greeting's end, or a human verdict and no late beep by its limit). */
  get done(): boolean {
    return this.finished;
  }

  /** One audio packet: `timestamp` in samples, `nowMs` on the clock `startMs` is on. */
  packet(timestamp: number, payload: Uint8Array, law: G711Codec, nowMs: number): void {
    if (this.finished || payload.length === 0 || payload.length > this.decoded.length) return;
    if (this.nextTimestamp === undefined) {
      // Frames before the first packet (it took its own length to fill) never came.
      this.loseUntil(Math.floor((nowMs - this.startMs - (payload.length * 1000) / 8000) / FRAME_MS));
      this.nextTimestamp = timestamp;
    }
    const ahead = (timestamp - this.nextTimestamp) | 0;
    if (ahead < 0) return; // late or repeated: its frames were counted lost already
    if (ahead > 0) {
      const gap = Math.floor(ahead / FRAME_SAMPLES);
      if (gap <= MAX_GAP_FRAMES) for (let i = 0; i < gap; i += 1) this.deliver(this.detector.lost());
    }
    const pcm = this.decoded.subarray(0, payload.length);
    if (law === 'PCMU') decodeUlawInto(payload, pcm);
    else decodeAlawInto(payload, pcm);
    this.deliver(this.detector.write(pcm));
    this.nextTimestamp = (timestamp + payload.length) >>> 0;
  }

  /** The clock: frames that should have arrived by `nowMs` (less the jitter allowance) are lost. */
  tick(nowMs: number): void {
    this.loseUntil(Math.floor((nowMs - this.startMs) / FRAME_MS) - JITTER_FRAMES);
  }

  private loseUntil(frames: number): void {
    while (!this.finished && this.detector.elapsedMs / FRAME_MS < frames) {
      this.deliver(this.detector.lost());
      if (this.nextTimestamp !== undefined) this.nextTimestamp = (this.nextTimestamp + FRAME_SAMPLES) >>> 0;
    }
  }

  private deliver(events: AmdEvent[]): void {
    for (const event of events) {
      if (this.finished) return;
      if (event.kind === 'end') this.finished = true;
      this.emit(event);
    }
    if (!this.detector.listening) this.finished = true;
  }
}
