/**
 * The operator CLI (`npm run dial -- …`) against sipp: prints the SIP exchange one line per
 * message and the outcome, writes the recording, exits 0 when answered and 1 otherwise.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/services/index.js';
import { decodeWav } from '../../telephony/media/wav.js';
import { startSippUas, type SippInstance } from '../../scripts/services/sipp.js';

const CLI = join(repoRoot(), 'dist', 'telephony', 'cli', 'dial-cli.js');
const gateways: SippInstance[] = [];
const dir = mkdtempSync(join(tmpdir(), 'voicecast-dial-cli-'));

afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.stop()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const options = { timeout: 30_000, env: { ...process.env, ...env } };
    execFile(process.execPath, [CLI, ...args], options, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test('places a call, prints the exchange and the outcome, writes the recording', async () => {
  const sipp = await startSippUas({ scenario: 'uas-answer', transport: 'tcp', extraArgs: ['-rtp_echo'] });
  gateways.push(sipp);
  const recording = join(dir, 'answered.wav');
  const args = ['--host', '127.0.0.1', '--port', String(sipp.port), '--transport', 'tcp', '--to', '+15550100'];
  const { code, stdout, stderr } = await runCli([...args, '--bind', '127.0.0.1', '--record', recording]);

  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toMatch(
    new RegExp(`→ 127\\.0\\.0\\.1:${sipp.port}  INVITE sip:\\+15550100@127\\.0\\.0\\.1:${sipp.port}`),
  );
  expect(stdout).toMatch(/← 127\.0\.0\.1:\d+ +SIP\/2\.0 180 Ringing/);
  expect(stdout).toMatch(/→ 127\.0\.0\.1:\d+ +BYE /);
  const summary = JSON.parse(stdout.slice(stdout.indexOf('\n{') + 1)) as Record<string, unknown>;
  expect(summary).toMatchObject({ outcome: 'answered', sipCode: 200, endReason: 'message played' });
  expect(summary).not.toHaveProperty('recording');
  expect(existsSync(recording)).toBe(true);
  expect(decodeWav(readFileSync(recording)).samples.length).toBeGreaterThan(2 * 8000);
  expect((await sipp.waitForExit()).code).toBe(0);
});

test('--realm: a challenge for another realm is not answered, and the outcome says why', async () => {
  const sipp = await startSippUas({
    scenario: 'uas-401',
    transport: 'udp',
    auth: { username: 'alice', password: 'pw' },
  });
  gateways.push(sipp);
  const args = ['--host', '127.0.0.1', '--port', String(sipp.port), '--to', '100', '--bind', '127.0.0.1'];
  const { code, stdout } = await runCli([...args, '--user', 'alice', '--realm', 'carrier.example'], {
    SIP_PASSWORD: 'pw',
  });
  expect(code).toBe(1);
  const summary = JSON.parse(stdout.slice(stdout.indexOf('\n{') + 1)) as Record<string, unknown>;
  expect(summary).toMatchObject({
    outcome: 'failed',
    sipCode: 401,
    endReason: 'challenged for realm "voicecast.test", not the trunk\'s realm "carrier.example": credentials not sent',
  });
  expect(stdout.match(/→ 127\.0\.0\.1:\d+ +INVITE /g)).toHaveLength(1);
});

test('a busy number exits 1 with the outcome; bad arguments exit 2 with the usage', async () => {
  const sipp = await startSippUas({ scenario: 'uas-486', transport: 'udp' });
  gateways.push(sipp);
  const busy = await runCli(['--host', '127.0.0.1', '--port', String(sipp.port), '--to', '100', '--bind', '127.0.0.1']);
  expect(busy.code).toBe(1);
  expect(busy.stdout).toContain('"outcome": "busy"');
  expect(busy.stdout).toContain('"sipReason": "Busy Here"');

  const usage = await runCli(['--to', '100']);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain('usage: npm run dial');
  const transport = await runCli(['--host', 'h', '--to', '1', '--transport', 'sctp']);
  expect(transport.code).toBe(2);
  expect(transport.stderr).toContain('--transport is udp or tcp');
});
