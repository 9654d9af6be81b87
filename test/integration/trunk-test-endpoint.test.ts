/**
 * `POST /api/v1/trunks/{id}/test` over real HTTP, the API's own telephony engine sending
 * real SIP to sipp (test/sipp/uas-options*.xml) on loopback: reachable, a wrong password,
 * a challenge for another realm than the trunk's, nothing listening (a timeout, never a
 * hung request), and a registering trunk whose registration is removed again.
 */
import { createUser, login, apiUrl } from '../support/api';
import { freePort } from '../support/stack';
import { ANSWERED_WITHOUT_AUTH, newPassword, REGISTERED, TIMED_OUT, trunkApi } from '../support/trunks';
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

test('nothing listening: reachable false, "timeout", answered within the configured 5 s', async () => {
  const { result, elapsedMs } = await testTrunk(await freePort('127.0.0.1'));
  expect(result).toEqual(TIMED_OUT);
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
