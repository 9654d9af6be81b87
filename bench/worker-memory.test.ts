import { describeMemory, parseMemorySample } from './worker-memory';

const MB = 2 ** 20;
const exposition = (rss: number, calls: number, threadUsed: number): string =>
  [
    '# TYPE voicecast_worker_process_resident_memory_bytes gauge',
    `voicecast_worker_process_resident_memory_bytes ${rss * MB}`,
    `voicecast_worker_calls_active ${calls}`,
    `voicecast_worker_nodejs_heap_size_used_bytes ${100 * MB}`,
    `voicecast_worker_nodejs_heap_size_total_bytes ${150 * MB}`,
    `voicecast_worker_nodejs_external_memory_bytes ${20 * MB}`,
    'voicecast_worker_nodejs_heap_space_size_used_bytes{space="old"} 12345',
    `voicecast_worker_media_thread_heap_bytes{thread="1",kind="used"} ${threadUsed * MB}`,
    `voicecast_worker_media_thread_heap_bytes{thread="1",kind="total"} ${40 * MB}`,
    `voicecast_worker_media_thread_heap_bytes{kind="external",thread="1"} ${10 * MB}`,
    `voicecast_worker_media_thread_heap_bytes{thread="0",kind="used"} ${threadUsed * MB}`,
    `voicecast_worker_media_thread_heap_bytes{thread="0",kind="total"} ${40 * MB}`,
    `voicecast_worker_media_thread_heap_bytes{thread="0",kind="external"} ${10 * MB}`,
  ].join('\n');

test('reads RSS, the main heap, its buffers and each media thread, whatever the label order', () => {
  const sample = parseMemorySample(exposition(500, 1000, 30));
  expect(sample.rss).toBe(500 * MB);
  expect(sample.calls).toBe(1000);
  expect(sample.mainHeapUsed).toBe(100 * MB);
  expect(sample.mainHeapTotal).toBe(150 * MB);
  expect(sample.mainExternal).toBe(20 * MB);
  expect(sample.threads).toEqual([
    { thread: 0, used: 30 * MB, total: 40 * MB, external: 10 * MB },
    { thread: 1, used: 30 * MB, total: 40 * MB, external: 10 * MB },
  ]);
});

test('a worker without media threads, or without a figure, parses to none and NaN', () => {
  const sample = parseMemorySample('voicecast_worker_process_resident_memory_bytes 1000\n');
  expect(sample.threads).toEqual([]);
  expect(sample.rss).toBe(1000);
  expect(sample.calls).toBeNaN();
});

test('the peak is split into heaps, buffers and the rest, and per call against the idle worker', () => {
  const peak = parseMemorySample(exposition(500, 1000, 30));
  const [split, idle, perCall] = describeMemory(peak, peak, parseMemorySample(exposition(300, 0, 10)));
  expect(idle).toContain('idle, before the run (0 calls up): RSS 300 MB');
  // 500 = 150 main heap + 20 main buffers + 2 × 40 thread heaps + 2 × 10 thread buffers + 230 rest
  expect(split).toContain('RSS 500 MB = main heap 150 MB (100 MB live) + main external buffers 20 MB');
  expect(split).toContain('2 media thread heap(s) 80 MB (60 MB live) + their buffers 20 MB + rest 230 MB');
  // (500 − 300) MB over 1,000 calls = 204.8 kB; media heaps used (60 − 20) MB / 1,000 = 41.0 kB
  expect(perCall).toContain('RSS 204.8 kB');
  expect(perCall).toContain('media heaps used 41.0 kB');
  expect(perCall).toContain('main heap used 0.0 kB');
});

test('a peak after the busiest moment is described beside it, and per call counts the busiest', () => {
  const [peak, busiest, , perCall] = describeMemory(
    parseMemorySample(exposition(600, 50, 30)),
    parseMemorySample(exposition(500, 1000, 30)),
    parseMemorySample(exposition(300, 0, 10)),
  );
  expect(peak).toContain('highest RSS sample (50 calls up): RSS 600 MB');
  expect(busiest).toContain('most calls up (1000 calls up): RSS 500 MB');
  expect(perCall).toContain('per call up (1000)');
  expect(perCall).toContain('RSS 204.8 kB');
});
