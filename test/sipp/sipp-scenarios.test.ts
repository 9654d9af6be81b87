/**
 * Self-test of the gateway scenarios in this folder: each `uas-*.xml` runs against a sipp
 * caller (`uac-*.xml`) over UDP and over TCP, and both must exit 0. This proves the
 * scenarios (and scripts/services/sipp.ts) before our engine is put in the caller's place.
 * RTP that sipp plays is caught by a UDP socket of ours whose port the caller advertises.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { parseAnswer } from '../../telephony/sip/sdp.js';
import {
  checkProxyAuthorization,
  describeSippExit,
  digestResponse,
  headerValues,
  parseDigestParams,
  SIPP_DTMF_DIGITS,
  SIPP_PLAYBACK,
  startSippUac,
  startSippUas,
  sippMessages,
  type SippInstance,
  type SippMessage,
  type SippTransport,
  type SippUacOptions,
  type SippUasOptions,
} from '../../scripts/services/sipp.js';
import type { ExitInfo } from '../../scripts/services/index.js';

const AUTH = { username: 'alice', password: 's3cret-pw' };
const started: SippInstance[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

interface Pair {
  readonly gateway: SippInstance;
  readonly caller: SippInstance;
}

/** Runs `uas` and a sipp caller against it; expects the given exit codes (default both 0). */
async function call(
  uas: SippUasOptions,
  uac: Omit<SippUacOptions, 'remote' | 'transport'>,
  expected: { uas?: number; uac?: number } = {},
): Promise<Pair> {
  const gateway = await startSippUas({ timeoutMs: 20_000, ringMs: 100, ...uas });
  started.push(gateway);
  const caller = await startSippUac({
    timeoutMs: 20_000,
    ...uac,
    transport: uas.transport,
    remote: { host: '127.0.0.1', port: gateway.port },
  });
  started.push(caller);
  const [uacExit, uasExit] = await Promise.all([caller.waitForExit(25_000), gateway.waitForExit(25_000)]);
  expectExit(caller, uacExit, expected.uac ?? 0);
  expectExit(gateway, uasExit, expected.uas ?? 0);
  return { gateway, caller };
}

function expectExit(sipp: SippInstance, exit: ExitInfo, code: number): void {
  if (exit.code !== code) throw new Error(`sipp ${describeSippExit(exit)}, expected ${code}\n${sipp.diagnostics()}`);
}

const sent = (s: SippInstance, start: string): SippMessage[] => sippMessages(s, 'sent', start);
const received = (s: SippInstance, start: string): SippMessage[] => sippMessages(s, 'received', start);

/** A UDP socket that records RTP packets (what sipp plays to "us"). */
class RtpSink {
  readonly packets: { pt: number; seq: number; timestamp: number; payload: Buffer; fromPort: number }[] = [];
  private constructor(private readonly socket: Socket) {
    socket.on('message', (msg, from) => {
      if (msg.length < 12 || msg[0] >> 6 !== 2) return;
      this.packets.push({
        pt: msg[1] & 0x7f,
        seq: msg.readUInt16BE(2),
        timestamp: msg.readUInt32BE(4),
        payload: msg.subarray(12 + (msg[0] & 0x0f) * 4),
        fromPort: from.port,
      });
    });
  }

  static async open(): Promise<RtpSink> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new RtpSink(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** RFC 4733 digits: one per event (RTP timestamp) that was ended. */
  digits(pt = 101): string[] {
    const ended = new Map<number, number>();
    for (const p of this.packets)
      if (p.pt === pt && p.payload.length >= 4 && p.payload[1] & 0x80) ended.set(p.timestamp, p.payload[0]);
    return [...ended.values()].map((event) =>
      event < 10 ? String(event) : event === 10 ? '*' : event === 11 ? '#' : '?',
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

describe.each<SippTransport>(['udp', 'tcp'])('sipp gateway scenarios over %s', (transport) => {
  it('uas-answer: rings, answers with an SDP our parser takes, waits for our BYE', async () => {
    const { gateway, caller } = await call({ scenario: 'uas-answer', transport }, { scenario: 'uac-call' });
    const [ok] = sent(gateway, 'SIP/2.0 200 OK').filter((m) => m.body);
    expect(parseAnswer(ok.body, { codecs: ['PCMU', 'PCMA'], telephoneEventPayloadType: 101 })).toEqual({
      address: '127.0.0.1',
      port: gateway.mediaPort,
      codec: 'PCMU',
      payloadType: 0,
      telephoneEventPayloadType: 101,
      ptime: 20,
      direction: 'sendrecv',
      onHold: false,
    });
    expect(received(caller, 'SIP/2.0 ').map((m) => m.startLine)).toEqual(
      expect.arrayContaining(['SIP/2.0 100 Trying', 'SIP/2.0 180 Ringing', 'SIP/2.0 200 OK']),
    );
    expect(received(gateway, 'BYE ')).toHaveLength(1);
  });

  it('uas-early-media: 183 with SDP, then 200 with SDP', async () => {
    const { caller } = await call({ scenario: 'uas-early-media', transport, ringMs: 300 }, { scenario: 'uac-call' });
    const [progress] = received(caller, 'SIP/2.0 183');
    expect(progress.body).toMatch(/^m=audio \d+ RTP\/AVP 0 8 101$/m);
    expect(received(caller, 'SIP/2.0 200 OK')[0].body).toMatch(/^m=audio \d+ RTP\/AVP/m);
  });

  it('uas-answer-play: plays PCMA (g711a.pcap) from its media port to ours', async () => {
    const sink = await RtpSink.open();
    try {
      const { gateway } = await call(
        { scenario: 'uas-answer-play', transport },
        { scenario: 'uac-call', durationMs: 1200, rtpPort: sink.port },
      );
      const [ok] = sent(gateway, 'SIP/2.0 200 OK').filter((m) => m.body);
      expect(parseAnswer(ok.body, { codecs: ['PCMU', 'PCMA'], telephoneEventPayloadType: 101 }).codec).toBe('PCMA');
      expect(sink.packets.length).toBeGreaterThanOrEqual(25); // ~1.2 s of 30 ms packets
      expect(sink.packets.length).toBeLessThanOrEqual(SIPP_PLAYBACK.packets);
      for (const p of sink.packets) {
        expect(p).toMatchObject({ pt: SIPP_PLAYBACK.payloadType, fromPort: gateway.mediaPort });
        expect(p.payload).toHaveLength((8000 * SIPP_PLAYBACK.packetMs) / 1000);
      }
    } finally {
      await sink.close();
    }
  });

  it(`uas-answer-dtmf: sends the RFC 4733 digits ${SIPP_DTMF_DIGITS.join(' ')}`, async () => {
    const sink = await RtpSink.open();
    try {
      await call(
        { scenario: 'uas-answer-dtmf', transport },
        { scenario: 'uac-call', durationMs: 2000, rtpPort: sink.port },
      );
      expect(sink.digits()).toEqual(SIPP_DTMF_DIGITS);
      expect(sink.packets).toHaveLength(3 * 10);
    } finally {
      await sink.close();
    }
  });

  it('uas-answer-opt-out: presses 1, then #; passes a caller that hangs up after the #, fails one that hangs up before', async () => {
    const sink = await RtpSink.open();
    try {
      await call(
        { scenario: 'uas-answer-opt-out', transport },
        { scenario: 'uac-call', durationMs: 1500, rtpPort: sink.port },
      );
      expect(sink.digits()).toEqual(['1', '#']);
    } finally {
      await sink.close();
    }
    await call({ scenario: 'uas-answer-opt-out', transport }, { scenario: 'uac-call', durationMs: 500 }, { uas: 1 });
  });

  it('uas-remote-bye: hangs up itself with a BYE to our Contact, and needs our 200', async () => {
    const { gateway, caller } = await call(
      { scenario: 'uas-remote-bye', transport, talkMs: 500 },
      { scenario: 'uac-remote-bye' },
    );
    const [bye] = sent(gateway, 'BYE ');
    const [invite] = received(gateway, 'INVITE ');
    expect(headerValues(invite, 'Contact')[0]).toBe(`<${bye.startLine.split(' ')[1]}>`);
    expect(headerValues(bye, 'To')[0]).toBe(headerValues(invite, 'From')[0]);
    expect(headerValues(bye, 'Call-ID')).toEqual(headerValues(invite, 'Call-ID'));
    expect(sent(caller, 'SIP/2.0 200 OK')).toHaveLength(1);
  });

  it('uas-401: challenges, verifies the digest on the re-INVITE of the same call, answers', async () => {
    const { gateway } = await call(
      { scenario: 'uas-401', transport, auth: AUTH },
      { scenario: 'uac-auth', auth: AUTH },
    );
    const invites = received(gateway, 'INVITE ');
    expect(invites).toHaveLength(2);
    expect(headerValues(invites[1], 'Call-ID')).toEqual(headerValues(invites[0], 'Call-ID'));
    expect(headerValues(invites[1], 'Authorization')[0]).toMatch(/^Digest /);
    expect(checkProxyAuthorization(gateway.messages(), { ...AUTH, header: 'Authorization' })).toMatchObject({
      ok: true,
    });
  });

  it('uas-401: a wrong password gets 403 and fails the call (exit 1)', async () => {
    const { caller } = await call(
      { scenario: 'uas-401', transport, auth: AUTH },
      { scenario: 'uac-auth', auth: { ...AUTH, password: 'wrong' } },
      { uas: 1 },
    );
    expect(received(caller, 'SIP/2.0 403 Forbidden')).toHaveLength(1);
  });

  it('uas-407: challenges as a proxy; the digest is checked from the trace', async () => {
    const { gateway } = await call({ scenario: 'uas-407', transport }, { scenario: 'uac-auth', auth: AUTH });
    const check = checkProxyAuthorization(gateway.messages(), AUTH);
    expect(check).toMatchObject({ ok: true, problems: [] });
    // sipp's own [authentication] leaves the user part out of the digest uri; sip.js does not.
    expect(check.uriMatchesRequest).toBe(false);
    expect(checkProxyAuthorization(gateway.messages(), { ...AUTH, password: 'wrong' }).problems).toEqual([
      expect.stringMatching(/^response [0-9a-f]{32} ≠ expected/),
    ]);
    expect(readFileSync(gateway.logFile, 'utf8')).toMatch(/Proxy-Authorization .*realm="voicecast.test"/);
  });

  it.each([
    ['uas-486', 'SIP/2.0 486 Busy Here', true],
    ['uas-603', 'SIP/2.0 603 Decline', true],
    ['uas-404', 'SIP/2.0 404 Not Found', false],
    ['uas-503', 'SIP/2.0 503 Service Unavailable', false],
  ])('%s: ends the INVITE with "%s" and takes the ACK', async (scenario, status, rings) => {
    const { gateway, caller } = await call({ scenario, transport }, { scenario: 'uac-reject' });
    expect(received(caller, status)).toHaveLength(1);
    expect(received(caller, 'SIP/2.0 180')).toHaveLength(rings ? 1 : 0);
    expect(received(gateway, 'ACK ')).toHaveLength(1);
  });

  it('uas-ring-forever: rings until our CANCEL, 200 to it, 487 to the INVITE, takes the ACK', async () => {
    const { gateway } = await call(
      { scenario: 'uas-ring-forever', transport },
      { scenario: 'uac-cancel', durationMs: 300 },
    );
    const ok = sent(gateway, 'SIP/2.0 200 OK');
    expect(ok.map((m) => headerValues(m, 'CSeq')[0])).toEqual(['1 CANCEL']);
    const terminated = sent(gateway, 'SIP/2.0 487 Request Terminated');
    expect(headerValues(terminated[0], 'CSeq')).toEqual(['1 INVITE']);
    expect(received(gateway, 'ACK ')).toHaveLength(1);
  });
});

describe('digest helpers', () => {
  it('computes the RFC 2617 example response', () => {
    const header =
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
      'uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1"';
    const p = parseDigestParams(header);
    expect(
      digestResponse({
        username: p.username,
        password: 'Circle Of Life',
        realm: p.realm,
        method: 'GET',
        uri: p.uri,
        nonce: p.nonce,
        qop: p.qop,
        nc: p.nc,
        cnonce: p.cnonce,
      }),
    ).toBe(p.response);
  });
});
