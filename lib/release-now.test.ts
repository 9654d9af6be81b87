import { releaseNow } from './release-now';

test('a buffer of its own is released: every view of it is empty afterwards', () => {
  const own = new Uint8Array(600_000).fill(7);
  const other = new Int16Array(own.buffer);
  expect(releaseNow(own)).toBe(true);
  expect(own.buffer.detached).toBe(true);
  expect([own.length, other.length]).toEqual([0, 0]);
  // Twice is harmless.
  expect(releaseNow(own)).toBe(false);
});

test("a slice of Node's shared pool or of a larger buffer is left alone", () => {
  const pooled = Buffer.from('a small buffer from the shared slab');
  const neighbour = Buffer.from('its neighbour in the same slab');
  expect(pooled.buffer).toBe(neighbour.buffer); // the premise: they share a slab
  expect(releaseNow(pooled)).toBe(false);
  expect([pooled.toString(), neighbour.toString()]).toEqual([
    'a small buffer from the shared slab',
    'its neighbour in the same slab',
  ]);
  const whole = new Uint8Array(1000).fill(1);
  const part = whole.subarray(0, 500);
  expect(releaseNow(part)).toBe(false);
  expect(whole.length).toBe(1000);
  // A large Buffer has a store of its own: released.
  expect(releaseNow(Buffer.alloc(300_000))).toBe(true);
});

test('a view over a SharedArrayBuffer is never detached', () => {
  const shared = new Uint8Array(new SharedArrayBuffer(1024));
  expect(releaseNow(shared)).toBe(false);
  expect(shared.length).toBe(1024);
});
