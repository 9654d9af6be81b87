/**
 * HTTP Range for downloads (RFC 9110 §14): one byte range is served as 206; a range that
 * starts past the end is 416; anything else (no header, another unit, several ranges, a
 * malformed one) is ignored and the whole file is served, as the RFC allows. Pure.
 */

/** What to send of a file of `size` bytes; `start` and `end` are inclusive offsets. */
export type RangeDecision =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

const SPEC = /^(\d*)-(\d*)$/;
/** The unit, anchored and with no open-ended group, so a header of 16 KB of spaces is linear (F32). */
const BYTES_UNIT = /^bytes\s*=/i;

export function decideRange(header: string | undefined, size: number): RangeDecision {
  const full = { kind: 'full' } as const;
  if (header === undefined) return full;
  const text = header.trim();
  const unit = BYTES_UNIT.exec(text);
  if (!unit) return full;
  const ranges = text.slice(unit[0].length).trim();
  if (!ranges || ranges.includes(',')) return full;
  const spec = SPEC.exec(ranges);
  if (!spec || (spec[1] === '' && spec[2] === '')) return full;
  const [first, last] = [spec[1], spec[2]].map((d) => (d === '' ? undefined : Number(d)));
  if (first === undefined) {
    // Suffix range: the last `last` bytes.
    if (last === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - (last ?? 0)), end: size - 1 };
  }
  if (last !== undefined && last < first) return full;
  if (first >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start: first, end: Math.min(last ?? size - 1, size - 1) };
}
