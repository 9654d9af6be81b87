import { cachedReadiness, type ReadinessDeps } from './health';

/** Dependencies that answer at once and count how often they were asked. */
function countingDeps(): { deps: ReadinessDeps; asked: () => number } {
  let asked = 0;
  const answer = () => {
    asked += 1;
    return Promise.resolve();
  };
  const deps = {
    pool: { query: answer },
    temporal: { workflowService: { getSystemInfo: answer } },
    storage: { bucketExists: answer },
    probeBucket: 'audio',
  } as unknown as ReadinessDeps;
  return { deps, asked: () => asked / 3 };
}

describe('cachedReadiness (F25)', () => {
  test('20 concurrent and following requests within the TTL share one round of checks', async () => {
    const { deps, asked } = countingDeps();
    const readiness = cachedReadiness(deps, 200);
    const results = await Promise.all(Array.from({ length: 20 }, () => readiness()));
    await readiness();
    expect(asked()).toBe(1);
    expect(results[0]).toEqual({ postgres: { status: 'up' }, temporal: { status: 'up' }, minio: { status: 'up' } });
  });

  test('asks again once the TTL has passed since the last round ended', async () => {
    const { deps, asked } = countingDeps();
    const readiness = cachedReadiness(deps, 50);
    await readiness();
    await new Promise((r) => setTimeout(r, 80));
    await readiness();
    expect(asked()).toBe(2);
  });
});
