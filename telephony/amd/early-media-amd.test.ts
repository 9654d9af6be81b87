import { encodeUlaw } from '../media/g711.js';
import { DEFAULT_AMD_SETTINGS } from './amd-detector.js';
import { babble, concat, seededRandom, silence, tones } from './amd-signals.js';
import { EarlyMediaAmd, type CallAmdEvent } from './early-media-amd.js';

const FRAME = 160;
const START = 10_000;

/**
 * Plays `early` (before the answer) then `answered` (after it) into an EarlyMediaAmd as
 * 20 ms µ-law packets on one stream, `ssrcAtAnswer` optionally restarting the stream at the
 * answer; returns the events, times from the answer.
 */
function run(early: Int16Array, answered: Int16Array, ssrcAtAnswer = 1): CallAmdEvent[] {
  const events: CallAmdEvent[] = [];
  const amd = new EarlyMediaAmd({}, START, (event) => events.push(event));
  const ulaw = encodeUlaw(concat(early, answered));
  const answerFrame = Math.round(early.length / FRAME);
  for (let n = 0; n * FRAME < ulaw.length; n += 1) {
    const now = START + (n + 1) * 20;
    if (n === answerFrame) amd.answered(now - 20);
    const restarted = n >= answerFrame && ssrcAtAnswer !== 1;
    const timestamp = restarted ? 777_000 + (n - answerFrame) * FRAME : n * FRAME;
    amd.packet(timestamp, ulaw.subarray(n * FRAME, (n + 1) * FRAME), 'PCMU', now, restarted ? ssrcAtAnswer : 1);
    if (n % 5 === 0) amd.tick(now);
    if (amd.done) break;
  }
  return events;
}

const verdictOf = (events: CallAmdEvent[]) => events.find((e) => e.kind === 'verdict')?.verdict;
const endOf = (events: CallAmdEvent[]) => {
  const end = events.find((e) => e.kind === 'end');
  return end?.kind === 'end' ? end.end : undefined;
};

/** North American ringback: 440 + 480 Hz, 2 s on, 4 s off. */
const usRingback = (cycles: number): Int16Array =>
  concat(...Array.from({ length: cycles }, () => concat(tones([440, 480], 2000, -16), silence(4000))));
/** European ringback: 425 Hz, 1 s on, 4 s off. */
const euRingback = (cycles: number): Int16Array =>
  concat(...Array.from({ length: cycles }, () => concat(tones([425], 1000, -16), silence(4000))));

describe('EarlyMediaAmd', () => {
  const random = seededRandom(19);

  it('a whole greeting and beep in early media: machine (early_media) at the answer, the message at once', () => {
    const events = run(
      concat(silence(500), babble(4000, -15, random), silence(400), tones([1000], 500, -12), silence(300)),
      silence(3000),
    );
    expect(verdictOf(events)).toEqual({ verdict: 'machine', cause: 'early_media', atMs: 0 });
    const end = endOf(events)!;
    expect(end.cause).toBe('beep');
    expect(end.atMs).toBe(0);
    // The beep ended about 300 ms before the answer.
    expect(end.beep!.endMs).toBeLessThan(-200);
    expect(end.beep!.endMs).toBeGreaterThan(-450);
    expect(end.beep!.hz).toBeGreaterThan(950);
  });

  it('a greeting begun before the answer carries its length over: machine sooner than from the answer alone', () => {
    const voice = babble(5000, -15, random);
    const events = run(concat(usRingback(1), voice.subarray(0, 8000)), concat(voice.subarray(8000), silence(3000)));
    const verdict = verdictOf(events)!;
    expect(verdict).toMatchObject({ verdict: 'machine', cause: 'early_media' });
    // 1 s of it before the answer: the 1.6 s greeting length is reached well under 1.6 s after it.
    expect(verdict.atMs).toBeLessThan(1200);
    // The greeting goes on 4 s past the answer; its end is found in the silence after it.
    expect(endOf(events)).toMatchObject({ cause: 'silence' });
    expect(endOf(events)!.atMs).toBeGreaterThan(4000);
  });

  it('ends the greeting it decided on after the answer (silence), on the answer clock', () => {
    const voice = babble(4000, -15, random);
    const events = run(concat(silence(300), voice.subarray(0, 16000)), concat(voice.subarray(16000), silence(6000)));
    expect(verdictOf(events)).toMatchObject({ verdict: 'machine', cause: 'early_media', atMs: 0 });
    const end = endOf(events)!;
    expect(end.cause).toBe('silence');
    // The voice stops 2 s after the answer; the silence rule ends it 1.2-2.5 s later.
    expect(end.atMs).toBeGreaterThan(2000 + 1000);
    expect(end.atMs).toBeLessThan(2000 + 3000);
  });

  it('European ringback (425 Hz) is no beep, and a person after it is a human', () => {
    const events = run(euRingback(3), concat(silence(300), babble(600, -15, random), silence(4000)));
    expect(verdictOf(events)).toMatchObject({ verdict: 'human', cause: 'short_greeting' });
  });

  it('North American ringback, then a greeting after the answer: the ordinary verdict, not early_media', () => {
    const events = run(usRingback(3), concat(silence(300), babble(5000, -15, random)));
    const verdict = verdictOf(events)!;
    expect(verdict).toMatchObject({ verdict: 'machine', cause: 'long_greeting' });
    // A greeting begun at the answer: its full length, not the late-start cut the 183's clock would give.
    expect(verdict.atMs).toBeGreaterThanOrEqual(300 + DEFAULT_AMD_SETTINGS.greetingMs);
  });

  it('silent early media changes nothing: no speech is unknown at the ordinary time', () => {
    const events = run(silence(8000), silence(6000));
    expect(verdictOf(events)).toEqual({ verdict: 'unknown', cause: 'no_speech', atMs: 3500 });
  });

  it('a stream restarted at the answer (new SSRC and timestamps) is still heard', () => {
    const voice = babble(4000, -15, random);
    const events = run(concat(silence(300), voice.subarray(0, 8000)), concat(voice.subarray(8000), silence(4000)), 99);
    expect(verdictOf(events)).toMatchObject({ verdict: 'machine', cause: 'early_media' });
    expect(endOf(events)?.cause).toBe('silence');
  });
});
