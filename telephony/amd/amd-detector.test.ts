import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw } from '../media/g711.js';
import { AmdDetector, type AmdMessageEnd, type AmdVerdict } from './amd-detector.js';
import { babble, concat, mix, noise, seededRandom, silence, tones } from './amd-signals.js';

function run(audio: Int16Array, settings = {}): { verdict: AmdVerdict | null; end: AmdMessageEnd | null } {
  const detector = new AmdDetector(settings);
  detector.write(audio);
  // Feed trailing silence so timers can fire.
  detector.write(silence(35_000));
  return { verdict: detector.verdict, end: detector.messageEnd };
}

const ulaw = (pcm: Int16Array): Int16Array => decodeUlaw(encodeUlaw(pcm));
const alaw = (pcm: Int16Array): Int16Array => decodeAlaw(encodeAlaw(pcm));

describe('AmdDetector: human or machine', () => {
  const random = seededRandom(7);

  it.each([
    [400, -12],
    [900, -20],
    [1500, -30],
  ])('a short opening then silence is a human (%d ms at %d dBFS)', (ms, dbfs) => {
    const { verdict } = run(ulaw(concat(silence(600), babble(ms, dbfs, random), silence(4000))));
    expect(verdict).toMatchObject({ verdict: 'human', cause: 'short_greeting' });
    // Decided within 1.5 s of the end of the opening (the p95 target).
    expect(verdict!.atMs).toBeGreaterThan(600 + ms);
    expect(verdict!.atMs).toBeLessThan(600 + ms + 1500);
  });

  it('a long greeting is a machine, decided before the greeting ends', () => {
    const { verdict, end } = run(alaw(concat(silence(900), babble(6000, -15, random))));
    expect(verdict).toMatchObject({ verdict: 'machine', cause: 'long_greeting' });
    expect(verdict!.atMs).toBeLessThan(900 + 2000);
    // No beep: the greeting ends in silence, found about endSilenceMs after it stops.
    expect(end?.cause).toBe('silence');
    expect(end!.atMs).toBeGreaterThan(6900);
    expect(end!.atMs).toBeLessThan(6900 + 1500);
  });

  it('a greeting that ends in a beep: the message starts at the end of the beep', () => {
    const audio = concat(silence(500), babble(4000, -14, random), silence(400), tones([1000], 500, -10), silence(3000));
    const { verdict, end } = run(ulaw(audio));
    expect(verdict?.verdict).toBe('machine');
    expect(end?.cause).toBe('beep');
    expect(end!.beep!.hz).toBeGreaterThan(980);
    expect(end!.beep!.hz).toBeLessThan(1020);
    expect(Math.abs(end!.atMs - 5400)).toBeLessThanOrEqual(40);
  });

  it('silence is unknown (no_speech), with the greeting end at once', () => {
    const { verdict } = run(ulaw(silence(6000)));
    expect(verdict).toMatchObject({ verdict: 'unknown', cause: 'no_speech', atMs: 3500 });
  });

  it('line noise alone is no speech', () => {
    const { verdict } = run(ulaw(noise(6000, -45, random)));
    expect(verdict?.cause).toBe('no_speech');
  });

  it('a fax calling tone before anyone speaks is a fax machine', () => {
    const cng = concat(tones([1100], 500, -12), silence(3000));
    const { verdict } = run(ulaw(concat(silence(300), cng, cng)));
    expect(verdict).toMatchObject({ verdict: 'machine', cause: 'fax' });
  });

  it('a SIT before an announcement is a machine (sit), not a beep', () => {
    const sit = concat(tones([913.8], 276, -12), tones([1370.6], 276, -12), tones([1776.7], 380, -12));
    const { verdict, end } = run(ulaw(concat(silence(300), sit, babble(3000, -14, random))));
    expect(verdict).toMatchObject({ verdict: 'machine', cause: 'sit' });
    expect(end?.cause).not.toBe('beep');
  });

  it('lost frames inside an opening do not split it', () => {
    const detector = new AmdDetector();
    detector.write(silence(500));
    const opening = babble(1000, -15, random);
    for (let i = 0; i < opening.length; i += 160) {
      if ((i / 160) % 10 === 3) detector.lost();
      else detector.write(opening.subarray(i, i + 160));
    }
    detector.write(silence(3000));
    expect(detector.verdict?.verdict).toBe('human');
  });
});

describe('AmdDetector: pauses, second utterances, background speech, late starts', () => {
  const random = seededRandom(23);

  it('a greeting that resumes on the last frame of the pause is not a human', () => {
    // White noise is voice to the energy detector and starts at full level, so the frames
    // are exact: a 1.2 s opening ends at 1300 ms, the 1.3 s pause after it would be over at
    // 2600 ms, and the greeting resumes at 2560 ms (two frames of voice by then, short of
    // the 60 ms onset). Speech follows, since steady noise becomes the floor after 1.5 s.
    const resumed = concat(noise(100, -24, random), babble(3000, -12, random));
    const audio = concat(silence(100), noise(1200, -24, random), silence(1260), resumed);
    const { verdict } = run(ulaw(audio));
    expect(verdict).toMatchObject({ verdict: 'machine', cause: 'long_greeting' });
    // The voice after a 1.26 s pause is a second utterance: machine once it has run 2 s.
    expect(verdict!.atMs).toBeGreaterThanOrEqual(2560 + 2000);
    expect(verdict!.atMs).toBeLessThanOrEqual(2560 + 2000 + 200);
  });

  it('a second "hello?" after a 1.1 s pause is a human, decided after it', () => {
    const audio = concat(silence(400), babble(1250, -15, random), silence(1100), babble(500, -15, random));
    const { verdict } = run(alaw(concat(audio, silence(4000))));
    expect(verdict).toMatchObject({ verdict: 'human', cause: 'short_greeting' });
    const secondEndMs = 400 + 1250 + 1100 + 500;
    expect(verdict!.atMs).toBeGreaterThan(secondEndMs);
    expect(verdict!.atMs).toBeLessThan(secondEndMs + 1000);
  });

  it('a greeting that pauses 1.1 s and runs on is a machine once the second part has run 2 s', () => {
    const audio = concat(silence(300), babble(1250, -15, random), silence(1100), babble(4000, -15, random));
    const { verdict } = run(ulaw(audio));
    expect(verdict).toMatchObject({ verdict: 'machine', cause: 'long_greeting' });
    const resumedMs = 300 + 1250 + 1100;
    expect(verdict!.atMs).toBeGreaterThan(resumedMs + 1800);
    expect(verdict!.atMs).toBeLessThan(resumedMs + 2300);
  });

  it('frames lost in a pause do not make it long enough for a second utterance', () => {
    // 600 ms heard of a pause, then the far end stalls for 500 ms (frames declared lost):
    // the greeting going on after it is still the first utterance, a machine at once.
    const detector = new AmdDetector();
    detector.write(ulaw(concat(silence(300), babble(1300, -15, random), silence(600))));
    for (let i = 0; i < 25; i += 1) detector.lost();
    detector.write(ulaw(concat(babble(3000, -15, random), silence(3000))));
    expect(detector.verdict).toMatchObject({ verdict: 'machine', cause: 'long_greeting' });
    expect(detector.verdict!.atMs).toBeLessThan(2700 + 300);
  });

  it.each([-6, -10])('a television 13 dB under a "Yes?" at %d dBFS does not make it a greeting', (dbfs) => {
    // The bench's television is 15 dB under the callee's speech level; its loud frames come
    // closer than that, and a voice near full scale clips, so the test takes 13 dB.
    for (let seed = 1; seed <= 5; seed += 1) {
      const voices = seededRandom(seed);
      const tv = concat(silence(700), babble(8000, dbfs - 13, voices));
      const audio = mix(concat(silence(700), babble(500, dbfs, voices), silence(7500)), tv);
      const { verdict } = run(ulaw(audio));
      expect(verdict).toMatchObject({ verdict: 'human', cause: 'short_greeting' });
      expect(verdict!.atMs).toBeLessThan(700 + 500 + 1500);
    }
  });

  it('voice that starts 2 s or more after the answer is a greeting 200 ms sooner', () => {
    const speech = babble(1420, -15, seededRandom(5));
    // The same 1.4 s of speech: an opening when it starts at once, a greeting when late.
    const early = run(ulaw(concat(silence(500), speech, silence(4000)))).verdict;
    expect(early).toMatchObject({ verdict: 'human', cause: 'short_greeting' });
    const late = run(ulaw(concat(silence(2200), speech, silence(4000)))).verdict;
    expect(late).toMatchObject({ verdict: 'machine', cause: 'long_greeting' });
    expect(late!.atMs).toBeLessThan(2200 + 1420);
  });
});

describe('AmdDetector: beeps and what is not one', () => {
  const random = seededRandom(11);
  const greeting = babble(2500, -15, random);

  function beepEnd(tone: Int16Array, codec = ulaw): AmdMessageEnd | null {
    return run(codec(concat(silence(300), greeting, silence(300), tone, silence(3000)))).end;
  }

  it.each([400, 700, 1000, 1400, 2000])('a %d Hz beep after a G.711 round trip', (hz) => {
    for (const [ms, dbfs] of [
      [150, -30],
      [400, -6],
      [1500, -18],
    ]) {
      const end = beepEnd(tones([hz], ms, dbfs), hz % 200 === 0 ? ulaw : alaw);
      expect(end?.cause).toBe('beep');
      expect(Math.abs(end!.atMs - (300 + 2500 + 300 + ms))).toBeLessThanOrEqual(40);
    }
  });

  it('a two-tone chirp is one beep', () => {
    const end = beepEnd(concat(tones([800], 200), tones([1200], 200)));
    expect(end?.cause).toBe('beep');
    expect(Math.abs(end!.atMs - 3500)).toBeLessThanOrEqual(40);
  });

  it.each([
    ['ringback 440+480 Hz', [440, 480], 2000],
    ['DTMF 1 (697+1209 Hz)', [697, 1209], 300],
    ['DTMF 9 (852+1477 Hz)', [852, 1477], 300],
    ['a dual tone 400+500 Hz', [400, 500], 1850],
    ['a dual tone 1900+1950 Hz', [1900, 1950], 1850],
  ])('%s is no beep', (_name, frequencies, ms) => {
    const end = beepEnd(tones(frequencies, ms, -10));
    expect(end?.cause).not.toBe('beep');
  });

  it('speech alone never makes a beep', () => {
    for (let seed = 1; seed <= 6; seed += 1) {
      const { end } = run(ulaw(babble(5000, -12, seededRandom(seed))));
      expect(end?.cause).not.toBe('beep');
    }
  });
});
