/**
 * AUDIT_RETENTION_DAYS: entries older than that are deleted by the API's housekeeping (at
 * start-up and every ten minutes), oldest first, in batches, so that a first sweep over a
 * large backlog never holds one long transaction or locks many rows at once. Every API
 * replica sweeps; the deletes are idempotent, so two at once only share the work.
 */
import { deleteAuditEntriesBefore } from '../../db/audit-entries.js';
import type { Pool } from '../../db/sql.js';

const BATCH = 5000;

/** Deletes the entries created before `now - days`; returns how many. `days` 0 deletes nothing. */
export async function purgeOldAuditEntries(pool: Pool, days: number, now = new Date()): Promise<number> {
  if (days <= 0) return 0;
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  let total = 0;
  for (;;) {
    const deleted = await deleteAuditEntriesBefore(pool, cutoff, BATCH);
    total += deleted;
    if (deleted < BATCH) return total;
  }
}
