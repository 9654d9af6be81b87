/**
 * Answering-machine detection on real calls: sipp answers and plays a scene as RTP (a voice
 * saying "Hello?", a voicemail greeting of recorded prompts with and without a beep, or
 * silence), `TelephonyEngine.dial()` calls it with detection on, and the result must carry
 * the right verdict and timings, and the call must do what the verdict asks: play the
 * message (after the beep, whole), play the voicemail copy, or hang up. For the beep, the far
 * end's media is a recording peer in the test (test/support/rtp-peer.ts): what it received
 * must be the whole message, begun after the beep as it played it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallResult, DialRequest, MachineDetectionRequest } from '../../telephony/call-types.js';
import type { TelephonyEngine } from '../../telephony/engine.js';
import { sineWave } from '../../telephony/media/tone.js';
import { concat, silence } from '../../telephony/amd/amd-signals.js';
import { receivedRequests, type SippInstance } from '../../scripts/services/sipp.js';
import { speak } from '../../bench/amd/tts.js';
import { decodeAlaw, encodeAlaw } from '../../telephony/media/g711.js';
import { answerAndPlayScenario } from '../support/rtp-pcap';
import { peerScenario, RtpPeer, sdpMedia } from '../support/rtp-peer';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { enginePair, engineTrunk } from '../support/sip-calls';

const ms = (pcm: Int16Array): number => (pcm.length * 1000) / 8000;
const MESSAGE = sineWave({ frequency: 1000, durationMs: 1000 });
const VOICEMAIL_COPY = sineWave({ frequency: 600, durationMs: 600 });

let dir: string;
const engines = enginePair({ inline: { min: 42000, max: 42999 }, threaded: { min: 43000, max: 43999 } });
const { inline: engine, threaded } = engines;
const gateway = sippGateways({ timeoutMs: 40_000, ringMs: 100 });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicecast-amd-dial-'));
});

afterAll(async () => {
  await engines.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A sipp gateway that answers and plays `scene` from the ACK on. */
async function farEnd(scene: Int16Array): Promise<SippInstance> {
  return gateway({ scenario: answerAndPlayScenario(dir, scene), transport: 'udp' });
}

async function call(
  dialer: TelephonyEngine,
  sipp: SippInstance,
  machineDetection: MachineDetectionRequest,
  extra: Partial<DialRequest> = {},
): Promise<CallResult> {
  return dialer.dial({
    trunk: engineTrunk(sipp.port),
    destination: '+4930123456',
    audio: MESSAGE,
    ringTimeoutMs: 10_000,
    maxCallMs: 40_000,
    record: true,
    machineDetection,
    ...extra,
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

describe.each([
  ['media threads', () => threaded],
  ['this thread', () => engine],
])('answering-machine detection, RTP in %s', (_where, dialer) => {
  test('a person saying "Hello?": human, the message plays at once', async () => {
    const hello = speak({ source: 'espeak', name: 'en-us', speed: 160 }, 'Hello?');
    const utteranceEnd = 400 + ms(hello);
    const sipp = await farEnd(concat(silence(400), hello, silence(5000)));
    const result = await call(dialer(), sipp, waitForTheEnd);
    expect(result.outcome).toBe('answered');
    expect(result.machineDetection).toMatchObject({
      verdict: 'human',
      cause: 'short_greeting',
      treatedAs: 'human',
      action: 'message',
    });
    expect(result.machineDetection!.decisionMs).toBeGreaterThan(utteranceEnd);
    expect(result.machineDetection!.decisionMs).toBeLessThan(utteranceEnd + 1500);
    // The whole message went out after the verdict.
    expect(result.rtp!.packetsSent).toBeGreaterThanOrEqual(50);
    expect(result.endReason).toBe('message played');
    await expectSippExit(sipp, 0);
  });
});

describe('answering-machine detection on voicemail, RTP in media threads', () => {
  test('a greeting that ends in a beep: machine, the message starts after the beep and reaches a recording peer whole', async () => {
    const words = greeting();
    const beepEnd = 300 + ms(words) + 400 + ms(beep());
    // The far end's media is the test's own: it speaks the greeting from the answer on and
    // records what Voicecast sends (sipp only signals, its SDP naming the peer).
    const peer = await RtpPeer.open();
    try {
      const sipp = await gateway({ scenario: peerScenario(dir, peer), transport: 'udp' });
      let spoke = 0;
      const result = await call(threaded, sipp, waitForTheEnd, {
        onEvent: (event) => {
          if (event.type !== 'answered') return;
          const invite = receivedRequests(sipp, 'INVITE')[0];
          if (!invite) throw new Error(`sipp traced no INVITE\n${sipp.diagnostics()}`);
          spoke = peer.speak(concat(silence(300), words, silence(400), beep(), silence(8000)), sdpMedia(invite.body));
        },
      });
      expect(spoke).toBeGreaterThan(0);
      const amd = result.machineDetection!;
      expect(amd).toMatchObject({ verdict: 'machine', treatedAs: 'machine', action: 'message' });
      expect(amd.greetingEnd?.cause).toBe('beep');
      expect(amd.beep!.endMs).toBeGreaterThan(beepEnd - 150);
      expect(amd.beep!.endMs).toBeLessThan(beepEnd + 150);
      expect(amd.greetingEnd!.atMs).toBeGreaterThanOrEqual(amd.beep!.endMs);
      expect(amd.greetingEnd!.atMs - beepEnd).toBeLessThan(800);
      expect(result.endReason).toBe('message played');
      await expectSippExit(sipp, 0);

      // What the recording peer got: nothing before the beep had ended where it played it,
      // then the message within 0.8 s (plus a loaded machine's scheduling), every packet in
      // order, and the audio the message is, sample for sample (PCMA both ways).
      const packets = peer.inOrder();
      const firstHeard = packets[0].at - spoke;
      // The peer sends each 20 ms frame as it begins, so the frame holding the beep's last
      // sample (and the silence after it) leaves at the frame boundary before beepEnd: the
      // detector can hear the beep end there, never sooner. (A clean-clone run saw the
      // message 2.3 ms after that frame left, 0.02 ms before beepEnd itself.)
      expect(firstHeard).toBeGreaterThan(Math.floor(beepEnd / 20) * 20);
      expect(firstHeard - beepEnd).toBeLessThan(800 + 700);
      expect(packets).toHaveLength(ms(MESSAGE) / 20);
      packets.forEach((p, i) => {
        expect((p.sequenceNumber - packets[0].sequenceNumber) & 0xffff).toBe(i);
        expect((p.timestamp - packets[0].timestamp) >>> 0).toBe(i * 160);
      });
      expect(packets.every((p) => p.payloadType === 8)).toBe(true);
      expect(peer.audio()).toEqual(decodeAlaw(encodeAlaw(MESSAGE)));
    } finally {
      peer.close();
    }
  });

  test('a voicemail taken for a person: its beep stops the message, which starts again after it and arrives whole', async () => {
    // "Hi, it's Sam." and a 2 s pause: a person by every measure, so the message starts;
    // then "Please leave a message." and the beep, while the (5 s) message is playing.
    const long = sineWave({ frequency: 800, durationMs: 5000 });
    const opening = speak({ source: 'espeak', name: 'en-us', speed: 160 }, "Hi, it's Sam.");
    const rest = speak({ source: 'espeak', name: 'en-us', speed: 160 }, 'Please leave a message.');
    const beepEnd = 300 + ms(opening) + 2000 + ms(rest) + 300 + ms(beep());
    const peer = await RtpPeer.open();
    try {
      const sipp = await gateway({ scenario: peerScenario(dir, peer), transport: 'udp' });
      let spoke = 0;
      const result = await call(threaded, sipp, waitForTheEnd, {
        audio: long,
        onEvent: (event) => {
          if (event.type !== 'answered') return;
          const invite = receivedRequests(sipp, 'INVITE')[0];
          if (!invite) throw new Error(`sipp traced no INVITE\n${sipp.diagnostics()}`);
          const scene = concat(silence(300), opening, silence(2000), rest, silence(300), beep(), silence(8000));
          spoke = peer.speak(scene, sdpMedia(invite.body));
        },
      });
      const amd = result.machineDetection!;
      expect(amd).toMatchObject({
        verdict: 'machine',
        cause: 'beep',
        treatedAs: 'machine',
        action: 'message',
        greetingEnd: { cause: 'beep' },
        revisedFrom: { verdict: 'human', cause: 'short_greeting' },
      });
      expect(amd.revisedFrom!.decisionMs).toBeLessThan(beepEnd - 1000);
      expect(amd.beep!.endMs).toBeGreaterThan(beepEnd - 150);
      expect(amd.beep!.endMs).toBeLessThan(beepEnd + 150);
      expect(result.endReason).toBe('message played');
      await expectSippExit(sipp, 0);

      // The peer heard part of the message (to the "person"), then all of it from the start,
      // begun after the beep had ended where it played it.
      const packets = peer.inOrder();
      const whole = ms(long) / 20;
      expect(packets.length).toBeGreaterThan(whole);
      const again = packets[packets.length - whole];
      expect(again.at - spoke).toBeGreaterThan(Math.floor(beepEnd / 20) * 20);
      expect(again.at - spoke - beepEnd).toBeLessThan(800 + 700);
      expect(packets[0].at - spoke).toBeLessThan(beepEnd - 1000);
      const audio = peer.audio();
      expect(audio.subarray(audio.length - long.length)).toEqual(decodeAlaw(encodeAlaw(long)));
    } finally {
      peer.close();
    }
  });

  test('a greeting with no beep: machine, the voicemail copy plays once the greeting has gone quiet', async () => {
    const words = greeting();
    const greetingEnd = 300 + ms(words);
    const sipp = await farEnd(concat(silence(300), words, silence(8000)));
    const result = await call(threaded, sipp, { ...waitForTheEnd, machineAudio: VOICEMAIL_COPY });
    const amd = result.machineDetection!;
    expect(amd).toMatchObject({ verdict: 'machine', action: 'machine_audio' });
    expect(amd.greetingEnd?.cause).toBe('silence');
    expect(amd.greetingEnd!.atMs).toBeGreaterThan(greetingEnd);
    expect(amd.greetingEnd!.atMs - greetingEnd).toBeLessThan(2800);
    expect(result.rtp!.packetsSent).toBeGreaterThanOrEqual(30);
    expect(result.rtp!.packetsSent).toBeLessThan(50); // the 600 ms copy, not the 1 s message
    await expectSippExit(sipp, 0);
  });

  test('silence: unknown (no speech), taken as a machine and hung up on without a word', async () => {
    const sipp = await farEnd(silence(10_000));
    const result = await call(threaded, sipp, { ...waitForTheEnd, onMachine: 'hang_up' });
    expect(result.machineDetection).toMatchObject({
      verdict: 'unknown',
      cause: 'no_speech',
      treatedAs: 'machine',
      action: 'hung_up',
    });
    expect(result.endReason).toMatch(/hung up on a machine/);
    expect(result.rtp!.packetsSent).toBe(0);
    await expectSippExit(sipp, 0);
  });

  test('detect only: a machine verdict acts at once, without waiting for the greeting to end', async () => {
    const sipp = await farEnd(concat(silence(300), greeting(), silence(6000)));
    const result = await call(threaded, sipp, { ...waitForTheEnd, mode: 'detect' });
    expect(result.machineDetection).toMatchObject({ verdict: 'machine', cause: 'long_greeting' });
    expect(result.machineDetection!.greetingEnd).toBeUndefined();
    expect(result.machineDetection!.decisionMs).toBeLessThan(300 + 2500);
    await expectSippExit(sipp, 0);
  });
});
