/**
 * What the campaign event stream reads from PostgreSQL: the journal rows after a position, in
 * commit-safe order (api/campaigns/event-cursor.ts), and the campaign's status. The
 * statements are db/campaign-events.ts.
 */
import { IN_PROGRESS } from '../../campaign/journal-codes.js';
import { journalRowsAfter, snapshotXmin } from '../../db/campaign-events.js';
import { selectCampaignStatus } from '../../db/campaigns.js';
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
  const rows = await journalRowsAfter(pool, {
    campaignId,
    after: cursorParams(after),
    inProgress: IN_PROGRESS,
    limit,
    ...(upTo ? { upTo: cursorParams(upTo) } : {}),
  });
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
  return { xid: await snapshotXmin(pool) };
}

/** The campaign's status, or undefined when it has been deleted. */
export async function campaignStatus(pool: Pool, campaignId: string): Promise<string | undefined> {
  return selectCampaignStatus(pool, campaignId);
}
