/**
 * Answering-machine detection on 183 early media: sipp sends a 183 Session Progress with
 * SDP, plays a scene from then on (a carrier playing the voicemail greeting before it
 * answers, or ringback), and answers with a 200 OK `ringMs` later while the scene goes on.
 * `TelephonyEngine.dial()` calls it with detection on; the verdict must say what the early
 * audio showed, with times from the answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallResult, MachineDetectionRequest } from '../../telephony/call-types.js';
import type { TelephonyEngine } from '../../telephony/engine.js';
import { sineWave } from '../../telephony/media/tone.js';
import { concat, silence, tones } from '../../telephony/amd/amd-signals.js';
import type { SippInstance } from '../../scripts/services/sipp.js';
import { speak } from '../../bench/amd/tts.js';
import { earlyMediaAndPlayScenario } from '../support/rtp-pcap';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { enginePair, engineTrunk } from '../support/sip-calls';

const ms = (pcm: Int16Array): number => (pcm.length * 1000) / 8000;
const MESSAGE = sineWave({ frequency: 1000, durationMs: 1000 });

let dir: string;
const engines = enginePair({ inline: { min: 47500, max: 47999 }, threaded: { min: 47000, max: 47499 } });
const { inline: engine, threaded } = engines;
const gateway = sippGateways({ timeoutMs: 40_000 });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicecast-amd-early-'));
});

afterAll(async () => {
  await engines.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A sipp gateway with `earlyMs` of early media, playing `scene` from its 183 on. */
function farEnd(scene: Int16Array, earlyMs: number): Promise<SippInstance> {
  return gateway({ scenario: earlyMediaAndPlayScenario(dir, scene), transport: 'udp', ringMs: earlyMs });
}

function call(
  sipp: SippInstance,
  machineDetection: MachineDetectionRequest,
  dialer: TelephonyEngine = threaded,
): Promise<CallResult> {
  return dialer.dial({
    trunk: engineTrunk(sipp.port),
    destination: '+4930123456',
    audio: MESSAGE,
    ringTimeoutMs: 20_000,
    maxCallMs: 40_000,
    record: true,
    machineDetection,
  });
}

const waitForTheEnd: MachineDetectionRequest = {
  mode: 'detect_message_end',
  unknownAs: 'machine',
  onHuman: 'play',
  onMachine: 'play',
};

const greeting = (): Int16Array =>
  speak({ source: 'allison', name: 'allison' }, 'vm-theperson+digits/2+digits/0+vm-isunavail');
const beep = (): Int16Array => speak({ source: 'allison', name: 'allison' }, 'beep');

describe('answering-machine detection on 183 early media', () => {
  test.each([
    ['media threads', () => threaded],
    ['this thread', () => engine],
  ])(
    'a carrier greeting and its beep before the answer: machine (early_media), the message at once, whole (RTP in %s)',
    async (_where, dialer) => {
      const words = greeting();
      const beepEnd = 300 + ms(words) + 400 + ms(beep());
      const earlyMs = Math.round(beepEnd + 700);
      const sipp = await farEnd(concat(silence(300), words, silence(400), beep(), silence(9000)), earlyMs);
      const result = await call(sipp, waitForTheEnd, dialer());
      expect(result.outcome).toBe('answered');
      expect(result.times.answer!.getTime() - result.times.ringing!.getTime()).toBeGreaterThanOrEqual(earlyMs - 50);
      const amd = result.machineDetection!;
      expect(amd).toMatchObject({
        verdict: 'machine',
        cause: 'early_media',
        treatedAs: 'machine',
        action: 'message',
        greetingEnd: { cause: 'beep', atMs: 0 },
      });
      expect(amd.decisionMs).toBeLessThan(300);
      // The beep ended about 700 ms before the answer (more if a loaded host took the 200 OK late).
      expect(amd.beep!.endMs).toBeLessThan(-700 + 250);
      expect(amd.beep!.endMs).toBeGreaterThan(-700 - 500);
      // Nothing waited for: the message went out at the answer and played whole.
      const talked = result.times.end.getTime() - result.times.answer!.getTime();
      expect(talked).toBeGreaterThanOrEqual(ms(MESSAGE) - 100);
      expect(talked).toBeLessThan(ms(MESSAGE) + 1000);
      expect(result.rtp!.packetsSent).toBeGreaterThanOrEqual(50);
      expect(result.endReason).toBe('message played');
      await expectSippExit(sipp, 0);
    },
  );

  test('a greeting begun before the answer carries its length over: machine (early_media) sooner', async () => {
    const words = greeting();
    // The answer 1.2 s into the greeting's words, which go on for ms(words) − 1.2 s after it.
    const sipp = await farEnd(concat(silence(300), words, silence(9000)), 1500);
    const result = await call(sipp, { ...waitForTheEnd, mode: 'detect' });
    const amd = result.machineDetection!;
    expect(amd).toMatchObject({ verdict: 'machine', cause: 'early_media', treatedAs: 'machine' });
    // From the answer alone the greeting length (1.6 s of voice) could not be reached before 1.6 s.
    expect(amd.decisionMs).toBeLessThan(1400);
    expect(amd.greetingEnd).toBeUndefined();
    expect(result.endReason).toBe('message played');
    await expectSippExit(sipp, 0);
  });

  test('ringback as early media, then a person saying "Hello?": human, as without early media', async () => {
    const ringback = concat(tones([425], 1000, -16), silence(1500), tones([425], 1000, -16), silence(500));
    const hello = speak({ source: 'espeak', name: 'en-us', speed: 160 }, 'Hello?');
    const sipp = await farEnd(concat(ringback, silence(400), hello, silence(6000)), ms(ringback));
    const result = await call(sipp, waitForTheEnd);
    const amd = result.machineDetection!;
    expect(amd).toMatchObject({ verdict: 'human', cause: 'short_greeting', action: 'message' });
    expect(amd.decisionMs).toBeGreaterThan(400 + ms(hello));
    expect(amd.decisionMs).toBeLessThan(400 + ms(hello) + 1600);
    expect(result.endReason).toBe('message played');
    await expectSippExit(sipp, 0);
  });
});
