import { orderedShares, shareOf, weightedPick } from './trunk-shares';

/** Picks `calls` times among `weights`, counting as the database would. */
function share(weights: number[], calls: number): number[] {
  const served = weights.map(() => 0);
  for (let n = 0; n < calls; n++) {
    const i = weightedPick(weights.map((weight, k) => ({ weight, served: served[k] })));
    served[i] += 1;
  }
  return served;
}

describe('weightedPick', () => {
  test('weights 3 and 1 over 100 calls: exactly 75 and 25', () => {
    expect(share([3, 1], 100)).toEqual([75, 25]);
  });

  test('the rotation is smooth: 3:1 gives a a a b, again and again', () => {
    const served = [0, 0];
    const order = Array.from({ length: 8 }, () => {
      const i = weightedPick([
        { weight: 3, served: served[0] },
        { weight: 1, served: served[1] },
      ]);
      served[i] += 1;
      return 'ab'[i];
    }).join('');
    expect(order).toBe('aaabaaab');
  });

  test('equal weights alternate; three trunks 5:3:2 share 100 calls 50/30/20', () => {
    expect(share([1, 1], 10)).toEqual([5, 5]);
    expect(share([5, 3, 2], 100)).toEqual([50, 30, 20]);
  });

  test('a trunk that was full meanwhile (served less) catches up before the others', () => {
    expect(
      weightedPick([
        { weight: 1, served: 10 },
        { weight: 1, served: 4 },
      ]),
    ).toBe(1);
  });
});

describe('orderedShares', () => {
  test('sorts by priority, then as listed, with defaults', () => {
    const { ids, shares } = orderedShares([
      { trunkId: 'c', priority: 2 },
      { trunkId: 'a', priority: 1, weight: 3 },
      { trunkId: 'b', priority: 1 },
    ]);
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(shares).toEqual({
      a: { priority: 1, weight: 3 },
      b: { priority: 1, weight: 1 },
      c: { priority: 2, weight: 1 },
    });
  });

  test('without priorities the list is the order, as trunkIds', () => {
    expect(orderedShares([{ trunkId: 'x' }, { trunkId: 'y' }]).ids).toEqual(['x', 'y']);
  });
});

describe('shareOf', () => {
  test('a plain order: position as priority, weight 1', () => {
    expect(shareOf(null, 'x', 2)).toEqual({ priority: 3, weight: 1 });
    expect(shareOf({ x: { priority: 1, weight: 4 } }, 'x', 2)).toEqual({ priority: 1, weight: 4 });
  });
});
