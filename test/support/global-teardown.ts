/**
 * Jest globalTeardown: stops what global-setup started (worker and API first, the
 * databases last, each by its PID) and removes the temporary directory. Set
 * VOICECAST_TEST_KEEP=1 to keep the directory (logs) for a look after the run. A service
 * that died while the tests ran fails the run here, with its log tail.
 *
 * Jest calls the default export (jest's contract).
 */
import { rmSync } from 'node:fs';
import { describeExit } from '../../scripts/services';
import { RUNNING_STACK, type RunningTestStack } from './global-setup';
import { STACK_STATE_ENV } from './stack';

export default async function globalTeardown(): Promise<void> {
  const running = (globalThis as Record<symbol, unknown>)[RUNNING_STACK] as RunningTestStack | undefined;
  if (!running) return;
  delete (globalThis as Record<symbol, unknown>)[RUNNING_STACK];
  // A service that died during the run made tests fail in confusing ways: say which.
  const crashed = running.supervisor.all
    .filter((s) => !s.process.running && !s.process.stopRequested)
    .map(
      (s) =>
        `${s.name} (PID ${s.process.pid}) ${describeExit(s.process.exit!)} during the tests.${s.process.tailForError()}`,
    );
  try {
    await running.supervisor.stopAll();
    if (crashed.length > 0) throw new Error(crashed.join('\n\n'));
  } finally {
    delete process.env[STACK_STATE_ENV];
    if (process.env.VOICECAST_TEST_KEEP === '1') {
      process.stderr.write(`test stack data kept in ${running.state.tempDir}\n`);
    } else {
      rmSync(running.state.tempDir, { recursive: true, force: true });
    }
  }
}
