/**
 * Keyset paging: over (createdAt, id), newest first, for the lists that page that way, and
 * {@link keysetPage} for every list (the others have cursors of their own).
 */
import type { EntityManager, EntityName, OrderDefinition } from '@mikro-orm/postgresql';
import { ValidationError } from '../lib/errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids that are not UUIDs cannot exist; checking first keeps PostgreSQL from raising a cast error. */
export const isUuid = (value: string): boolean => UUID.test(value);

/** The cursor after `row`: opaque to clients. */
export function encodeCursor(row: { readonly createdAt: Date; readonly id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

/** Reads a cursor made by {@link encodeCursor}; anything else is a 422 naming `field`. */
export function decodeCursor(
  cursor: string,
  field = 'after',
  isId: (id: string) => boolean = isUuid,
): { createdAt: Date; id: string } {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(time ?? '');
  if (!id || !isId(id) || Number.isNaN(createdAt.getTime())) {
    throw new ValidationError([{ field, message: 'not a cursor from a previous page' }]);
  }
  return { createdAt, id };
}

/** The MikroORM filter for the rows after `after` in (createdAt desc, id desc) order. */
export function afterCursor(after: string | undefined, isId: (id: string) => boolean = isUuid): object {
  if (after === undefined) return {};
  const cursor = decodeCursor(after, 'after', isId);
  return { $or: [{ createdAt: { $lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { $lt: cursor.id } }] };
}

/**
 * One page from the `limit + 1` rows a list fetched: at most `limit` items, and when the
 * extra row came back, the cursor after the last item shown.
 */
export function keysetPage<Row, View>(
  rows: readonly Row[],
  limit: number,
  view: (row: Row) => View,
  cursorOf: (row: Row) => string,
): { items: View[]; nextCursor?: string } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(view),
    ...(rows.length > limit && last !== undefined ? { nextCursor: cursorOf(last) } : {}),
  };
}

/**
 * One page of a list ordered newest first, (createdAt, id) desc: the rows of `entity`
 * matching `where` after the cursor `after` (ids checked with `isId`), as {@link keysetPage}.
 */
export async function newestFirstPage<Row extends { readonly createdAt: Date; readonly id: string }, View>(
  em: EntityManager,
  entity: EntityName<Row>,
  where: object,
  page: { readonly limit: number; readonly after?: string; readonly isId?: (id: string) => boolean },
  view: (row: Row) => View,
): Promise<{ items: View[]; nextCursor?: string }> {
  const rows = await em.fork().find(
    entity,
    { ...where, ...afterCursor(page.after, page.isId) },
    {
      // Row's keys, which TypeScript cannot see through the generic.
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] as unknown as OrderDefinition<Row>,
      limit: page.limit + 1,
    },
  );
  return keysetPage(rows as Row[], page.limit, view, encodeCursor);
}
