/**
 * `audit_entry`: the audit log's writes (api/audit/audit-recorder.ts, one row per changing
 * request) and its retention sweep. Reads go through the `AuditEntry` entity
 * (api/audit/audit.service.ts).
 */
import type { AuditOutcome, Role } from './entities/index.js';
import { insertColumns, type Pool } from './sql.js';

/** One audit row as stored; strings already cut to their columns. */
export interface AuditRow {
  readonly action: string;
  readonly route: string;
  readonly targetType: string;
  readonly targetId: string | null;
  readonly actorUserId: string;
  readonly actorUsername: string;
  readonly actorClientId: string | null;
  readonly actorRole: Role;
  readonly ip: string | null;
  readonly requestId: string | null;
  readonly status: number;
  readonly outcome: AuditOutcome;
  /** JSON text, or null. */
  readonly changes: string | null;
}

const INSERT = insertColumns({
  id: 'gen_random_uuid()',
  created_at: '$1',
  action: '$2',
  route: '$3',
  target_type: '$4',
  target_id: '$5',
  actor_user_id: '$6',
  actor_username: '$7',
  actor_client_id: '$8',
  actor_role: '$9',
  ip: '$10',
  request_id: '$11',
  status: '$12',
  outcome: '$13',
  changes: '$14::jsonb',
});

export async function insertAuditEntry(pool: Pool, r: AuditRow): Promise<void> {
  await pool.query(`INSERT INTO audit_entry (${INSERT.names}) VALUES (${INSERT.values})`, [
    new Date(),
    r.action,
    r.route,
    r.targetType,
    r.targetId,
    r.actorUserId,
    r.actorUsername,
    r.actorClientId,
    r.actorRole,
    r.ip,
    r.requestId,
    r.status,
    r.outcome,
    r.changes,
  ]);
}

/**
 * Deletes up to `batch` of the oldest entries created before `cutoff`; returns how many. A
 * batch at a time, so a sweep over a large backlog never holds one long transaction.
 */
export async function deleteAuditEntriesBefore(pool: Pool, cutoff: Date, batch: number): Promise<number> {
  const { rowCount } = await pool.query(
    `WITH doomed AS (SELECT id FROM audit_entry WHERE created_at < $1 ORDER BY created_at LIMIT $2)
     DELETE FROM audit_entry a USING doomed WHERE a.id = doomed.id`,
    [cutoff, batch],
  );
  return rowCount ?? 0;
}
