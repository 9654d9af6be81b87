import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerPool } from './worker-pool';

/**
 * The pool's mechanics with a stand-in worker script (the import's is compiled TypeScript,
 * exercised through the API by the integration tests): answers after an uneven delay, and
 * dies on the value "crash".
 */
const WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ values, defaultCountry }) => {
  if (values.includes('crash')) process.exit(3);
  setTimeout(() => parentPort.postMessage(values.map((v) => v + ':' + defaultCountry)), Math.random() * 15);
});
`;

interface Job {
  values: string[];
  defaultCountry?: string;
}

let dir: string;
let script: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'worker-pool-test-'));
  script = join(dir, 'worker.js');
  writeFileSync(script, WORKER);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WorkerPool', () => {
  it('answers every batch with its own results, however the workers interleave', async () => {
    const pool = new WorkerPool<Job, string[]>({ size: 3, script });
    try {
      const batches = Array.from({ length: 40 }, (_, b) => [`${b}a`, `${b}b`]);
      const results = await Promise.all(batches.map((values) => pool.run({ values, defaultCountry: 'DE' })));
      expect(results).toEqual(batches.map((values) => values.map((v) => `${v}:DE`)));
    } finally {
      await pool.close();
    }
  });

  it('fails the batch of a worker that dies and carries on with a new worker', async () => {
    const pool = new WorkerPool<Job, string[]>({ size: 1, script });
    try {
      const crashed = pool.run({ values: ['crash'] });
      const next = pool.run({ values: ['ok'], defaultCountry: 'FR' });
      await expect(crashed).rejects.toThrow('worker exited with code 3');
      await expect(next).resolves.toEqual(['ok:FR']);
    } finally {
      await pool.close();
    }
  });

  it('refuses work once closed', async () => {
    const pool = new WorkerPool<Job, string[]>({ size: 1, script });
    await pool.close();
    await expect(pool.run({ values: ['x'] })).rejects.toThrow('closed');
  });

  it('needs at least one worker', () => {
    expect(() => new WorkerPool<Job, string[]>({ size: 0, script })).toThrow(RangeError);
  });
});
