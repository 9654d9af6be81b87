/**
 * Frees a large buffer's memory at once instead of at the main thread's next garbage
 * collection. An ArrayBuffer's store is freed only when V8 collects the object that owns it;
 * with the event loop saturated that can be seconds after the last use, and recordings of
 * ended calls (517 kB for 30 s) pile up meanwhile (`make bench-scale`, two-way audio).
 * Detaching the buffer (ES2024 `ArrayBuffer.prototype.transfer`) drops its store now.
 *
 * Only a view that is the whole of an ArrayBuffer of its own is released: never a slice of
 * Node's shared Buffer pool (small Buffers share 8 kB slabs) or of a larger buffer, whose
 * other parts may still be in use. Every view of a released buffer reads as empty afterwards.
 */
export function releaseNow(view: ArrayBufferView): boolean {
  const { buffer } = view;
  if (!(buffer instanceof ArrayBuffer) || buffer.detached) return false;
  if (view.byteOffset !== 0 || view.byteLength !== buffer.byteLength) return false;
  buffer.transfer(0);
  return true;
}
