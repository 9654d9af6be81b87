import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PhoneWorkerPool } from './phone-pool';

/**
 * The pool's mechanics with a stand-in worker script (the real one is compiled TypeScript,
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

let dir: string;
let script: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phone-pool-test-'));
  script = join(dir, 'worker.js');
  writeFileSync(script, WORKER);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PhoneWorkerPool', () => {
  it('answers every batch with its own results, however the workers interleave', async () => {
    const pool = new PhoneWorkerPool(3, script);
    try {
      const batches = Array.from({ length: 40 }, (_, b) => [`${b}a`, `${b}b`]);
      const results = await Promise.all(batches.map((values) => pool.normalise(values, 'DE')));
      expect(results).toEqual(batches.map((values) => values.map((v) => `${v}:DE`)));
    } finally {
      await pool.close();
    }
  });

  it('fails the batch of a worker that dies and carries on with a new worker', async () => {
    const pool = new PhoneWorkerPool(1, script);
    try {
      const crashed = pool.normalise(['crash'], undefined);
      const next = pool.normalise(['ok'], 'FR');
      await expect(crashed).rejects.toThrow('phone worker exited with code 3');
      await expect(next).resolves.toEqual(['ok:FR']);
    } finally {
      await pool.close();
    }
  });

  it('refuses work once closed', async () => {
    const pool = new PhoneWorkerPool(1, script);
    await pool.close();
    await expect(pool.normalise(['x'], undefined)).rejects.toThrow('closed');
  });

  it('needs at least one worker', () => {
    expect(() => new PhoneWorkerPool(0, script)).toThrow(RangeError);
  });
});
