/**
 * `make bench-ingest`: external calls into the journal (issue 24). A private stack (API,
 * PostgreSQL, MinIO, Temporal; no worker) and a machine client; BENCH_CALLS (default 300)
 * calls, each with a BENCH_WAV_SECONDS (default 30) s recording (8 kHz mono 16-bit, 480 kB):
 * - through the REST endpoints, POST /api/v1/calls + PUT …/recording, BENCH_CONCURRENCY
 *   (default 8) clients at once;
 * - through `voicecast-agent` (dist/agent/main.js, gRPC) from a spool directory, one pair at
 *   a time as it sends them, until every pair is in sent/.
 * Prints calls/s and the peak RSS (VmHWM) of the API and of the agent. Asserts nothing.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeWav } from '../telephony/media/wav.js';
import {
  agentEnvironment,
  repoRoot,
  startPrivateStack,
  Supervisor,
  type PrivateStack,
} from '../scripts/services/index.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 300);
const WAV_SECONDS = Number(process.env.BENCH_WAV_SECONDS ?? 30);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

const print = (line: string) => process.stdout.write(`${line}\n`);
const peakMb = (pid: number) =>
  `${(Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024).toFixed(0)} MB`;

function wav(): Buffer {
  const pcm = Int16Array.from({ length: 8000 * WAV_SECONDS }, (_, i) => Math.round(4000 * Math.sin(i / 5)));
  return Buffer.from(encodeWav(pcm, 8000));
}

const call = (id: string, i: number) => {
  const at = new Date(Date.UTC(2026, 11, 5, 8, 0, 0) + i * 1000).toISOString();
  return {
    externalId: id,
    direction: 'inbound',
    from: `+4930${String(2_000_000 + i)}`,
    to: '201',
    startAt: at,
    answerAt: at,
    endAt: at,
    disposition: 'answered',
  };
};

async function machineToken(stack: PrivateStack): Promise<{ id: string; secret: string; token: string }> {
  const form = (body: Record<string, string>, auth?: string) =>
    fetch(`${stack.apiUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: auth } : {}) },
      body: new URLSearchParams(body),
    }).then((r) => r.json() as Promise<{ access_token: string }>);
  const admin = (await form({ grant_type: 'password', client_id: 'voicecast', ...stack.admin })).access_token;
  const res = await fetch(`${stack.apiUrl}/api/v1/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench agent', role: 'user' }),
  });
  const client = (await res.json()) as { id: string; clientSecret: string };
  const basic = `Basic ${Buffer.from(`${client.id}:${client.clientSecret}`).toString('base64')}`;
  const token = (await form({ grant_type: 'client_credentials', scope: 'api' }, basic)).access_token;
  return { id: client.id, secret: client.clientSecret, token };
}

async function rest(stack: PrivateStack, token: string, recording: Buffer): Promise<number> {
  const headers = { authorization: `Bearer ${token}` };
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < CALLS; i = next++) {
      const res = await fetch(`${stack.apiUrl}/api/v1/calls`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ source: 'bench-rest', ...call(`rest-${i}`, i) }),
      });
      const { id } = (await res.json()) as { id: string };
      const put = await fetch(`${stack.apiUrl}/api/v1/calls/${id}/recording`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'audio/wav' },
        body: new Uint8Array(recording),
      });
      if (put.status !== 201) throw new Error(`upload ${i}: ${put.status} ${await put.text()}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return (performance.now() - started) / 1000;
}

async function agent(stack: PrivateStack, dir: string, client: { id: string; secret: string }, recording: Buffer) {
  const spool = join(dir, 'spool');
  mkdirSync(join(spool, 'sent'), { recursive: true });
  for (let i = 0; i < CALLS; i++) {
    writeFileSync(join(spool, `agent-${String(i).padStart(6, '0')}.wav`), recording);
    writeFileSync(join(spool, `agent-${String(i).padStart(6, '0')}.json`), JSON.stringify(call(`agent-${i}`, i)));
  }
  const child = spawn(process.execPath, [join(repoRoot(), 'dist', 'agent', 'main.js')], {
    env: agentEnvironment(stack, {
      spool,
      client,
      source: 'bench-agent',
      extra: { AGENT_STABLE_MS: '0', AGENT_POLL_MS: '20' },
    }),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const started = performance.now();
  const sent = () => readdirSync(join(spool, 'sent')).filter((n) => n.endsWith('.json')).length;
  while (sent() < CALLS) {
    if (child.exitCode !== null) throw new Error(`the agent exited with ${child.exitCode}`);
    await sleep(20);
  }
  const seconds = (performance.now() - started) / 1000;
  const rss = peakMb(child.pid!);
  child.kill('SIGTERM');
  await once(child, 'exit');
  return { seconds, rss };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'voicecast-bench-ingest-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'stack'));
  chmodSync(join(dir, 'stack'), 0o755);
  const supervisor = new Supervisor();
  try {
    const stack = await startPrivateStack(join(dir, 'stack'), supervisor, {
      worker: false,
      env: { INGEST_RECORDING_MAX_BYTES: String(16 * 1024 * 1024) },
    });
    const client = await machineToken(stack);
    const recording = wav();
    print(
      `bench-ingest: ${CALLS} calls, ${WAV_SECONDS} s WAV each (${(recording.length / 1024).toFixed(0)} kB); ` +
        `${availableParallelism()} CPUs, load ${loadavg()[0].toFixed(1)}`,
    );
    const restSeconds = await rest(stack, client.token, recording);
    print(
      `REST (POST + PUT, ${CONCURRENCY} clients): ${(CALLS / restSeconds).toFixed(1)} calls/s, ${restSeconds.toFixed(1)} s; API peak RSS ${peakMb(stack.pids.api)}`,
    );
    const viaAgent = await agent(stack, dir, client, recording);
    print(
      `agent (gRPC, one pair at a time): ${(CALLS / viaAgent.seconds).toFixed(1)} calls/s, ${viaAgent.seconds.toFixed(1)} s; ` +
        `agent peak RSS ${viaAgent.rss}, API peak RSS ${peakMb(stack.pids.api)}`,
    );
  } finally {
    await supervisor.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-ingest failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
