/**
 * F19: rotating ENCRYPTION_KEYS covers every sealed value. A webhook secret, a trunk
 * password and the auth keys sealed with k1 still open after `make reseal-keys` under
 * `k2,k1` and a restart with k2 alone; and the signing key rotates and retires
 * (`make rotate-signing-key`, `make retire-signing-keys`). On an API of its own over a
 * scratch database, so the shared stack keeps its keys.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { authKeyContext } from '../../auth/keys';
import { trunkPasswordContext } from '../../db/entities/sip-trunk.entity';
import { webhookSecretContext } from '../../db/entities/webhook.entity';
import { SecretBox, SecretBoxError, type EncryptionKey } from '../../lib/secret-box';
import { decodeJwt, login } from '../support/api';
import { startExtraApi, type ExtraApi } from '../support/extra-api';
import { createScratchDb, type ScratchDb } from '../support/scratch-db';
import { freePorts, readStack, repoRoot } from '../support/stack';

const run = promisify(execFile);
const k1: EncryptionKey = { id: 'k1', key: randomBytes(32) };
const k2: EncryptionKey = { id: 'k2', key: randomBytes(32) };
const keysEnv = (...keys: EncryptionKey[]) => keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');

interface CliResult {
  code: number;
  out: Record<string, unknown>;
  stderr: string;
}

let scratch: ScratchDb;
let port: number;
let api: ExtraApi | undefined;

/** The API on the scratch database, always on the same port (tokens name their issuer). */
async function startApi(...keys: EncryptionKey[]): Promise<ExtraApi> {
  await api?.stop();
  api = await startExtraApi({ DATABASE_URL: scratch.url, ENCRYPTION_KEYS: keysEnv(...keys) }, { port });
  return api;
}

async function cli(command: string, ...keys: EncryptionKey[]): Promise<CliResult> {
  const env = {
    ...readStack().env,
    PATH: process.env.PATH,
    DATABASE_URL: scratch.url,
    ENCRYPTION_KEYS: keysEnv(...keys),
  };
  try {
    const { stdout, stderr } = await run(process.execPath, [join(repoRoot(), 'dist', 'db', 'keys-cli.js'), command], {
      env,
    });
    return { code: 0, out: JSON.parse(stdout) as Record<string, unknown>, stderr };
  } catch (err) {
    const { code, stdout, stderr } = err as { code: number; stdout: string; stderr: string };
    return { code, out: stdout ? (JSON.parse(stdout) as Record<string, unknown>) : {}, stderr };
  }
}

async function request<T = Record<string, unknown>>(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${api!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
}

const adminLogin = () => login(readStack().admin.username, readStack().admin.password, api!.url);

async function sealedValues(): Promise<Record<string, string[]>> {
  const q = async (sql: string) => (await scratch.pool.query<{ v: string }>(sql)).rows.map((r) => r.v);
  return {
    webhook: await q('SELECT secret_sealed AS v FROM webhook'),
    trunk: await q('SELECT password_sealed AS v FROM sip_trunk'),
    authKey: await q('SELECT material AS v FROM auth_key'),
  };
}

beforeAll(async () => {
  scratch = await createScratchDb();
  [port] = (await freePorts(1)) as [number];
}, 60_000);
afterAll(async () => {
  await api?.stop();
  await scratch?.drop();
}, 60_000);

it('k1 → k2,k1 → reseal → k2 alone: webhook secret, trunk password and auth keys still open', async () => {
  // Everything sealed with k1.
  await startApi(k1);
  const token = (await adminLogin()).access_token;
  const hook = await request<{ id: string; secret: string }>('POST', '/api/v1/webhooks', token, {
    url: 'http://127.0.0.1:9/hook',
  });
  expect(hook.status).toBe(201);
  const trunkPassword = `pw-${randomBytes(8).toString('hex')}`;
  const trunk = await request<{ id: string }>('POST', '/api/v1/trunks', token, {
    name: 'rotation',
    host: '127.0.0.1',
    port: 9,
    transport: 'udp',
    username: 'acct',
    password: trunkPassword,
    callerIdNumber: '+4930123456',
  });
  expect([trunk.status, trunk.json]).toEqual([201, expect.anything()]);
  for (const values of Object.values(await sealedValues())) {
    for (const v of values) expect(v).toMatch(/^v1\.k1\./);
  }
  const status = await cli('status', k2, k1);
  expect(status.code).toBe(0);
  expect(status.out.columns).toEqual([
    { table: 'sip_trunk', column: 'password_sealed', byKey: { k1: 1 } },
    { table: 'webhook', column: 'secret_sealed', byKey: { k1: 1 } },
    { table: 'auth_key', column: 'material', byKey: { k1: 3 } },
  ]);

  // The new key first, the old one still there; re-seal while that API runs.
  await startApi(k2, k1);
  const reseal = await cli('reseal', k2, k1);
  expect(reseal.code).toBe(0);
  expect(reseal.out.columns).toEqual([
    { table: 'sip_trunk', column: 'password_sealed', current: 0, resealed: 1, failed: [] },
    { table: 'webhook', column: 'secret_sealed', current: 0, resealed: 1, failed: [] },
    { table: 'auth_key', column: 'material', current: 0, resealed: 3, failed: [] },
  ]);
  expect((reseal.out.after as { byKey: Record<string, number> }[]).map((c) => c.byKey)).toEqual([
    { k2: 1 },
    { k2: 1 },
    { k2: 3 },
  ]);
  // Idempotent.
  const again = await cli('reseal', k2, k1);
  expect((again.out.columns as { resealed: number }[]).map((c) => c.resealed)).toEqual([0, 0, 0]);

  // k2 alone: the API starts (its keys open), and every value opens with k2 only.
  await startApi(k2);
  const k2Token = (await adminLogin()).access_token;
  expect((await request('GET', '/api/v1/me', k2Token)).status).toBe(200);
  const onlyK2 = new SecretBox([k2]);
  const [webhookSealed] = (await scratch.pool.query<{ v: string }>('SELECT secret_sealed AS v FROM webhook')).rows;
  // What the worker does before each delivery (activities/webhook.activities.ts).
  expect(onlyK2.open(webhookSealed.v, webhookSecretContext(hook.json.id))).toBe(hook.json.secret);
  const [trunkSealed] = (await scratch.pool.query<{ v: string }>('SELECT password_sealed AS v FROM sip_trunk')).rows;
  expect(onlyK2.open(trunkSealed.v, trunkPasswordContext(trunk.json.id))).toBe(trunkPassword);
  const { rows: keys } = await scratch.pool.query<{ id: string; material: string }>(
    'SELECT id, material FROM auth_key',
  );
  for (const key of keys) expect(() => onlyK2.open(key.material, authKeyContext(key.id))).not.toThrow();
  // The trunk test opens the password in the API: a probe result, not an error.
  const probe = await request('POST', `/api/v1/trunks/${trunk.json.id}/test`, k2Token);
  expect(probe.status).toBe(200);
  expect(probe.json).toMatchObject({ reachable: false });

  // Without the re-seal this is what broke: a k1 value does not open with k2 alone.
  const stale = new SecretBox([k1]).seal('secret', webhookSecretContext(hook.json.id));
  expect(() => onlyK2.open(stale, webhookSecretContext(hook.json.id))).toThrow(SecretBoxError);
  // And reseal reports, and leaves alone, what no configured key opens.
  await scratch.pool.query('UPDATE webhook SET secret_sealed = $1', [stale]);
  const broken = await cli('reseal', k2);
  expect(broken.code).toBe(2);
  expect((broken.out.columns as { failed: { id: string }[] }[])[1].failed).toEqual([
    { id: hook.json.id, error: expect.stringContaining('k1') },
  ]);
}, 180_000);

it('rotates the signing key: new tokens use it, old ones verify until the old key is retired', async () => {
  await startApi(k2);
  const before = await adminLogin();
  const oldKid = decodeJwt(before.access_token).header.kid;

  const rotated = await cli('rotate-signing-key', k2);
  expect(rotated.code).toBe(0);
  const newKid = rotated.out.newSigningKey;
  expect(newKid).not.toBe(oldKid);
  const sealedNew = await scratch.pool.query<{ material: string }>('SELECT material FROM auth_key WHERE id = $1', [
    newKid,
  ]);
  expect(sealedNew.rows[0].material).toMatch(/^v1\.k2\./);

  await startApi(k2);
  const after = await adminLogin();
  expect(decodeJwt(after.access_token).header.kid).toBe(newKid);
  expect((await request('GET', '/api/v1/me', after.access_token)).status).toBe(200);
  expect((await request('GET', '/api/v1/me', before.access_token)).status).toBe(200);

  // Too early: tokens of the old key may still be live.
  const early = await cli('retire-signing-keys', k2);
  expect(early.code).toBe(1);
  expect(early.stderr).toMatch(/s old/);
  // An access-token lifetime later (ACCESS_TOKEN_TTL_SECONDS, 300 s by default):
  await scratch.pool.query("UPDATE auth_key SET created_at = created_at - interval '1 hour' WHERE kind = 'signing'");
  const retired = await cli('retire-signing-keys', k2);
  expect(retired.code).toBe(0);
  expect(retired.out.retired).toEqual([oldKid]);

  await startApi(k2);
  expect((await request('GET', '/api/v1/me', before.access_token)).status).toBe(401);
  expect((await request('GET', '/api/v1/me', (await adminLogin()).access_token)).status).toBe(200);
}, 180_000);
