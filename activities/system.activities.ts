/**
 * Activities about the worker itself. `describeWorker` proves end to end that a worker
 * is polling the task queue and can reach PostgreSQL and MinIO from where it runs.
 */
import { hostname } from 'node:os';
import { pingDatabase, type Pool } from '../db/sql.js';
import type { Storage } from '../lib/storage.js';
import { withTimeout } from '../lib/timeout.js';

export interface WorkerReport {
  identity: string;
  hostname: string;
  pid: number;
  nodeVersion: string;
  database: 'ok' | 'unreachable';
  storage: 'ok' | 'unreachable';
  checkedAt: string;
}

export interface SystemActivityDeps {
  readonly identity: string;
  readonly pool: Pool;
  readonly storage: Storage;
  readonly probeBucket: string;
}

export function createSystemActivities(deps: SystemActivityDeps) {
  const probe = async (check: () => Promise<unknown>): Promise<'ok' | 'unreachable'> => {
    try {
      await withTimeout(check(), 3000, 'timed out');
      return 'ok';
    } catch {
      return 'unreachable';
    }
  };
  return {
    async describeWorker(): Promise<WorkerReport> {
      const [database, storage] = await Promise.all([
        probe(() => pingDatabase(deps.pool)),
        probe(() => deps.storage.bucketExists(deps.probeBucket)),
      ]);
      return {
        identity: deps.identity,
        hostname: hostname(),
        pid: process.pid,
        nodeVersion: process.version,
        database,
        storage,
        checkedAt: new Date().toISOString(),
      };
    },
  };
}
