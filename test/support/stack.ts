/**
 * The test stack, as seen from a test: `readStack()` returns what `global-setup.ts` started
 * (real PostgreSQL, Temporal dev server, MinIO, the API and the worker, on free ports in a
 * fresh temporary directory). The service starters are re-exported for tests that need a
 * process of their own, e.g. a second API started with `env` and one variable changed.
 */
import { readFileSync } from 'node:fs';

export * from '../../scripts/services';

/** Environment variable through which global-setup tells tests where the state file is. */
export const STACK_STATE_ENV = 'VOICECAST_TEST_STACK';

/** What global-setup started. Written as JSON to `<tempDir>/stack.json`. */
export interface TestStack {
  /** Base URL of the API (also its PUBLIC_URL), e.g. http://127.0.0.1:41234 */
  readonly apiUrl: string;
  /** The administrator created at the API's first start (ADMIN_USERNAME / ADMIN_PASSWORD). */
  readonly admin: { readonly username: string; readonly password: string };
  /** The application's DATABASE_URL (role owns the database; CREATEDB; not a superuser). */
  readonly databaseUrl: string;
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    readonly taskQueue: string;
    /** The dev server's HTTP API (`/api/v1/...`). */
    readonly httpUrl: string;
  };
  readonly minio: { readonly endpoint: string; readonly accessKey: string; readonly secretKey: string };
  /** The temporary directory holding every service's data and logs; removed at teardown. */
  readonly tempDir: string;
  /** Log files: postgres.log, temporal.log, minio.log, api.log, worker.log. */
  readonly logsDir: string;
  readonly pids: Readonly<Record<string, number>>;
  /** The complete environment the API and the worker were started with. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

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
