/**
 * What the campaign event stream (api/campaigns/campaign-event-*.ts) reads and writes in
 * PostgreSQL: the journal's finished calls in commit-safe order (by `journal_xid`), the
 * snapshot's oldest running transaction, and the one-time stream tickets
 * (`campaign_event_ticket`, stored as SHA-256 only).
 */
import type { Pool } from './sql.js';

/** A journal row as the stream reads it; `settled`: no running transaction can precede it any more. */
export interface JournalEventRow {
  xid: string;
  id: string;
  attempt_id: string;
  attempt: number;
  phone_e164: string;
  outcome: string;
  sip_code: number | null;
  sip_reason: string | null;
  invite_at: string | Date;
  answer_at: string | Date | null;
  end_at: string | Date;
  talk_ms: number | null;
  opted_out: boolean;
  settled: boolean;
}

/** A stream position as parameters: the transaction id and the row id within it. */
export type JournalPosition = readonly [xid: string, id: string];

/**
 * The campaign's calls whose end reason is not `inProgress`, after `after` (and up to
 * `upTo`), in (journal_xid, id) order, `limit` at most. A row whose transaction id is not
 * below the oldest running transaction (`pg_snapshot_xmin`) is not `settled`: an older
 * transaction may still commit a row before it.
 */
export async function journalRowsAfter(
  pool: Pool,
  query: {
    campaignId: string;
    after: JournalPosition;
    inProgress: string;
    limit: number;
    upTo?: JournalPosition;
  },
): Promise<JournalEventRow[]> {
  const params: unknown[] = [query.campaignId, ...query.after, query.inProgress, query.limit];
  let bound = '';
  if (query.upTo) {
    params.push(...query.upTo);
    bound = 'AND (r.journal_xid, r.id) <= ($6::xid8, $7::uuid)';
  }
  const { rows } = await pool.query<JournalEventRow>(
    `SELECT r.journal_xid::text AS xid, r.id, r.attempt_id, r.attempt, r.phone_e164, r.outcome, r.sip_code,
       r.sip_reason, r.invite_at, r.answer_at, r.end_at, r.talk_ms, r.opted_out,
       r.journal_xid < pg_snapshot_xmin(pg_current_snapshot()) AS settled
     FROM call_record r
     WHERE r.campaign_id = $1 AND (r.journal_xid, r.id) > ($2::xid8, $3::uuid) AND r.end_reason <> $4 ${bound}
     ORDER BY r.journal_xid, r.id
     LIMIT $5`,
    params,
  );
  return rows;
}

/** The oldest transaction still running, as text. */
export async function snapshotXmin(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ xmin: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin');
  return rows[0].xmin;
}

/** A ticket's row; spent-by-expiry tickets go with each new one (the table holds seconds' worth of them). */
export async function insertEventTicket(
  pool: Pool,
  ticket: { hash: string; campaignId: string; userId: string; principal: string; ttlSeconds: number },
): Promise<string | Date> {
  const { rows } = await pool.query<{ expires_at: string | Date }>(
    `WITH purged AS (DELETE FROM campaign_event_ticket WHERE expires_at < now())
     INSERT INTO campaign_event_ticket (ticket_hash, campaign_id, user_id, principal, expires_at)
     VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) RETURNING expires_at`,
    [ticket.hash, ticket.campaignId, ticket.userId, ticket.principal, ticket.ttlSeconds],
  );
  return rows[0].expires_at;
}

/** Deletes the ticket (spending it, whatever it was for) and answers what it held. */
export async function takeEventTicket<P>(
  pool: Pool,
  hash: string,
): Promise<{ principal: P; campaign_id: string; live: boolean } | undefined> {
  const { rows } = await pool.query<{ principal: P; campaign_id: string; live: boolean }>(
    `DELETE FROM campaign_event_ticket WHERE ticket_hash = $1
     RETURNING principal, campaign_id::text AS campaign_id, expires_at > now() AS live`,
    [hash],
  );
  return rows[0];
}
