/**
 * Positions in a campaign's event stream, as its `id:` lines carry them and `Last-Event-ID`
 * sends them back: `<xid>.<uuid>` is just after the journal row `(journal_xid, id)`, a bare
 * `<xid>` is before every row written by transaction `xid` or a later one (`0`: the start).
 *
 * Why transaction ids and not `created_at`: rows commit out of the order in which they are
 * stamped (a transaction stamps its row, then waits for a lock), so a reader that passed a
 * timestamp could later find a row behind it. The feed hands out only rows below the oldest
 * transaction still running (`pg_snapshot_xmin`): every transaction before that has finished,
 * so no row can turn up behind a position once it has been handed out. Pure.
 */

export interface EventCursor {
  /** `journal_xid` (xid8, a 64-bit counter), decimal. */
  readonly xid: string;
  /** The row's id; undefined: before every row of transaction `xid`. */
  readonly id?: string;
}

/** The start of every campaign's stream. */
export const STREAM_START: EventCursor = { xid: '0' };

const CURSOR = /^(0|[1-9][0-9]{0,19})(?:\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))?$/;

/** The cursor of `text`, or undefined when it is not one (a client's `Last-Event-ID` is not trusted). */
export function parseCursor(text: string): EventCursor | undefined {
  const match = CURSOR.exec(text.trim());
  if (!match || BigInt(match[1]) > 0xffff_ffff_ffff_ffffn) return undefined;
  return match[2] === undefined ? { xid: match[1] } : { xid: match[1], id: match[2] };
}

export function formatCursor(cursor: EventCursor): string {
  return cursor.id === undefined ? cursor.xid : `${cursor.xid}.${cursor.id}`;
}

/** Negative, zero or positive as `a` is before, at or after `b` (a bare xid sorts before that xid's rows). */
export function compareCursors(a: EventCursor, b: EventCursor): number {
  const x = BigInt(a.xid) - BigInt(b.xid);
  if (x !== 0n) return x < 0n ? -1 : 1;
  if (a.id === b.id) return 0;
  if (a.id === undefined) return -1;
  if (b.id === undefined) return 1;
  return a.id < b.id ? -1 : 1;
}

/**
 * The SQL bounds of `cursor` as `(journal_xid, id) > ($xid, $id)`: a bare xid is before the nil
 * uuid, which no row has (ids are random v4 uuids), so the nil uuid stands in for "before all".
 */
export function cursorParams(cursor: EventCursor): [string, string] {
  return [cursor.xid, cursor.id ?? '00000000-0000-0000-0000-000000000000'];
}
