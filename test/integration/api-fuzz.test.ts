/**
 * schemathesis fuzzes the whole API against its OpenAPI document (scripts/fuzz-api.sh):
 * every phase, the server's answers checked for status codes, media types, schemas and
 * headers the spec documents, negative data rejected, no 5xx. Once as an administrator and
 * once as a plain user, each on a private stack of its own (the administrator's run changes
 * users' limits and creates users at random, which must not reach the other test files).
 * Fixed seed; FUZZ_API_EXAMPLES (20 here, `make fuzz-api`: 100) sets the cases per operation.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, startPrivateStack, Supervisor, type PrivateStack } from '../../scripts/services/index';

jest.setTimeout(40 * 60_000);

let dir: string;
const supervisor = new Supervisor();
let stack: PrivateStack;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'voicecast-fuzz-'));
  chmodSync(dir, 0o755); // PostgreSQL may run as another OS user
  stack = await startPrivateStack(dir, supervisor, { worker: false });
});

afterAll(async () => {
  await supervisor.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

async function token(username: string, password: string): Promise<string> {
  const res = await fetch(`${stack.apiUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'voicecast', grant_type: 'password', username, password, scope: 'api' }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

interface FuzzRun {
  code: number | null;
  output: string;
}

function fuzz(bearer: string, reportDir: string): Promise<FuzzRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(repoRoot(), 'scripts/fuzz-api.sh'), stack.apiUrl, bearer], {
      env: { ...process.env, FUZZ_API_REPORT_DIR: reportDir, FUZZ_API_EXAMPLES: process.env.FUZZ_API_EXAMPLES ?? '20' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** What schemathesis's summary says: operations tested, cases generated and passed, the verdict. */
function summary(output: string): { tested: number; generated: number; passed: number; verdict: string } {
  const tested = /Tested:\s*(\d+)/.exec(output);
  const cases = /(\d+) generated, (\d+) passed/.exec(output);
  const verdict = /=+ ([^=]*(?:issues|failures|errors)[^=]*) =+/i.exec(output);
  return {
    tested: Number(tested?.[1] ?? 0),
    generated: Number(cases?.[1] ?? 0),
    passed: Number(cases?.[2] ?? 0),
    verdict: verdict?.[1]?.trim() ?? 'no summary',
  };
}

async function expectClean(who: string, bearer: string): Promise<void> {
  const reportDir = mkdtempSync(join(dir, `report-${who}-`));
  const run = await fuzz(bearer, reportDir);
  const result = summary(run.output);
  process.stdout.write(
    `schemathesis as ${who}: ${result.tested} operations, ${result.generated} cases generated, ` +
      `${result.passed} passed: ${result.verdict}\n`,
  );
  if (run.code !== 0) process.stdout.write(`${run.output.slice(-20_000)}\n`);
  expect([who, run.code]).toEqual([who, 0]);
  expect(result.tested).toBeGreaterThan(50);
  expect(result.generated).toBeGreaterThan(1000);
  expect(result.passed).toBe(result.generated);
}

test('as an administrator: every documented answer, no server errors, negative data rejected', async () => {
  await expectClean('an administrator', await token(stack.admin.username, stack.admin.password));
});

test('as a plain user: the same, with 403 where administrators only may act', async () => {
  const admin = await token(stack.admin.username, stack.admin.password);
  const user = { username: 'fuzzer', password: 'fuzz-password-0123456789' };
  const created = await fetch(`${stack.apiUrl}/api/v1/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...user, role: 'user' }),
  });
  expect(created.status).toBe(201);
  await expectClean('a plain user', await token(user.username, user.password));
});
