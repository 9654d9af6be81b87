import { WorkerCallSlots, type SlotAdmission } from './call-slots.js';

function slots(options: { slots?: number; headroom?: number; fairShare?: boolean } = {}) {
  let now = 1_000_000;
  const pool = new WorkerCallSlots({
    slots: options.slots ?? 10,
    headroom: options.headroom ?? 1,
    fairShare: options.fairShare ?? true,
    retryMs: 2000,
    now: () => now,
    random: () => 0.5,
  });
  const held: Record<string, (() => void)[]> = {};
  /** Asks `n` times for `owner`; returns how many were admitted. */
  const take = (owner: string, n = 1): number => {
    let admitted = 0;
    for (let i = 0; i < n; i += 1) {
      const admission: SlotAdmission = pool.take(owner);
      if (admission.kind === 'admitted') {
        (held[owner] ??= []).push(admission.release);
        admitted += 1;
      }
    }
    return admitted;
  };
  const end = (owner: string, n = 1) => {
    for (let i = 0; i < n; i += 1) held[owner].pop()!();
  };
  return { pool, take, end, advance: (ms: number) => (now += ms) };
}

describe('WorkerCallSlots', () => {
  it('gives an owner alone every slot but the headroom', () => {
    const { pool, take } = slots();
    expect(take('A', 30)).toBe(9);
    expect(pool.use()).toMatchObject({ used: 9, byOwner: { A: 9 }, waiting: ['A'] });
  });

  it("gives a newcomer the headroom at once, then refuses the big owner until the shares even out (review F13's trigger)", () => {
    const { pool, take, end, advance } = slots();
    take('A', 30);
    expect(take('B')).toBe(1); // the first call of B goes out at once
    expect(take('B', 5)).toBe(0); // the worker is full
    end('A', 3); // three of A's calls end: A 6, B 1, 3 free
    expect(take('A')).toBe(0); // over its share (5) while B, holding fewer, waits
    expect(take('B', 5)).toBe(3); // B takes what frees up, to its share minus the headroom
    advance(500);
    end('A', 2); // A 4, B 4, 2 free
    expect(take('A')).toBe(1); // nobody waiting holds fewer than A
    expect(take('B')).toBe(0); // only the headroom is left
    expect(pool.use().byOwner).toEqual({ A: 5, B: 4 });
  });

  it('says when to try again: about one retry later, and refuses with the share it computed', () => {
    const { pool, take } = slots();
    take('A', 9);
    const refused = pool.take('A');
    expect(refused).toEqual({ kind: 'refused', retryAt: new Date(1_000_000 + 2000), held: 9, share: 10 });
  });

  it('forgets an owner refused long ago: the remaining one may use the spare slots again', () => {
    const { take, end, advance } = slots();
    take('A', 9);
    take('B', 2); // B: one admitted (the headroom), one refused
    end('B');
    end('A', 5); // A 4, B 0, 6 free; B counts as waiting, so A holds its share (5) minus one
    expect(take('A', 5)).toBe(0);
    advance(5001); // B never came back
    expect(take('A', 5)).toBe(5);
  });

  it('lets every owner holding nothing take the last free slot, however many owners there are', () => {
    const { take } = slots({ slots: 3, headroom: 1 });
    expect(['A', 'B', 'C', 'D'].map((o) => take(o))).toEqual([1, 1, 1, 0]);
  });

  it('with no headroom an owner alone takes every slot, and a newcomer the next one to free', () => {
    const { take, end } = slots({ headroom: 0 });
    expect(take('A', 12)).toBe(10);
    expect(take('B')).toBe(0);
    end('A');
    expect(take('A')).toBe(0); // B, waiting with none, goes first
    expect(take('B')).toBe(1);
  });

  it('admits an attempt that must go on (an INVITE may have left for it), and counts it', () => {
    const { pool, take } = slots();
    take('A', 9);
    expect(pool.take('A', true).kind).toBe('admitted');
    expect(pool.use()).toMatchObject({ used: 10, byOwner: { A: 10 } });
    expect(pool.take('B', true).kind).toBe('admitted');
    expect(pool.use().used).toBe(11);
  });

  it('admits everything with fair share off', () => {
    const { take } = slots({ fairShare: false });
    expect(take('A', 15)).toBe(15);
    expect(take('B')).toBe(1);
  });

  it('releases a slot once however often release is called', () => {
    const { pool } = slots();
    const admission = pool.take('A');
    if (admission.kind !== 'admitted') throw new Error('refused');
    admission.release();
    admission.release();
    expect(pool.use()).toMatchObject({ used: 0, byOwner: {} });
  });

  it('refuses nonsense options', () => {
    expect(() => new WorkerCallSlots({ slots: 0, headroom: 0, fairShare: true, retryMs: 1 })).toThrow(RangeError);
    expect(() => new WorkerCallSlots({ slots: 5, headroom: 5, fairShare: true, retryMs: 1 })).toThrow(RangeError);
  });
});
