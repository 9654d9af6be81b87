/**
 * The test stack, as seen from a test: `readStack()` returns what `global-setup.ts` started
 * (real PostgreSQL, Temporal dev server, MinIO, the API and the worker, on free ports in a
 * fresh temporary directory). The service starters are re-exported for tests that need a
 * process of their own, e.g. a second API started with `env` and one variable changed.
 */
import { readFileSync } from 'node:fs';
import type { PrivateStack } from '../../scripts/services';

export * from '../../scripts/services';

/** Environment variable through which global-setup tells tests where the state file is. */
export const STACK_STATE_ENV = 'VOICECAST_TEST_STACK';

/** What global-setup started (see scripts/services/private-stack.ts). Written as JSON to `<tempDir>/stack.json`. */
export type TestStack = PrivateStack;

let cached: TestStack | undefined;

/** The running test stack. Throws when the tests were not started through jest's global setup. */
export function readStack(): TestStack {
  if (cached) return cached;
  const path = process.env[STACK_STATE_ENV];
  if (!path) {
    throw new Error(
      `${STACK_STATE_ENV} is not set: run the tests with jest.config.js (make test), whose globalSetup starts the stack`,
    );
  }
  cached = JSON.parse(readFileSync(path, 'utf8')) as TestStack;
  return cached;
}
