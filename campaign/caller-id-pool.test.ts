import { callerIdOrder, callerIdPoolProblems, type CallerIdPool } from './caller-id-pool.js';

const numbers = ['+493011111111', '+494011111111', '+442011111111', '+12125550100'];
const pool: CallerIdPool = { numbers, strategy: 'rotate', dailyCapPerNumber: 3 };
const none = new Map<string, number>();

describe('caller-ID pools', () => {
  test('rotate: the least used number today, ties in list order; capped numbers never', () => {
    expect(callerIdOrder(pool, '+4930999', none)).toEqual(numbers);
    const used = new Map([
      ['+493011111111', 2],
      ['+494011111111', 1],
      ['+442011111111', 3],
    ]);
    expect(callerIdOrder(pool, '+4930999', used)).toEqual(['+12125550100', '+494011111111', '+493011111111']);
  });

  test('local: the longest shared prefix within the callee country first, then the rest by use', () => {
    const local = { ...pool, strategy: 'local' as const };
    expect(callerIdOrder(local, '+4930123456', none)[0]).toBe('+493011111111');
    expect(callerIdOrder(local, '+4940123456', none)[0]).toBe('+494011111111');
    // Hamburg and Berlin both share the country code with Munich: Berlin first by list order.
    expect(callerIdOrder(local, '+4989123456', none).slice(0, 2)).toEqual(['+493011111111', '+494011111111']);
    expect(callerIdOrder(local, '+12125559999', none)[0]).toBe('+12125550100');
    // A prefix shorter than the country code (+4 of +44 and +49) does not count as local.
    expect(callerIdOrder(local, '+442079460000', new Map([['+442011111111', 3]]))).toEqual([
      '+493011111111',
      '+494011111111',
      '+12125550100',
    ]);
    // The local number at its cap: the others, least used first.
    const used = new Map([
      ['+493011111111', 3],
      ['+494011111111', 2],
    ]);
    expect(callerIdOrder(local, '+4930123456', used)).toEqual(['+494011111111', '+442011111111', '+12125550100']);
  });

  test('every number at its cap: none', () => {
    expect(callerIdOrder(pool, '+4930999', new Map(numbers.map((n) => [n, 3])))).toEqual([]);
  });

  test('problems name the exact field', () => {
    expect(callerIdPoolProblems(pool)).toEqual([]);
    const bad = { numbers: ['+4930111111', '030 1111', '+4930111111'], strategy: 'nearest', dailyCapPerNumber: 0 };
    expect(callerIdPoolProblems(bad as unknown as CallerIdPool).map(([f]) => f)).toEqual([
      'callerIdPool.numbers[1]',
      'callerIdPool.numbers[2]',
      'callerIdPool.strategy',
      'callerIdPool.dailyCapPerNumber',
    ]);
    expect(callerIdPoolProblems({ ...pool, numbers: [] }).map(([f]) => f)).toEqual(['callerIdPool.numbers']);
  });
});
