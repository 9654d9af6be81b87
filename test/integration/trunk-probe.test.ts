/**
 * `TelephonyEngine.probe()` against real SIP peers (sipp, test/sipp/uas-options*.xml) and
 * against nothing at all: reachability, digest answers and refusals, registration with its
 * removal, and deadlines. The API's `POST /trunks/{id}/test` (trunks.test.ts) is a thin
 * layer over this.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { TrunkConfig } from '../../telephony/call-types.js';
import { TelephonyEngine } from '../../telephony/engine.js';
import { freePort } from '../../scripts/services/ports.js';
import { headerValues, receivedRequests, type SippInstance, type SippTransport } from '../../scripts/services/sipp.js';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';
import { ANSWERED_WITHOUT_AUTH, REGISTERED, TIMED_OUT } from '../support/trunks';

const AUTH = { username: 'alice', password: 's3cret-pw' };
const TIMEOUT_MS = 1500;

let engine: TelephonyEngine;
const gateway = sippGateways({ timeoutMs: 20_000 });

beforeAll(() => {
  engine = new TelephonyEngine({ bindAddress: '127.0.0.1', rtpPorts: { min: 43000, max: 43099 } });
});

afterAll(async () => {
  await engine.close();
});

function trunk(port: number, transport: SippTransport, extra: Partial<TrunkConfig> = {}): TrunkConfig {
  return {
    id: `probe-${port}`,
    host: '127.0.0.1',
    port,
    transport,
    callerId: { number: '+4930000000' },
    register: false,
    ...extra,
  };
}

/** The local port our request came from, per the top Via sipp received. */
function viaPort(sipp: SippInstance): number {
  const request = sipp.messages().find((m) => m.direction === 'received')!;
  return Number(/^SIP\/2\.0\/\w+ 127\.0\.0\.1:(\d+)/.exec(headerValues(request, 'Via')[0])![1]);
}

function canBindUdp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

describe.each<SippTransport>(['udp', 'tcp'])('probe over %s', (transport) => {
  test('a gateway answering OPTIONS 200: reachable, nothing asked for credentials, RTT measured', async () => {
    const sipp = await gateway({ scenario: 'uas-options', transport });
    const result = await engine.probe(trunk(sipp.port, transport), { timeoutMs: TIMEOUT_MS });
    expect(result).toEqual(ANSWERED_WITHOUT_AUTH);
    expect(result.rttMs).toBeGreaterThanOrEqual(0);
    expect(result.rttMs).toBeLessThan(TIMEOUT_MS);
    await expectSippExit(sipp, 0);
    const options = sipp.messages().find((m) => m.direction === 'received')!;
    expect(options.startLine).toBe(
      `OPTIONS sip:127.0.0.1:${sipp.port}${transport === 'tcp' ? ';transport=tcp' : ''} SIP/2.0`,
    );
    // The throw-away user agent is gone: its UDP port is free again.
    if (transport === 'udp') expect(await canBindUdp(viaPort(sipp))).toBe(true);
  });

  test('a registering trunk: REGISTER answered with a digest, bound, then removed again', async () => {
    const sipp = await gateway({ scenario: 'uas-options-register', transport, auth: AUTH, calls: 2 });
    const result = await engine.probe(
      trunk(sipp.port, transport, { ...AUTH, register: true, registerExpiresSeconds: 300 }),
      { timeoutMs: TIMEOUT_MS },
    );
    expect(result).toMatchObject(REGISTERED);
    await expectSippExit(sipp, 0); // pinged, registered and un-registered
    const registers = receivedRequests(sipp, 'REGISTER');
    expect(registers).toHaveLength(3);
    expect(headerValues(registers[0], 'Expires')).toEqual(['300']);
    expect(headerValues(registers[1], 'Authorization')[0]).toMatch(/^Digest .*username="alice"/);
    expect(headerValues(registers[2], 'Expires')).toEqual(['0']);
    expect(new Set(registers.map((r) => headerValues(r, 'Call-ID')[0])).size).toBe(1);
  });
});

describe('credentials', () => {
  test('OPTIONS challenged with 401: the digest is accepted', async () => {
    const sipp = await gateway({ scenario: 'uas-options-auth', transport: 'udp', auth: AUTH });
    const result = await engine.probe(trunk(sipp.port, 'udp', AUTH), { timeoutMs: TIMEOUT_MS });
    expect(result).toMatchObject({ reachable: true, authenticated: true, sipCode: 200, error: null });
    await expectSippExit(sipp, 0);
  });

  test('a trunk realm equal to the challenge realm: the digest is sent and accepted', async () => {
    const sipp = await gateway({ scenario: 'uas-options-auth', transport: 'udp', auth: AUTH });
    const result = await engine.probe(trunk(sipp.port, 'udp', { ...AUTH, realm: 'voicecast.test' }), {
      timeoutMs: TIMEOUT_MS,
    });
    expect(result).toMatchObject({ reachable: true, authenticated: true, sipCode: 200, error: null });
    await expectSippExit(sipp, 0);
  });

  test('a challenge for another realm: no digest sent, not authenticated, both realms named', async () => {
    const sipp = await gateway({ scenario: 'uas-options-auth', transport: 'udp', auth: AUTH });
    const result = await engine.probe(trunk(sipp.port, 'udp', { ...AUTH, realm: 'provider.example' }), {
      timeoutMs: TIMEOUT_MS,
    });
    expect(result).toMatchObject({
      reachable: true,
      authenticated: false,
      sipCode: 401,
      sipReason: 'Unauthorized',
      error: 'challenged for realm "voicecast.test", not the trunk\'s realm "provider.example": credentials not sent',
    });
    const options = receivedRequests(sipp, 'OPTIONS');
    expect(options).toHaveLength(1);
  });

  test('a REGISTER challenged for another realm: not registered, no digest sent, both realms named', async () => {
    const sipp = await gateway({ scenario: 'uas-options-register', transport: 'udp', auth: AUTH, calls: 2 });
    const result = await engine.probe(trunk(sipp.port, 'udp', { ...AUTH, realm: 'provider.example', register: true }), {
      timeoutMs: TIMEOUT_MS,
    });
    expect(result).toMatchObject({
      reachable: true,
      authenticated: false,
      sipCode: 200,
      registration: { registered: false, sipCode: 401, sipReason: 'Unauthorized' },
      error: 'challenged for realm "voicecast.test", not the trunk\'s realm "provider.example": credentials not sent',
    });
    const registers = receivedRequests(sipp, 'REGISTER');
    expect(registers).toHaveLength(1);
  });

  test('a wrong password: not authenticated, with the 403 the gateway sent', async () => {
    const sipp = await gateway({ scenario: 'uas-options-auth', transport: 'udp', auth: AUTH });
    const result = await engine.probe(trunk(sipp.port, 'udp', { ...AUTH, password: 'wrong' }), {
      timeoutMs: TIMEOUT_MS,
    });
    expect(result).toMatchObject({ reachable: true, authenticated: false, sipCode: 403, sipReason: 'Forbidden' });
    await expectSippExit(sipp, 1); // sipp counts a wrong digest as a failed call
  });

  test('no password configured but the gateway asks: not authenticated (sip.js tries an empty one)', async () => {
    const sipp = await gateway({ scenario: 'uas-options-auth', transport: 'udp', auth: AUTH });
    const result = await engine.probe(trunk(sipp.port, 'udp', { username: AUTH.username }), { timeoutMs: TIMEOUT_MS });
    expect(result).toMatchObject({ reachable: true, authenticated: false, sipCode: 403 });
    await expectSippExit(sipp, 1);
  });

  test('a registering trunk with a wrong password: registration refused with 403', async () => {
    const sipp = await gateway({ scenario: 'uas-options-register', transport: 'udp', auth: AUTH, calls: 2 });
    const result = await engine.probe(trunk(sipp.port, 'udp', { ...AUTH, password: 'wrong', register: true }), {
      timeoutMs: TIMEOUT_MS,
    });
    expect(result).toMatchObject({
      reachable: true,
      authenticated: false,
      sipCode: 200,
      registration: { registered: false, sipCode: 403, sipReason: 'Forbidden' },
    });
    await expectSippExit(sipp, 1);
  });
});

describe('nothing there', () => {
  test('UDP, nothing listening: a timeout at the deadline, the registration not tried', async () => {
    const port = await freePort('127.0.0.1');
    const started = performance.now();
    const result = await engine.probe(trunk(port, 'udp', { register: true }), { timeoutMs: TIMEOUT_MS });
    const elapsed = performance.now() - started;
    expect(result).toEqual({ ...TIMED_OUT, registration: { registered: false, sipCode: null, sipReason: null } });
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1000);
  });

  test('TCP, connection refused: unreachable at once, with the reason', async () => {
    const port = await freePort('127.0.0.1');
    const started = performance.now();
    const result = await engine.probe(trunk(port, 'tcp'), { timeoutMs: TIMEOUT_MS });
    expect(result).toMatchObject({ reachable: false, sipCode: null, error: expect.stringContaining('ECONNREFUSED') });
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS);
  });

  test('TCP, connected but never answered: a timeout at the deadline', async () => {
    const silent = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const result = await engine.probe(trunk(port, 'tcp'), { timeoutMs: TIMEOUT_MS });
      expect(result).toMatchObject({ reachable: false, error: 'timeout' });
    } finally {
      silent.close();
    }
  });

  test('a host name that does not resolve: unreachable with the resolver error', async () => {
    const result = await engine.probe({ ...trunk(5060, 'udp'), host: 'no-such-host.invalid' }, { timeoutMs: 3000 });
    expect(result).toMatchObject({ reachable: false, error: expect.stringMatching(/ENOTFOUND|EAI_AGAIN/) });
  });
});
