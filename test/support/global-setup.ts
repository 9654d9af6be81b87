/**
 * Jest globalSetup: starts the real services once for the whole run, on free ports, in a
 * fresh temporary directory, so it never touches a `make run` stack or its data:
 * PostgreSQL (fsync off), the Temporal dev server (headless, in memory, with the search
 * attributes), MinIO (no console), then the compiled API (`dist/api/main.js`, waits for
 * `GET /readyz`) and the worker (`dist/worker.js`, waits until it polls its task queue);
 * see scripts/services/private-stack.ts.
 * The state is written to `<tempDir>/stack.json` for {@link readStack}.
 *
 * Jest calls the default export (the one default export in the code base: jest's contract).
 * globalSetup and globalTeardown run in the same process, so the handles live on
 * `globalThis`. If start-up fails, what was started is stopped again (jest skips the
 * teardown then) and the error quotes the failing service's log.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrivateStack, Supervisor } from '../../scripts/services';
import { STACK_STATE_ENV, type TestStack } from './stack';

/** Key on `globalThis` under which the teardown finds the running stack. */
export const RUNNING_STACK = Symbol.for('voicecast.test-stack');

export interface RunningTestStack {
  readonly supervisor: Supervisor;
  readonly state: TestStack;
}

/** Starts the stack; see the file comment. */
export default async function globalSetup(): Promise<void> {
  const startedAt = Date.now();
  const tempDir = mkdtempSync(join(tmpdir(), 'voicecast-test-'));
  chmodSync(tempDir, 0o755); // PostgreSQL may run as another OS user and must traverse it
  const supervisor = new Supervisor();
  // Last resort if jest exits without the teardown (it does not call it when setup fails).
  process.once('exit', () => supervisor.killAll());
  let state: TestStack;
  try {
    state = await startPrivateStack(tempDir, supervisor, { worker: true });
  } catch (err) {
    await supervisor.stopAll().catch(() => undefined);
    throw new Error(
      `the test stack did not start (logs kept in ${join(tempDir, 'logs')}):\n${(err as Error).message}`,
      { cause: err },
    );
  }
  const stateFile = join(tempDir, 'stack.json');
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
  process.env[STACK_STATE_ENV] = stateFile;
  (globalThis as Record<symbol, unknown>)[RUNNING_STACK] = { supervisor, state } satisfies RunningTestStack;
  process.stderr.write(
    `\ntest stack up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: API ${state.apiUrl}, logs in ${state.logsDir}\n`,
  );
}
