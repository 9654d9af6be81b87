/**
 * The journal's gRPC service over TLS (issue 24, "TLS when configured"): an API process of
 * the test's own with GRPC_TLS_CERT / GRPC_TLS_KEY (a certificate made here with openssl for
 * 127.0.0.1). A client that trusts the certificate adds a call; a plaintext client gets no
 * service. voicecast-agent with AGENT_GRPC_CA_FILE ships a pair through it; one that trusts
 * only the system's CAs cannot, keeps its pair and says why.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status, type ServiceError } from '@grpc/grpc-js';
import { agentEnvironment, repoRoot, sleep, startNodeApp, type NodeApp } from '../support/stack';
import { adminToken, call, login, userToken } from '../support/api';
import { json } from '../support/campaigns';
import { startExtraApi, type ExtraApi } from '../support/extra-api';
import { externalCall, toneWav } from '../support/external-calls';
import { journalClient, unary } from '../support/grpc-journal';

jest.setTimeout(120_000);

let dir: string;
let api: ExtraApi;
let ca: Buffer;
let token: string;
let machine: { id: string; secret: string };
const agents: NodeApp[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'voicecast-grpc-tls-'));
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=voicecast-test', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' }); // prettier-ignore
  ca = readFileSync(cert);
  api = await startExtraApi({ GRPC_TLS_CERT: cert, GRPC_TLS_KEY: key });
  const user = await userToken();
  token = (await login(user.user.username, user.user.password, api.url)).access_token;
  const created = await json<{ id: string; clientSecret: string }>(
    await call('POST', '/api/v1/clients', {
      token: await adminToken(),
      body: { name: `tls-agent-${randomUUID().slice(0, 6)}`, role: 'user' },
    }),
    201,
  );
  machine = { id: created.id, secret: created.clientSecret };
}, 120_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await api?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const address = () => `127.0.0.1:${api.grpcPort}`;
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('the call went through');
    },
    (err: ServiceError) => err,
  );

test('a client trusting the certificate is served; a plaintext one is not', async () => {
  const trusting = journalClient(address(), ca);
  const plain = journalClient(address());
  try {
    const answer = await unary(trusting, 'AddCall', { ...externalCall(), source: 'pbx-tls' }, token);
    expect(answer.created).toBe(true);
    expect((await refusal(unary(plain, 'AddCall', externalCall(), token))).code).toBe(status.UNAVAILABLE);
  } finally {
    trusting.close();
    plain.close();
  }
});

function startAgent(spool: string, extra: Record<string, string>): Promise<NodeApp> {
  return startNodeApp({
    name: 'tls agent',
    script: join(repoRoot(), 'dist', 'agent', 'main.js'),
    env: agentEnvironment(
      { apiUrl: api.url, env: { GRPC_PORT: String(api.grpcPort) } },
      {
        spool,
        client: machine,
        source: 'pbx-tls-agent',
        extra: { AGENT_STABLE_MS: '0', AGENT_POLL_MS: '50', ...extra },
      },
    ),
    log: { file: join(spool, '..', `agent-${agents.length}.log`) },
    stopGraceMs: 10_000,
  }).then((agent) => (agents.push(agent), agent));
}

function spoolWithOnePair(name: string): string {
  const spool = join(dir, name);
  mkdirSync(spool);
  const record = { ...externalCall(), source: undefined };
  writeFileSync(join(spool, 'call-1.wav'), toneWav(0.2));
  writeFileSync(join(spool, 'call-1.json'), JSON.stringify(record));
  return spool;
}

test('voicecast-agent ships a pair over TLS with AGENT_GRPC_CA_FILE, and not without it', async () => {
  const untrusting = spoolWithOnePair('spool-system-cas');
  await startAgent(untrusting, { AGENT_GRPC_TLS: 'true', AGENT_BACKOFF_MS: '100', AGENT_BACKOFF_MAX_MS: '200' });
  const trusting = spoolWithOnePair('spool-ca-file');
  writeFileSync(join(dir, 'ca.pem'), ca);
  await startAgent(trusting, { AGENT_GRPC_CA_FILE: join(dir, 'ca.pem') });
  const sent = (spool: string) => existsSync(join(spool, 'sent', 'call-1.json'));
  for (const deadline = Date.now() + 30_000; !sent(trusting) && Date.now() < deadline;) await sleep(100);
  expect(sent(trusting)).toBe(true);
  // The agent that trusts only the system's CAs has been failing meanwhile, and still holds its pair.
  expect(sent(untrusting)).toBe(false);
  expect(readFileSync(join(dir, 'agent-0.log'), 'utf8')).toMatch(/certificate|UNAVAILABLE|14 /i);
});
