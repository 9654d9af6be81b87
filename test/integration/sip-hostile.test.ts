/**
 * Hostile SIP against a real gateway (sipp).
 *
 * Review F4: while sipp (`uas-ring-forever`) rings, an off-path
 * attacker who somehow has the INVITE's branch (here: read from our own trace) forges a
 * `603 Decline` for it, from another port of the gateway's address and from another
 * address. Neither may end the call: the response is not from the next hop's address and
 * port, so the transport drops it before sip.js sees it. The call runs into its ring
 * timeout (CANCEL, 487: `no_answer`) as if nothing happened, instead of being journalled
 * `rejected` (never retried).
 *
 * RFC 4475 torture messages (fixtures in telephony/sip/fixtures/rfc4475/) sent at our SIP
 * port from the gateway's address during a live call: nothing crashes, the invalid ones are
 * answered 400 (513 for the huge header) or dropped, the valid ones get an ordinary answer,
 * and the live call and the next one go exactly as the scenario says.
 */
import type { CallEvent, DialRequest, TrunkConfig } from '../../telephony/call-types.js';
import { TelephonyEngine } from '../../telephony/engine.js';
import { rfc4475Messages, RFC4475_EXPECTED } from '../../telephony/sip/rfc4475-fixtures.js';
import { sineWave } from '../../telephony/media/tone.js';
import { sleep, waitFor } from '../../telephony/rtp/test-support.js';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { engineTrunk, ringingCall, udpSocketOn } from '../support/sip-calls';

const gateway = sippGateways({ timeoutMs: 30_000, ringMs: 100 });
let engine: TelephonyEngine;
const sent: string[] = [];
const received: string[] = [];

beforeAll(() => {
  engine = new TelephonyEngine({
    bindAddress: '127.0.0.1',
    rtpPorts: { min: 46000, max: 46999 },
    onSipTrace: (direction, message) => (direction === 'out' ? sent : received).push(message),
  });
});

afterAll(() => engine.close());

const header = (message: string, name: string) =>
  new RegExp(`^${name}:[ \\t]*([^\\r\\n]*)`, 'im').exec(message)?.[1] ?? '';

test('a forged 603 with the right branch, from another port or address, does not end the call as rejected', async () => {
  const sipp = await gateway({ scenario: 'uas-ring-forever', transport: 'udp' });
  const placed = ringingCall(engine, sipp);
  await waitFor(() => received.some((m) => m.startsWith('SIP/2.0 180 ')), 5000, 'the 180 Ringing');
  const invite = sent.find((m) => m.startsWith('INVITE '))!;
  const via = header(invite, 'Via');
  expect(via).toMatch(/;branch=z9hG4bK[0-9a-f]{24}/); // 96 random bits (F4), not Math.random()*1e7
  const ourPort = Number(/^SIP\/2\.0\/UDP 127\.0\.0\.1:(\d+)/.exec(via)![1]);
  const forged = [
    'SIP/2.0 603 Decline',
    `Via: ${via};received=127.0.0.1;rport=${ourPort}`,
    `From: ${header(invite, 'From')}`,
    `To: ${header(invite, 'To')};tag=forged`,
    `Call-ID: ${header(invite, 'Call-ID')}`,
    `CSeq: ${header(invite, 'CSeq')}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');

  const samePlace = await udpSocketOn('127.0.0.1'); // the gateway's address, another port
  const elsewhere = await udpSocketOn('127.0.0.2'); // another address
  try {
    for (const socket of [samePlace, elsewhere]) {
      for (let i = 0; i < 3; i += 1) {
        await new Promise<void>((resolve) => socket.send(forged, ourPort, '127.0.0.1', () => resolve()));
      }
    }
    const result = await placed;
    expect(result).toMatchObject({ outcome: 'no_answer', sipCode: 487, endReason: 'ring timeout' });
    expect(engine.sipGuard.foreignDropped).toBeGreaterThanOrEqual(6);
    await expectSippExit(sipp, 0);
  } finally {
    samePlace.close();
    elsewhere.close();
  }
});

test('RFC 4475 torture messages during a live call: invalid ones 400 or dropped, the call and the next one unaffected', async () => {
  const call = (trunk: TrunkConfig, onEvent?: (event: CallEvent) => void): ReturnType<TelephonyEngine['dial']> => {
    const request: DialRequest = {
      trunk,
      destination: '+4930123456',
      audio: sineWave({ frequency: 1000, durationMs: 3000 }),
      ringTimeoutMs: 5000,
      maxCallMs: 20_000,
      record: false,
      ...(onEvent ? { onEvent } : {}),
    };
    return engine.dial(request);
  };

  const sipp = await gateway({ scenario: 'uas-answer', transport: 'udp', extraArgs: ['-rtp_echo'] });
  let answered = false;
  const sentBefore = sent.length;
  const live = call(engineTrunk(sipp.port), (event) => (answered ||= event.type === 'answered'));
  await waitFor(() => answered, 5000, 'the answer');
  const invite = sent.slice(sentBefore).find((m) => m.startsWith('INVITE '))!;
  const ourPort = Number(/^SIP\/2\.0\/UDP 127\.0\.0\.1:(\d+)/.exec(header(invite, 'Via'))![1]);

  const attacker = await udpSocketOn('127.0.0.1'); // the gateway's address: past the source check
  const replies: string[] = [];
  attacker.on('message', (data) => replies.push(data.toString('utf8')));
  const messages = rfc4475Messages();
  try {
    for (const message of messages.values()) {
      await new Promise<void>((resolve) => attacker.send(message, ourPort, '127.0.0.1', () => resolve()));
      await sleep(20);
    }
    const result = await live;
    expect(result).toMatchObject({ outcome: 'answered', hungUpBy: 'us', endReason: 'message played' });
    expect(result.rtp!.packetsSent).toBe(150);
    await expectSippExit(sipp, 0);

    for (const [name, message] of messages) {
      const callId = header(message, '(?:Call-ID|i)');
      const reply = replies.find((r) => header(r, '(?:Call-ID|i)') === callId);
      const expected = RFC4475_EXPECTED[name];
      if (expected === 'valid')
        expect([name, reply?.split('\r\n')[0]]).toEqual([name, expect.stringMatching(/^SIP\/2\.0 [1-6]\d\d /)]);
      else if (reply !== undefined)
        expect([name, reply.split('\r\n')[0]]).toEqual([
          name,
          expect.stringMatching(new RegExp(`^SIP/2\\.0 ${expected} `)),
        ]);
    }
    // Every invalid one that could be answered was: all but badvers (its Via is not SIP/2.0).
    expect(replies.filter((r) => /^SIP\/2\.0 (400|513) /.test(r))).toHaveLength(
      Object.values(RFC4475_EXPECTED).filter((e) => e !== 'valid').length - 1,
    );
  } finally {
    attacker.close();
  }

  const next = await gateway({ scenario: 'uas-answer', transport: 'udp', extraArgs: ['-rtp_echo'] });
  const after = await call(engineTrunk(next.port));
  expect(after).toMatchObject({ outcome: 'answered', hungUpBy: 'us', endReason: 'message played' });
  await expectSippExit(next, 0);
});
