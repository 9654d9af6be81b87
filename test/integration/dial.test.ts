/**
 * The telephony engine against a real SIP peer: sipp (Debian `sip-tester`) plays the
 * gateway with the scenarios in test/sipp/, over UDP and over TCP. Each test places a real
 * call with `TelephonyEngine.dial()` and checks both sides: our `CallResult` and sipp's exit
 * code (0 only when the call went exactly as the scenario says).
 *
 * RTP is proven end to end: against `uas-answer.xml` sipp runs with `-rtp_echo`, so every
 * packet it received comes back, and the recording of the echo must be our 1 kHz message;
 * against `uas-answer-play.xml` the recording is sipp's own PCMA pcap.
 *
 * The per-transport scenarios run a third time over UDP with the RTP in media threads
 * (`mediaThreads`), as the worker runs it: the same assertions hold whichever thread carries
 * a call's media.
 */
import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CallEvent, CallResult, DialRequest, TrunkConfig } from '../../telephony/call-types.js';
import { TrunkNetworks } from '../../lib/trunk-networks.js';
import { TelephonyEngine } from '../../telephony/engine.js';
import { SipError } from '../../telephony/telephony-error.js';
import { decodeWav } from '../../telephony/media/wav.js';
import { goertzelPower, sineWave } from '../../telephony/media/tone.js';
import { sleep, waitFor } from '../../telephony/rtp/test-support.js';
import { freePort } from '../../scripts/services/ports.js';
import {
  checkProxyAuthorization,
  headerValues,
  receivedRequests,
  SIPP_DTMF_DIGITS,
  SIPP_PLAYBACK,
  type SippInstance,
  type SippTransport,
} from '../../scripts/services/sipp.js';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { engineTrunk } from '../support/sip-calls';

const AUTH = { username: 'alice', password: 's3cret-pw' };
const TONE_MS = 1000;
const tone = sineWave({ frequency: 1000, durationMs: TONE_MS });

let engine: TelephonyEngine;
/** RTP in two media threads, on ports of its own. */
let threaded: TelephonyEngine;
/** What `place()` dials with: `engine`, except in the media-thread runs. */
let dialer: TelephonyEngine;
const gateway = sippGateways({ timeoutMs: 30_000, ringMs: 100 });

beforeAll(() => {
  engine = new TelephonyEngine({ bindAddress: '127.0.0.1', rtpPorts: { min: 41000, max: 41999 } });
  threaded = new TelephonyEngine({
    bindAddress: '127.0.0.1',
    rtpPorts: { min: 44000, max: 44999 },
    mediaThreads: 2,
    pacer: { clock: 'thread', phases: 4 },
  });
  dialer = engine;
});

afterAll(async () => {
  await engine.close();
  await threaded.close();
});

function trunkFor(sipp: SippInstance, transport: SippTransport, extra: Partial<TrunkConfig> = {}): TrunkConfig {
  return engineTrunk(sipp.port, {
    transport,
    callerId: { number: '+4930000000', displayName: 'Voicecast Test' },
    ...extra,
  });
}

interface Placed {
  readonly result: CallResult;
  readonly events: CallEvent[];
}

async function place(trunk: TrunkConfig, overrides: Partial<DialRequest> = {}, signal?: AbortSignal): Promise<Placed> {
  const events: CallEvent[] = [];
  const result = await dialer.dial(
    {
      trunk,
      destination: '+4930123456',
      audio: tone,
      ringTimeoutMs: 10_000,
      maxCallMs: 20_000,
      record: true,
      onEvent: (event) => events.push(event),
      ...overrides,
    },
    signal,
  );
  return { result, events };
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length ? Math.sqrt(sum / samples.length) : 0;
}

function expectTimesInOrder(result: CallResult): void {
  const { invite, ringing, answer, end } = result.times;
  if (ringing) expect(ringing.getTime()).toBeGreaterThanOrEqual(invite.getTime());
  if (answer) expect(answer.getTime()).toBeGreaterThanOrEqual((ringing ?? invite).getTime());
  expect(end.getTime()).toBeGreaterThanOrEqual((answer ?? ringing ?? invite).getTime());
}

type MediaIn = 'this thread' | 'media threads';

describe.each<[SippTransport, MediaIn]>([
  ['udp', 'this thread'],
  ['tcp', 'this thread'],
  ['udp', 'media threads'],
])('dial over %s, RTP in %s', (transport, mediaIn) => {
  beforeAll(() => {
    dialer = mediaIn === 'media threads' ? threaded : engine;
  });
  afterAll(() => {
    dialer = engine;
  });

  test('answered: the message is played, sipp echoes every packet, the recording is our 1 kHz tone, we hang up', async () => {
    const sipp = await gateway({ scenario: 'uas-answer', transport, ringMs: 300, extraArgs: ['-rtp_echo'] });
    const { result, events } = await place(trunkFor(sipp, transport));

    expect(result).toMatchObject({
      outcome: 'answered',
      sipCode: 200,
      sipReason: 'OK',
      hungUpBy: 'us',
      endReason: 'message played',
    });
    expect(result.codec).toBe('PCMU');
    expect(result.callId).toEqual(expect.any(String));
    expectTimesInOrder(result);
    expect(result.times.ringing).toBeDefined();
    expect(result.times.answer!.getTime() - result.times.ringing!.getTime()).toBeGreaterThanOrEqual(250);
    expect(events.map((e) => e.type)).toEqual(['trying', 'ringing', 'answered', 'ended']);

    const frames = TONE_MS / 20;
    expect(result.rtp?.packetsSent).toBe(frames);
    // Echoed by sipp: what came back is what reached the far end (loopback loses nothing,
    // the last one or two may still be in flight at our BYE).
    expect(result.rtp?.packetsReceived).toBeGreaterThanOrEqual(frames - 3);
    expect(result.rtp?.packetsReceived).toBeLessThanOrEqual(frames);
    expect(result.rtp?.packetsLost).toBe(0);

    const wav = decodeWav(result.recording!);
    expect(wav).toMatchObject({ sampleRate: 8000, channels: 1 });
    expect(wav.samples.length).toBeGreaterThanOrEqual((frames - 5) * 160);
    const at1k = goertzelPower(wav.samples, 1000);
    expect(at1k).toBeGreaterThan(100 * goertzelPower(wav.samples, 600));
    expect(at1k).toBeGreaterThan(100 * goertzelPower(wav.samples, 1400));
    expect(rms(wav.samples)).toBeGreaterThan(8000);

    await expectSippExit(sipp, 0);
    // Our INVITE as sipp saw it: Via with rport and branch, Contact and SDP on our address.
    const invite = receivedRequests(sipp, 'INVITE')[0];
    expect(invite.startLine).toBe(
      `INVITE sip:+4930123456@127.0.0.1:${sipp.port}${transport === 'tcp' ? ';transport=tcp' : ''} SIP/2.0`,
    );
    expect(headerValues(invite, 'Via')[0]).toMatch(
      new RegExp(`^SIP/2.0/${transport.toUpperCase()} 127\\.0\\.0\\.1:\\d+;.*branch=z9hG4bK`),
    );
    expect(headerValues(invite, 'Via')[0]).toContain('rport');
    expect(headerValues(invite, 'Contact')[0]).toMatch(new RegExp(`@127\\.0\\.0\\.1:\\d+;transport=${transport}`));
    expect(headerValues(invite, 'From')[0]).toMatch(/^"Voicecast Test" <sip:\+4930000000@127\.0\.0\.1>;tag=/);
    expect(invite.body).toMatch(/^m=audio \d+ RTP\/AVP 0 8 101\r?$/m);
    expect(invite.body).toMatch(/^c=IN IP4 127\.0\.0\.1\r?$/m);
  });

  test('the far end hangs up in the middle of the message: remote BYE answered, playback stopped', async () => {
    const sipp = await gateway({ scenario: 'uas-remote-bye', transport, talkMs: 1500 });
    const message = sineWave({ frequency: 1000, durationMs: 6000 });
    const { result } = await place(trunkFor(sipp, transport), { audio: message });

    expect(result).toMatchObject({ outcome: 'answered', hungUpBy: 'them', endReason: 'remote hang-up', codec: 'PCMA' });
    const talkMs = result.times.end.getTime() - result.times.answer!.getTime();
    expect(talkMs).toBeGreaterThanOrEqual(1400);
    expect(talkMs).toBeLessThan(4000);
    // Stopped at the BYE: about 1.5 s of our 6 s message went out.
    expect(result.rtp!.packetsSent).toBeGreaterThan(50);
    expect(result.rtp!.packetsSent).toBeLessThan(200);
    // sipp's PCMA pcap arrived and was recorded.
    expect(result.rtp!.packetsReceived).toBeGreaterThan(30);
    expect(rms(decodeWav(result.recording!).samples)).toBeGreaterThan(100);
    await expectSippExit(sipp, 0);
  });

  test('401 challenge: digest answered with the trunk credentials, sipp verifies it', async () => {
    const sipp = await gateway({ scenario: 'uas-401', transport, auth: AUTH });
    const trunk = trunkFor(sipp, transport, { username: AUTH.username, password: AUTH.password });
    const { result } = await place(trunk, { audio: tone.subarray(0, 8000 / 2) });
    expect(result).toMatchObject({ outcome: 'answered', sipCode: 200, hungUpBy: 'us' });
    await expectSippExit(sipp, 0);
    const authorized = receivedRequests(sipp, 'INVITE').map((m) => headerValues(m, 'Authorization')[0]);
    expect(authorized[0]).toBeUndefined();
    expect(authorized[1]).toMatch(/^Digest .*qop=auth/);
  });

  test('401 with the wrong password: the gateway refuses (403), reported as rejected, nothing left hanging', async () => {
    const sipp = await gateway({ scenario: 'uas-401', transport, auth: AUTH });
    const trunk = trunkFor(sipp, transport, { username: AUTH.username, password: 'wrong-password' });
    const { result } = await place(trunk);
    expect(result).toMatchObject({ outcome: 'rejected', sipCode: 403, sipReason: 'Forbidden' });
    expect(result.rtp).toBeUndefined();
    expect(result.recording).toBeUndefined();
    await expectSippExit(sipp, 1); // the scenario counts a wrong digest as a failed call
  });

  test('401 for another realm than the trunk realm: no digest sent, the call fails with the 401 and both realms', async () => {
    const sipp = await gateway({ scenario: 'uas-401', transport, auth: AUTH });
    const trunk = trunkFor(sipp, transport, {
      username: AUTH.username,
      password: AUTH.password,
      realm: 'Voicecast.test',
    });
    const { result } = await place(trunk);
    expect(result).toMatchObject({ outcome: 'failed', sipCode: 401, sipReason: 'Unauthorized' });
    expect(result.inviteSent).toBeUndefined();
    expect(result.endReason).toBe(
      'challenged for realm "voicecast.test", not the trunk\'s realm "Voicecast.test": credentials not sent',
    );
    expect(result.rtp).toBeUndefined();
    // The 401 is ACKed (sipp's scenario takes it) and no INVITE with credentials follows.
    const acked = () => receivedRequests(sipp, 'ACK').length > 0;
    await waitFor(acked, 3000, 'the ACK of the 401');
    await sleep(300);
    const invites = receivedRequests(sipp, 'INVITE');
    expect(invites).toHaveLength(1);
    expect(headerValues(invites[0], 'Authorization')).toEqual([]);
  });

  test('407 challenge: Proxy-Authorization with qop=auth, recomputed from the trace', async () => {
    const sipp = await gateway({ scenario: 'uas-407', transport });
    // The challenge's realm: answered.
    const trunk = trunkFor(sipp, transport, {
      username: AUTH.username,
      password: AUTH.password,
      realm: 'voicecast.test',
    });
    const { result } = await place(trunk, { audio: tone.subarray(0, 8000 / 2) });
    expect(result).toMatchObject({ outcome: 'answered', sipCode: 200 });
    await expectSippExit(sipp, 0);
    const check = checkProxyAuthorization(sipp.messages(), { ...AUTH, realm: 'voicecast.test' });
    expect(check.problems).toEqual([]);
    expect(check).toMatchObject({ ok: true, uriMatchesRequest: true });
    expect(check.params).toMatchObject({ qop: 'auth', algorithm: 'MD5' });
  });

  test.each([
    ['uas-486', 'busy', 486, 'Busy Here'],
    ['uas-603', 'rejected', 603, 'Decline'],
    ['uas-404', 'invalid_number', 404, 'Not Found'],
  ])('%s: outcome %s with the exact SIP code and reason', async (scenario, outcome, code, reason) => {
    const sipp = await gateway({ scenario, transport });
    const { result, events } = await place(trunkFor(sipp, transport));
    expect(result).toMatchObject({ outcome, sipCode: code, sipReason: reason, endReason: `${code} ${reason}` });
    expect(result.times.answer).toBeUndefined();
    expect(result.rtp).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ type: 'ended', outcome });
    await expectSippExit(sipp, 0); // sipp got its ACK
  });

  test('ringing forever: CANCEL at the ring timeout, 487 handled, no_answer', async () => {
    const sipp = await gateway({ scenario: 'uas-ring-forever', transport });
    const { result } = await place(trunkFor(sipp, transport), { ringTimeoutMs: 1500 });
    expect(result).toMatchObject({ outcome: 'no_answer', sipCode: 487, endReason: 'ring timeout' });
    const rang = result.times.end.getTime() - result.times.invite.getTime();
    expect(rang).toBeGreaterThanOrEqual(1500);
    expect(rang).toBeLessThan(5000);
    await expectSippExit(sipp, 0);
    const cancel = receivedRequests(sipp, 'CANCEL')[0];
    expect(cancel).toBeDefined();
  });

  test('183 early media then 200: ringing at the 183, the message starts only after the answer', async () => {
    const sipp = await gateway({ scenario: 'uas-early-media', transport, ringMs: 800, extraArgs: ['-rtp_echo'] });
    const { result, events } = await place(trunkFor(sipp, transport));
    expect(result).toMatchObject({ outcome: 'answered', endReason: 'message played' });
    expect(events.find((e) => e.type === 'ringing')).toMatchObject({ sipCode: 183 });
    expect(result.times.answer!.getTime() - result.times.ringing!.getTime()).toBeGreaterThanOrEqual(700);
    // The whole message went out after the 200 OK: it takes its full length from the answer.
    expect(result.rtp!.packetsSent).toBe(TONE_MS / 20);
    expect(result.times.end.getTime() - result.times.answer!.getTime()).toBeGreaterThanOrEqual(TONE_MS - 40);
    await expectSippExit(sipp, 0);
  });

  test('RFC 4733 DTMF from the callee: every digit reported, as events and in the result', async () => {
    const sipp = await gateway({ scenario: 'uas-answer-dtmf', transport });
    const message = sineWave({ frequency: 440, durationMs: 2500 });
    const { result, events } = await place(trunkFor(sipp, transport), { audio: message });
    expect(result.outcome).toBe('answered');
    expect(result.dtmf.map((d) => d.digit)).toEqual(SIPP_DTMF_DIGITS);
    expect(result.dtmf.every((d) => d.source === 'rfc4733')).toBe(true);
    expect(events.filter((e) => e.type === 'dtmf').map((e) => (e.type === 'dtmf' ? e.digit : ''))).toEqual(
      SIPP_DTMF_DIGITS,
    );
    // sipp sends them 300 ms after the ACK, 400 ms apart.
    const times = result.dtmf.map((d) => d.atMs);
    expect(times[0]).toBeGreaterThanOrEqual(200);
    expect(times[0]).toBeLessThan(1000);
    expect(times[1] - times[0]).toBeGreaterThan(250);
    await expectSippExit(sipp, 0);
  });

  test('in-dialog requests: INFO digit, hold and resume by re-INVITE, UPDATE, OPTIONS, an unknown method', async () => {
    const sipp = await gateway({ scenario: 'uas-in-dialog', transport });
    const message = sineWave({ frequency: 1000, durationMs: 8000 });
    const { result } = await place(trunkFor(sipp, transport), { audio: message, maxCallMs: 20_000 });
    await expectSippExit(sipp, 0); // every answer was what the scenario checks
    expect(result).toMatchObject({ outcome: 'answered', hungUpBy: 'them', endReason: 'remote hang-up' });
    expect(result.dtmf).toEqual([expect.objectContaining({ digit: '7', source: 'sip-info' })]);
    // On hold (600 ms between the two re-INVITEs: 30 packets) we sent nothing.
    const talkedMs = result.times.end.getTime() - result.times.answer!.getTime();
    expect(result.rtp!.packetsSent).toBeLessThan(talkedMs / 20 - 20);
    // Our re-INVITE answers carry SDP for the same RTP port; the 405s list what we allow, and UPDATE is not in it.
    const ours = sipp.messages().filter((m) => m.direction === 'received');
    const reinviteAnswers = ours.filter((m) => m.startLine === 'SIP/2.0 200 OK' && m.body.includes('m=audio'));
    expect(reinviteAnswers).toHaveLength(2);
    const allows = ours.filter((m) => m.startLine.startsWith('SIP/2.0 405')).map((m) => headerValues(m, 'Allow')[0]);
    expect(allows).toHaveLength(2);
    for (const allow of allows) {
      expect(allow).toMatch(/INVITE/);
      expect(allow).not.toMatch(/UPDATE/);
    }
  });

  test('no answer at all from the gateway: unavailable at the ring timeout, and no CANCEL before a 1xx', async () => {
    const sipp = await gateway({ scenario: 'uas-silent', transport });
    const started = Date.now();
    const { result, events } = await place(trunkFor(sipp, transport), { ringTimeoutMs: 1500 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result).toMatchObject({
      outcome: 'unavailable',
      endReason: 'no response from the gateway before the ring timeout',
    });
    expect(result.sipCode).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['ended']);
    await sleep(300);
    expect(sipp.messages().some((m) => m.startLine.startsWith('CANCEL '))).toBe(false);
  });

  test('aborting while it rings sends CANCEL: cancelled', async () => {
    const sipp = await gateway({ scenario: 'uas-ring-forever', transport });
    const abort = new AbortController();
    const placed = place(trunkFor(sipp, transport), { ringTimeoutMs: 20_000 }, abort.signal);
    setTimeout(() => abort.abort(), 700);
    const { result } = await placed;
    expect(result).toMatchObject({ outcome: 'cancelled', sipCode: 487, endReason: 'aborted while ringing' });
    await expectSippExit(sipp, 0);
  });
});

/** A UDP relay between us and sipp that drops the first datagram from us starting with each of `drop`. */
async function lossyRelay(
  to: number,
  drop: readonly string[],
): Promise<{ port: number; dropped: string[]; close(): void }> {
  const socket = createSocket('udp4');
  const dropped: string[] = [];
  let client: number | undefined;
  socket.on('message', (data, from) => {
    if (from.port === to) {
      if (client !== undefined) socket.send(data, client, '127.0.0.1');
      return;
    }
    client = from.port;
    const text = data.toString('latin1');
    const method = drop.find((m) => text.startsWith(`${m} `) && !dropped.includes(m));
    if (method) dropped.push(method);
    else socket.send(data, to, '127.0.0.1');
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, dropped, close: () => socket.close() };
}

describe('dial: the rest of the contract', () => {
  test('UDP: a lost INVITE and a lost BYE are sent again (timers A and E; sip.js has neither)', async () => {
    const sipp = await gateway({ scenario: 'uas-answer', transport: 'udp' });
    const relay = await lossyRelay(sipp.port, ['INVITE', 'BYE']);
    try {
      const trunk = { ...trunkFor(sipp, 'udp'), port: relay.port };
      const { result } = await place(trunk, { audio: tone.subarray(0, 1600) });
      expect(result).toMatchObject({ outcome: 'answered', endReason: 'message played' });
      // The INVITE went again after T1 (500 ms).
      expect(result.times.answer!.getTime() - result.times.invite.getTime()).toBeGreaterThanOrEqual(450);
      await expectSippExit(sipp, 0); // it got the BYE
      expect(relay.dropped).toEqual(['INVITE', 'BYE']);
    } finally {
      relay.close();
    }
  });

  test.each<[string, string[], boolean]>([
    ['the policy allows 127.0.0.1/32 only: not one RTP packet goes there', ['127.0.0.1/32'], false],
    ['the policy allows 127.0.0.0/8 (the control: the capture does see RTP)', ['127.0.0.0/8'], true],
  ])('an answer whose SDP c= names 127.0.0.2; %s (F2)', async (_label, allowed, reaches) => {
    const capture = createSocket('udp4');
    let packets = 0;
    capture.on('message', () => (packets += 1));
    await new Promise<void>((resolve) => capture.bind(0, '127.0.0.2', resolve));
    const networks = new TrunkNetworks(allowed);
    const own = new TelephonyEngine({
      bindAddress: '127.0.0.1',
      rtpPorts: { min: 42300, max: 42399 },
      addressPolicy: (address, port) => networks.refusal(address, port),
    });
    const sipp = await gateway({
      scenario: 'uas-answer-media-at',
      transport: 'udp',
      keys: { media_to: '127.0.0.2', media_to_port: String(capture.address().port) },
    });
    try {
      const result = await own.dial({
        trunk: trunkFor(sipp, 'udp'),
        destination: '+4930123456',
        audio: tone.subarray(0, 4000),
        ringTimeoutMs: 5000,
        maxCallMs: 5000,
        record: false,
      });
      await sleep(300);
      if (reaches) {
        expect(result.outcome).toBe('answered');
        expect(packets).toBeGreaterThan(10);
      } else {
        expect(packets).toBe(0);
        expect(result).toMatchObject({
          outcome: 'failed',
          endReason: expect.stringMatching(
            /^SDP media address refused: 127\.0\.0\.2 is a private or local address/,
          ) as unknown,
        });
      }
    } finally {
      await own.close();
      capture.close();
    }
    await expectSippExit(sipp, 0);
  });

  test('bound to the wildcard address: Via, Contact and SDP carry the address routed to the trunk, not 0.0.0.0', async () => {
    const sipp = await gateway({ scenario: 'uas-answer', transport: 'udp', extraArgs: ['-rtp_echo'] });
    const wildcard = new TelephonyEngine({ bindAddress: '0.0.0.0', rtpPorts: { min: 42200, max: 42299 } });
    try {
      const result = await wildcard.dial({
        trunk: trunkFor(sipp, 'udp'),
        destination: '+4930123456',
        audio: tone.subarray(0, 4000),
        ringTimeoutMs: 5000,
        maxCallMs: 5000,
        record: false,
      });
      expect(result.outcome).toBe('answered');
      expect(result.rtp!.packetsReceived).toBeGreaterThan(20); // sipp sent its echo to our SDP address
    } finally {
      await wildcard.close();
    }
    await expectSippExit(sipp, 0);
    const invite = receivedRequests(sipp, 'INVITE')[0];
    expect(headerValues(invite, 'Via')[0]).toMatch(/^SIP\/2\.0\/UDP 127\.0\.0\.1:\d+;/);
    expect(headerValues(invite, 'Contact')[0]).toMatch(/@127\.0\.0\.1:\d+/);
    expect(invite.body).toMatch(/^c=IN IP4 127\.0\.0\.1\r?$/m);
    expect(invite.body).toMatch(/^o=.* IN IP4 127\.0\.0\.1\r?$/m);
  });

  test('aborting an answered call sends BYE at once', async () => {
    const sipp = await gateway({ scenario: 'uas-answer-play', transport: 'udp' });
    const abort = new AbortController();
    const long = sineWave({ frequency: 1000, durationMs: 10_000 });
    const placed = place(
      trunkFor(sipp, 'udp'),
      { audio: long, onEvent: (e) => e.type === 'answered' && setTimeout(() => abort.abort(), 1000) },
      abort.signal,
    );
    const { result } = await placed;
    expect(result).toMatchObject({ outcome: 'answered', hungUpBy: 'us', endReason: 'aborted' });
    expect(result.times.end.getTime() - result.times.answer!.getTime()).toBeLessThan(2500);
    expect(result.rtp!.packetsSent).toBeLessThan(150);
    // sipp's pcap (PCMA, 30 ms packets) is in the recording.
    expect(result.codec).toBe(SIPP_PLAYBACK.codec);
    expect(result.rtp!.packetsReceived).toBeGreaterThan(20);
    expect(rms(decodeWav(result.recording!).samples)).toBeGreaterThan(100);
    await expectSippExit(sipp, 0);
  });

  test('the maximum call length ends a call whose message is longer', async () => {
    const sipp = await gateway({ scenario: 'uas-answer', transport: 'udp' });
    const long = sineWave({ frequency: 1000, durationMs: 10_000 });
    const { result } = await place(trunkFor(sipp, 'udp'), { audio: long, maxCallMs: 1200 });
    expect(result).toMatchObject({ outcome: 'answered', hungUpBy: 'us', endReason: 'max call length' });
    expect(result.rtp!.packetsSent).toBeGreaterThan(40);
    expect(result.rtp!.packetsSent).toBeLessThan(100);
    await expectSippExit(sipp, 0);
  });

  test('an ended call leaves nothing of its own behind in sip.js, which keeps the INVITE for timer M (32 s)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const sipp = await gateway({ scenario: 'uas-remote-bye', transport: 'udp', talkMs: 200 });
    // Everything of the call (session, media handler, RTP session, closures) holds its request;
    // the test keeps only a weak reference to it.
    const { released, result } = await (async () => {
      const request: DialRequest = {
        trunk: trunkFor(sipp, 'udp'),
        destination: '+4930123456',
        audio: tone,
        ringTimeoutMs: 10_000,
        maxCallMs: 20_000,
        record: true,
        onEvent: () => undefined,
      };
      return { released: new WeakRef(request), result: await engine.dial(request) };
    })();
    expect(result).toMatchObject({ outcome: 'answered', hungUpBy: 'them' });
    await waitFor(
      () => {
        gc();
        return released.deref() === undefined;
      },
      3000,
      'the call collected',
    );
    await expectSippExit(sipp, 0);
  });

  test('not recording: no recording in the result', async () => {
    const sipp = await gateway({ scenario: 'uas-answer', transport: 'udp' });
    const { result } = await place(trunkFor(sipp, 'udp'), { record: false, audio: tone.subarray(0, 1600) });
    expect(result.outcome).toBe('answered');
    expect(result.recording).toBeUndefined();
    await expectSippExit(sipp, 0);
  });

  test('a destination that is not a number never reaches the network', async () => {
    const trunk: TrunkConfig = {
      id: 'never-used',
      host: '127.0.0.1',
      port: 9,
      transport: 'udp',
      callerId: { number: '100' },
      register: false,
    };
    const { result } = await place(trunk, { destination: 'alice;evil=1' });
    expect(result).toMatchObject({ outcome: 'invalid_number', endReason: 'not a dialable number' });
  });

  test("a caller ID name with CR/LF never reaches the network, whether the campaign's or the trunk's (F1)", async () => {
    const received: Buffer[] = [];
    const server = createServer((socket) => socket.on('data', (chunk: Buffer) => received.push(chunk)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const trunk: TrunkConfig = {
        id: 'crlf-caller-id',
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        transport: 'tcp',
        callerId: { number: '100' },
        register: false,
      };
      const campaign = await place(trunk, { callerId: { number: '100', displayName: 'a\r\nX-Injected: 1' } });
      expect(campaign.result).toMatchObject({
        outcome: 'failed',
        endReason: expect.stringMatching(/^caller ID name contains a control character/) as unknown,
        inviteSent: false,
      });
      const own = await place({
        ...trunk,
        id: 'crlf-trunk',
        callerId: { number: '100', displayName: 'a\nX-Injected: 1' },
      });
      expect(own.result).toMatchObject({ outcome: 'failed', inviteSent: false });
      expect(own.result.endReason).toMatch(/^caller ID name contains a control character/);
      // Any other trunk field: the trunk's user agent is never made.
      const realm = await place({ ...trunk, id: 'crlf-realm', realm: 'r\r\nX-Injected: 1' });
      expect(realm.result).toMatchObject({ outcome: 'unavailable', inviteSent: false });
      expect(realm.result.endReason).toMatch(/trunk realm contains a control character/);
      await sleep(200);
      expect(Buffer.concat(received).toString('latin1')).not.toMatch(/X-Injected/);
    } finally {
      server.close();
    }
  });

  test('a TCP trunk nobody listens on: unavailable, quickly', async () => {
    const closed = await freePort();
    const trunk: TrunkConfig = {
      id: 'dead-tcp',
      host: '127.0.0.1',
      port: closed,
      transport: 'tcp',
      callerId: { number: '100' },
      register: false,
    };
    const started = Date.now();
    const { result } = await place(trunk);
    expect(result.outcome).toBe('unavailable');
    expect(result.endReason).toMatch(/trunk unreachable/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('our user agent survives garbage on its SIP port and answers OPTIONS', async () => {
    const sipp = await gateway({ scenario: 'uas-answer', transport: 'udp' });
    const trunk = trunkFor(sipp, 'udp');
    await place(trunk, { audio: tone.subarray(0, 1600) });
    await expectSippExit(sipp, 0);
    const invite = receivedRequests(sipp, 'INVITE')[0];
    const uaPort = Number(/127\.0\.0\.1:(\d+)/.exec(headerValues(invite, 'Via')[0])![1]);
    const contact = /<([^>]+)>/.exec(headerValues(invite, 'Contact')[0])![1];

    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const replies: string[] = [];
    socket.on('message', (m) => replies.push(m.toString('latin1')));
    const send = (text: string) =>
      new Promise<void>((resolve) => socket.send(text, uaPort, '127.0.0.1', () => resolve()));
    const local = socket.address().port;
    try {
      await send('\u0000\u0001garbage that is not SIP\r\n\r\n');
      await send('INVITE sip:x SIP/2.0\r\nContent-Length: 99999\r\n\r\nv=0');
      const options = (uri: string, callId: string) =>
        send(
          [
            `OPTIONS ${uri} SIP/2.0`,
            `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-${callId};rport`,
            'Max-Forwards: 70',
            'From: <sip:monitor@127.0.0.1>;tag=mon1',
            `To: <${uri}>`,
            `Call-ID: ${callId}@127.0.0.1`,
            'CSeq: 1 OPTIONS',
            'Content-Length: 0',
            '',
            '',
          ].join('\r\n'),
        );
      const statusOf = async (callId: string) => {
        const replyTo = () => replies.find((r) => r.includes(`${callId}@`));
        await waitFor(() => replyTo() !== undefined, 3000, `the answer to ${callId}`);
        return replyTo()?.split('\r\n')[0];
      };
      // A keep-alive to the Contact we gave the gateway: 200. To a user that is not us: 404 (RFC 3261 §8.2.2.1).
      await options(contact, 'options-probe-1');
      await options(`sip:someone-else@127.0.0.1:${uaPort}`, 'options-probe-2');
      expect(await statusOf('options-probe-1')).toBe('SIP/2.0 200 OK');
      expect(await statusOf('options-probe-2')).toBe('SIP/2.0 404 Not Found');
    } finally {
      socket.close();
    }
  });
});

describe('REGISTER', () => {
  test.each<SippTransport>(['udp', 'tcp'])(
    'over %s: digest on 401, refreshed before expiry, unregistered on close',
    async (transport) => {
      const sipp = await gateway({ scenario: 'uas-register', transport, auth: AUTH });
      const own = new TelephonyEngine({ bindAddress: '127.0.0.1', rtpPorts: { min: 42000, max: 42099 } });
      try {
        await own.prepare(trunkFor(sipp, transport, { ...AUTH, register: true, registerExpiresSeconds: 60 }));
        await sleep(2200); // the registrar granted 2 s
      } finally {
        await own.close();
      }
      await expectSippExit(sipp, 0);
      const registers = receivedRequests(sipp, 'REGISTER');
      expect(registers.length).toBeGreaterThanOrEqual(4);
      expect(headerValues(registers[0], 'Expires')[0] ?? headerValues(registers[0], 'Contact')[0]).toMatch(/60/);
      expect(headerValues(registers[1], 'Authorization')[0]).toMatch(/^Digest .*username="alice"/);
      expect(registers.at(-1)!.startLine).toMatch(/^REGISTER /);
      expect(headerValues(registers.at(-1)!, 'Expires')[0] ?? headerValues(registers.at(-1)!, 'Contact')[0]).toMatch(
        /0/,
      );
    },
  );

  test('a lost registration (refresh refused) is won back on its own, with back-off', async () => {
    const sipp = await gateway({ scenario: 'uas-register-lost', transport: 'udp' });
    const own = new TelephonyEngine({
      bindAddress: '127.0.0.1',
      rtpPorts: { min: 42100, max: 42199 },
      registerRetry: { firstMs: 500, maxMs: 1000 },
    });
    try {
      await own.prepare(trunkFor(sipp, 'udp', { register: true, registerExpiresSeconds: 60 }));
      await waitFor(
        () => sipp.messages().filter((m) => m.startLine.startsWith('REGISTER ')).length >= 3,
        6000,
        'a third REGISTER',
      );
      await sleep(100);
    } finally {
      await own.close();
    }
    await expectSippExit(sipp, 0);
    const registers = receivedRequests(sipp, 'REGISTER');
    expect(registers).toHaveLength(4);
  });

  test('a wrong password: prepare() rejects with the registrar answer', async () => {
    const sipp = await gateway({ scenario: 'uas-register', transport: 'udp', auth: AUTH });
    const own = new TelephonyEngine({ bindAddress: '127.0.0.1', rtpPorts: { min: 42100, max: 42199 } });
    try {
      const refused = own.prepare(trunkFor(sipp, 'udp', { username: AUTH.username, password: 'nope', register: true }));
      await expect(refused).rejects.toThrow('REGISTER refused: 403 Forbidden');
      await expect(refused).rejects.toBeInstanceOf(SipError);
      await expect(refused).rejects.toMatchObject({ code: 'register-refused', status: 403, reason: 'Forbidden' });
    } finally {
      await own.close();
    }
    await expectSippExit(sipp, 1);
  });

  test('a registrar challenging for another realm: prepare() rejects naming both realms, no digest sent', async () => {
    const sipp = await gateway({ scenario: 'uas-register', transport: 'udp', auth: AUTH });
    const own = new TelephonyEngine({ bindAddress: '127.0.0.1', rtpPorts: { min: 42100, max: 42199 } });
    const trunk = trunkFor(sipp, 'udp', { ...AUTH, realm: 'registrar.example', register: true });
    try {
      const refused = own.prepare(trunk);
      await expect(refused).rejects.toThrow(
        'REGISTER refused: 401 Unauthorized (challenged for realm "voicecast.test", not the trunk\'s realm "registrar.example": credentials not sent)',
      );
      await expect(refused).rejects.toMatchObject({ code: 'register-refused', status: 401 });
    } finally {
      await own.close();
    }
    const registers = receivedRequests(sipp, 'REGISTER');
    expect(registers.map((r) => headerValues(r, 'Authorization'))).toEqual([[]]);
  });
});
