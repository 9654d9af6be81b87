import { Worker } from 'node:worker_threads';
import { PoolBusyError, WorkerJobError, WorkerPool } from './worker-pool.js';

/** A real worker thread speaking the pool's protocol; `op` picks its behaviour. */
const SCRIPT = `
const { parentPort, threadId } = require('node:worker_threads');
parentPort.on('message', ({ id, input }) => {
  if (input.op === 'crash') process.exit(3);
  if (input.op === 'hang') for (;;) {}
  if (input.op === 'fail') return parentPort.postMessage({ id, ok: false, error: { message: 'nope', code: 7 } });
  const running = input.counter ? Atomics.add(input.counter, 0, 1) + 1 : 0;
  if (input.counter) Atomics.store(input.counter, 1, Math.max(Atomics.load(input.counter, 1), running));
  setTimeout(() => {
    if (input.counter) Atomics.sub(input.counter, 0, 1);
    parentPort.postMessage({ id, ok: true, output: { value: input.value * 2, threadId } });
  }, input.delayMs ?? 0);
});
`;

interface Input {
  op?: 'crash' | 'hang' | 'fail';
  value?: number;
  delayMs?: number;
  counter?: Int32Array;
}
interface Output {
  value: number;
  threadId: number;
}

const pools: WorkerPool<Input, Output>[] = [];
function pool(size: number, maxQueue = 100, jobTimeoutMs = 10_000): WorkerPool<Input, Output> {
  const p = new WorkerPool<Input, Output>({
    size,
    maxQueue,
    jobTimeoutMs,
    createWorker: () => new Worker(SCRIPT, { eval: true }),
  });
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('WorkerPool', () => {
  it('runs jobs on at most `size` threads at once', async () => {
    const p = pool(2);
    const counter = new Int32Array(new SharedArrayBuffer(8));
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => p.run({ value: i, delayMs: 150, counter })));
    expect(results.map((r) => r.value)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(new Set(results.map((r) => r.threadId)).size).toBe(2);
    expect(counter[1]).toBeGreaterThanOrEqual(1);
    expect(counter[1]).toBeLessThanOrEqual(2);
  });

  it('queues in order and refuses beyond the queue limit at once', async () => {
    const p = pool(1, 1);
    const order: number[] = [];
    const first = p.run({ value: 1, delayMs: 200 }).then((r) => order.push(r.value));
    const second = p.run({ value: 2 }).then((r) => order.push(r.value));
    await expect(p.run({ value: 3 })).rejects.toBeInstanceOf(PoolBusyError);
    await Promise.all([first, second]);
    expect(order).toEqual([2, 4]);
  });

  it("hands the worker's error description to the caller", async () => {
    const err: unknown = await pool(1)
      .run({ op: 'fail' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerJobError);
    expect((err as WorkerJobError).payload).toEqual({ message: 'nope', code: 7 });
  });

  it('fails only the job whose worker died, and carries on with a new worker', async () => {
    const p = pool(1);
    await expect(p.run({ op: 'crash' })).rejects.toThrow(/exited with code 3/);
    await expect(p.run({ value: 5 })).resolves.toMatchObject({ value: 10 });
  });

  it('stops a job that runs too long and carries on', async () => {
    const p = pool(1, 10, 300);
    await expect(p.run({ op: 'hang' })).rejects.toThrow(/timed out after 300 ms/);
    await expect(p.run({ value: 1 })).resolves.toMatchObject({ value: 2 });
  });

  it('fails queued and running jobs on close', async () => {
    const p = pool(1);
    const running = expect(p.run({ value: 1, delayMs: 5000 })).rejects.toThrow(/closed/);
    const queued = expect(p.run({ value: 2 })).rejects.toThrow(/closed/);
    await p.close();
    await Promise.all([running, queued]);
    await expect(p.run({ value: 3 })).rejects.toThrow(/closed/);
  });
});
