/**
 * What the campaign event stream reads from PostgreSQL: the journal rows after a position, in
 * commit-safe order (api/campaigns/event-cursor.ts), and the campaign's status.
 */
import { IN_PROGRESS } from '../../campaign/journal-codes.js';
import type { Pool } from '../../db/sql.js';
import { cursorParams, type EventCursor } from './event-cursor.js';

/** A call's outcome as the `outcome` event carries it (a journal row, `GET /calls/{callId}` has all of it). */
export interface CallOutcomeEvent {
  readonly callId: string;
  readonly attemptId: string;
  readonly attempt: number;
  readonly phone: string;
  readonly outcome: string;
  readonly sipCode: number | null;
  readonly sipReason: string | null;
  readonly inviteAt: string;
  readonly answerAt: string | null;
  readonly endAt: string;
  readonly talkMs: number | null;
  readonly optedOut: boolean;
}

export interface JournalEvent {
  readonly cursor: EventCursor;
  readonly call: CallOutcomeEvent;
}

export interface JournalPage {
  /** Rows no running transaction can precede any more, in order. */
  readonly events: JournalEvent[];
  /** Rows are committed after the position that cannot be handed out yet (an older transaction still runs). */
  readonly held: boolean;
  /** The page was full: more may follow at once. */
  readonly full: boolean;
}

interface Row {
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

// The ORM's pool returns timestamps as text.
const iso = (value: string | Date): string => new Date(value).toISOString();

/**
 * The campaign's finished calls after `after` (and up to `upTo`), `limit` at most. A row whose
 * transaction id is not below the oldest running transaction (`pg_snapshot_xmin`) is held:
 * an older transaction may still commit a row before it.
 */
export async function journalAfter(
  pool: Pool,
  campaignId: string,
  after: EventCursor,
  limit: number,
  upTo?: EventCursor,
): Promise<JournalPage> {
  const [xid, id] = cursorParams(after);
  const params: unknown[] = [campaignId, xid, id, IN_PROGRESS, limit];
  let bound = '';
  if (upTo) {
    params.push(...cursorParams(upTo));
    bound = 'AND (r.journal_xid, r.id) <= ($6::xid8, $7::uuid)';
  }
  const { rows } = await pool.query<Row>(
    `SELECT r.journal_xid::text AS xid, r.id, r.attempt_id, r.attempt, r.phone_e164, r.outcome, r.sip_code,
       r.sip_reason, r.invite_at, r.answer_at, r.end_at, r.talk_ms, r.opted_out,
       r.journal_xid < pg_snapshot_xmin(pg_current_snapshot()) AS settled
     FROM call_record r
     WHERE r.campaign_id = $1 AND (r.journal_xid, r.id) > ($2::xid8, $3::uuid) AND r.end_reason <> $4 ${bound}
     ORDER BY r.journal_xid, r.id
     LIMIT $5`,
    params,
  );
  const settled = rows.filter((r) => r.settled);
  return {
    events: settled.map((r) => ({
      cursor: { xid: r.xid, id: r.id },
      call: {
        callId: r.id,
        attemptId: r.attempt_id,
        attempt: r.attempt,
        phone: r.phone_e164,
        outcome: r.outcome,
        sipCode: r.sip_code,
        sipReason: r.sip_reason,
        inviteAt: iso(r.invite_at),
        answerAt: r.answer_at === null ? null : iso(r.answer_at),
        endAt: iso(r.end_at),
        talkMs: r.talk_ms,
        optedOut: r.opted_out,
      },
    })),
    held: settled.length < rows.length,
    full: rows.length === limit,
  };
}

/** The position before every row not written yet: the oldest transaction still running. */
export async function streamHead(pool: Pool): Promise<EventCursor> {
  const { rows } = await pool.query<{ xmin: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin');
  return { xid: rows[0].xmin };
}

/** The campaign's status, or undefined when it has been deleted. */
export async function campaignStatus(pool: Pool, campaignId: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ status: string }>('SELECT status FROM campaign WHERE id = $1', [campaignId]);
  return rows[0]?.status;
}
