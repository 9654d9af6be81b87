/**
 * `POST /api/v1/trunks/{id}/test` over real HTTP, the API's own telephony engine sending
 * real SIP to sipp (test/sipp/uas-options*.xml) on loopback: reachable, a wrong password,
 * a challenge for another realm than the trunk's, nothing listening (a timeout, never a
 * hung request), and a registering trunk whose registration is removed again.
 */
import { createUser, login, apiUrl } from '../support/api';
import { freePort } from '../support/stack';
import { createServer, type Server, type Socket } from 'node:net';
import { ANSWERED_WITHOUT_AUTH, newPassword, NO_ANSWER, REGISTERED, trunkApi } from '../support/trunks';
import { expectSippExit, sippGateways } from '../support/sipp-gateways';

const USERNAME = 'alice';
const api = trunkApi(apiUrl);
const gateway = sippGateways({ timeoutMs: 20_000, transport: 'udp' });
let token: string;

beforeAll(async () => {
  const user = await createUser();
  token = (await login(user.username, user.password)).access_token;
});

/** Creates a UDP trunk to 127.0.0.1:`port` and tests it; returns the test's body and its wall time. */
async function testTrunk(port: number, extra: Record<string, unknown> = {}) {
  const created = await api('POST', '/api/v1/trunks', token, {
    name: `probe-${port}-${Date.now()}`,
    host: '127.0.0.1',
    port,
    callerIdNumber: '+4930000000',
    ...extra,
  });
  expect(created.status).toBe(201);
  const started = performance.now();
  const tested = await api('POST', `/api/v1/trunks/${created.json.id}/test`, token);
  const elapsedMs = performance.now() - started;
  expect(tested.status).toBe(200);
  return { result: tested.json as Record<string, unknown>, elapsedMs };
}

test('reachable: OPTIONS answered 200, RTT measured, no credentials asked for', async () => {
  const sipp = await gateway({ scenario: 'uas-options' });
  const { result } = await testTrunk(sipp.port);
  expect(result).toEqual(ANSWERED_WITHOUT_AUTH);
  await expectSippExit(sipp, 0);
});

test('a wrong password: authenticated false with the 403 the gateway sent', async () => {
  const password = newPassword();
  const sipp = await gateway({ scenario: 'uas-options-auth', auth: { username: USERNAME, password } });
  const { result } = await testTrunk(sipp.port, { username: USERNAME, password: newPassword() });
  expect(result).toMatchObject({ reachable: true, authenticated: false, sipCode: 403, sipReason: 'Forbidden' });
  await expectSippExit(sipp, 1); // sipp verified the digest and found it wrong
});

test('the right password: the digest challenge is answered and accepted', async () => {
  const password = newPassword();
  const sipp = await gateway({ scenario: 'uas-options-auth', auth: { username: USERNAME, password } });
  const { result } = await testTrunk(sipp.port, { username: USERNAME, password });
  expect(result).toMatchObject({ reachable: true, authenticated: true, sipCode: 200, error: null });
  await expectSippExit(sipp, 0);
});

test('a stored realm other than the challenge realm: no digest sent, the error names both realms', async () => {
  const password = newPassword();
  const sipp = await gateway({ scenario: 'uas-options-auth', auth: { username: USERNAME, password } });
  const { result } = await testTrunk(sipp.port, { username: USERNAME, password, realm: 'carrier.example' });
  expect(result).toMatchObject({
    reachable: true,
    authenticated: false,
    sipCode: 401,
    error: 'challenged for realm "voicecast.test", not the trunk\'s realm "carrier.example": credentials not sent',
  });
});

test('nothing listening: reachable false, no SIP answer, answered within the configured 5 s', async () => {
  const { result, elapsedMs } = await testTrunk(await freePort('127.0.0.1'));
  expect(result).toEqual(NO_ANSWER);
  expect(elapsedMs).toBeGreaterThanOrEqual(4500); // it did wait for the trunk
  expect(elapsedMs).toBeLessThan(10_000);
});

test('a registering trunk: REGISTER accepted with the digest, then removed again', async () => {
  const password = newPassword();
  const sipp = await gateway({
    scenario: 'uas-options-register',
    auth: { username: USERNAME, password },
    calls: 2,
  });
  const { result } = await testTrunk(sipp.port, { username: USERNAME, password, register: true });
  expect(result).toMatchObject(REGISTERED);
  await expectSippExit(sipp, 0); // pinged, registered, and un-registered
});

describe('the trunk test is no port scanner (F2)', () => {
  /** A TCP listener on loopback doing `onConnection` with every connection. */
  async function listener(onConnection: (socket: Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      onConnection(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return {
      port,
      close: () => {
        for (const socket of sockets) socket.destroy();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  test('a closed port, a silent listener, one that answers not-SIP and hangs up, one that resets: the same answer after the same time', async () => {
    const silent = await listener(() => undefined);
    const http = await listener((socket) => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    const reset = await listener((socket) => socket.resetAndDestroy());
    try {
      const ports: [string, number][] = [
        ['closed', await freePort('127.0.0.1')],
        ['silent', silent.port],
        ['not SIP', http.port],
        ['reset', reset.port],
      ];
      const answers = await Promise.all(
        ports.map(async ([label, port]) => {
          const { result, elapsedMs } = await testTrunk(port, { transport: 'tcp' });
          return { label, result, elapsedMs };
        }),
      );
      for (const { label, result, elapsedMs } of answers) {
        expect([label, result]).toEqual([label, NO_ANSWER]);
        expect([label, elapsedMs >= 4500]).toEqual([label, true]); // the full deadline, whatever the port did
      }
    } finally {
      await Promise.all([silent.close(), http.close(), reset.close()]);
    }
  });
});
