/**
 * `make run`'s runner (the compiled dist/scripts/stack.js, as `make run` starts it) and its
 * lock, with real processes: one stack per data directory, stale locks taken over, busy
 * ports refused, a full start with Ctrl-C, and a crashed child taking the stack down.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, isProcessAlive, processStartTime, repoRoot } from '../../scripts/services';
import { acquireStackLock, lockPath, StackAlreadyRunningError, type LockOwner } from '../../scripts/stack-lock';

const runner = join(repoRoot(), 'dist', 'scripts', 'stack.js');

interface RunnerRun {
  readonly child: ChildProcess;
  output: string;
  readonly exited: Promise<number | null>;
}

/** Starts the compiled runner with a private data directory and free ports. */
async function startRunner(dataDir: string, overrides: Record<string, string> = {}): Promise<RunnerRun> {
  if (!existsSync(runner)) throw new Error(`${runner} is missing: run \`make build\` first (make test does)`);
  const [api, pg, temporal, ui, minio, consolePort] = await freePorts(6);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    VOICECAST_ENV_FILE: 'none',
    VOICECAST_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    API_PORT: String(api),
    PUBLIC_URL: `http://127.0.0.1:${api}`,
    DATABASE_URL: `postgres://voicecast:runner-test-pw@127.0.0.1:${pg}/voicecast`,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporal}`,
    TEMPORAL_UI_PORT: String(ui),
    MINIO_ENDPOINT: `http://127.0.0.1:${minio}`,
    MINIO_CONSOLE_PORT: String(consolePort),
    SHUTDOWN_GRACE_SECONDS: '3',
    ...overrides,
  };
  const child = spawn(process.execPath, [runner], { env, cwd: dataDir, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: RunnerRun = {
    child,
    output: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout?.on('data', (chunk: Buffer) => (run.output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (run.output += chunk.toString()));
  return run;
}

async function waitForOutput(run: RunnerRun, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(run.output)) {
    if (run.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`runner output never matched ${pattern}:\n${run.output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A process that exits at once: its PID is dead afterwards. */
async function deadPid(): Promise<{ pid: number; startTime: string | null }> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 200)']);
  const startTime = processStartTime(child.pid!);
  await new Promise((resolve) => child.once('exit', resolve));
  return { pid: child.pid!, startTime };
}

let dataDir: string;
const runs: RunnerRun[] = [];
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'voicecast-runner-test-'));
  chmodSync(dataDir, 0o755);
});
afterEach(async () => {
  for (const run of runs.splice(0)) {
    if (run.child.exitCode === null) {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the stack lock', () => {
  it('refuses a second holder while the first is alive, in-process and from the real runner', async () => {
    const lock = await acquireStackLock(dataDir);
    try {
      await expect(acquireStackLock(dataDir)).rejects.toBeInstanceOf(StackAlreadyRunningError);
      const run = await startRunner(dataDir);
      runs.push(run);
      expect(await run.exited).toBe(1);
      expect(run.output).toContain(`another \`make run\` (PID ${process.pid}`);
      expect(existsSync(join(dataDir, 'postgres'))).toBe(false);
    } finally {
      lock.release();
    }
    expect(existsSync(lockPath(dataDir))).toBe(false);
  });

  it('takes over a stale lock and stops the services its dead owner left behind', async () => {
    const leftover = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    const leftoverExit = new Promise((resolve) => leftover.once('exit', (_code, signal) => resolve(signal)));
    const owner: LockOwner = {
      ...(await deadPid()),
      startedAt: new Date().toISOString(),
      children: [{ name: 'minio', pid: leftover.pid!, startTime: processStartTime(leftover.pid!), signal: 'SIGTERM' }],
    };
    writeFileSync(lockPath(dataDir), JSON.stringify(owner));
    const notices: string[] = [];
    const lock = await acquireStackLock(dataDir, (m) => notices.push(m));
    try {
      expect(await leftoverExit).toBe('SIGTERM');
      expect(notices.join('\n')).toMatch(/stopping minio \(PID \d+\)[\s\S]*took over the stale lock of PID/);
      expect((JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockOwner).pid).toBe(process.pid);
    } finally {
      lock.release();
    }
  });

  it('does not touch a live process whose PID was recorded with another start time', async () => {
    const bystander = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      const owner: LockOwner = {
        ...(await deadPid()),
        startedAt: new Date().toISOString(),
        children: [{ name: 'temporal', pid: bystander.pid!, startTime: '1', signal: 'SIGTERM' }],
      };
      writeFileSync(lockPath(dataDir), JSON.stringify(owner));
      (await acquireStackLock(dataDir)).release();
      expect(isProcessAlive(bystander.pid!)).toBe(true);
    } finally {
      bystander.kill('SIGKILL');
    }
  });
});

describe('the runner', () => {
  it('refuses to start when a port is taken, naming the variable that moves it', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const run = await startRunner(dataDir, { TEMPORAL_UI_PORT: String(port) });
      runs.push(run);
      expect(await run.exited).toBe(1);
      expect(run.output).toContain(`port ${port} (the Temporal Web UI) is already in use on 127.0.0.1`);
      expect(run.output).toContain('change TEMPORAL_UI_PORT');
      expect(existsSync(join(dataDir, 'postgres'))).toBe(false);
      expect(existsSync(lockPath(dataDir))).toBe(false);
    } finally {
      server.close();
    }
  });

  it('rejects a configuration it cannot serve', async () => {
    const run = await startRunner(dataDir, { DATABASE_URL: 'postgres://u:p@db.example.com:5432/x' });
    runs.push(run);
    expect(await run.exited).toBe(2);
    expect(run.output).toContain('DATABASE_URL points at db.example.com');
  });

  it('starts everything, stops it all on SIGINT, and dies loudly when a child crashes', async () => {
    const first = await startRunner(dataDir);
    runs.push(first);
    await waitForOutput(first, /Voicecast is up/, 150_000);
    const lock = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockOwner;
    expect(lock.children.map((c) => c.name).sort()).toEqual(['api', 'minio', 'postgres', 'temporal', 'worker']);
    const uiPort = /Temporal UI +http:\/\/127\.0\.0\.1:(\d+)/.exec(first.output)?.[1];
    expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output).toMatch(/stopping worker[\s\S]*stopping api[\s\S]*stopping (minio|temporal|postgres)/);
    for (const child of lock.children) expect(isProcessAlive(child.pid, child.startTime)).toBe(false);
    expect(existsSync(lockPath(dataDir))).toBe(false);

    // Second start on the same data: PostgreSQL is already initialised.
    const second = await startRunner(dataDir);
    runs.push(second);
    await waitForOutput(second, /Voicecast is up/, 150_000);
    const children = (JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockOwner).children;
    const worker = children.find((c) => c.name === 'worker')!;
    process.kill(worker.pid, 'SIGKILL');
    expect(await second.exited).toBe(1);
    expect(second.output).toContain('worker was killed by SIGKILL unexpectedly');
    for (const child of children) expect(isProcessAlive(child.pid, child.startTime)).toBe(false);
  }, 400_000);
});
