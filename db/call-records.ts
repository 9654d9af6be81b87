/**
 * `call_record`, the call journal, in SQL. Its rows are written by the journal
 * (activities/call-journal.ts, api/calls/journal-ingest.service.ts) and read by the calls API
 * (api/calls/); those statements are still with them (db/README.md, "Not moved yet"). Here:
 * the recording's final state once its upload ended (activities/recording-outbox.ts), and the
 * rows a campaign's cancel writes for attempts claimed but never placed.
 */
import { insertColumns, type PoolClient } from './sql.js';

/**
 * The recording of a call whose upload ended: `stored`, or `lost` with the reason (and no key
 * any more). Only a recording still `pending` changes; false when it was not.
 */
export async function settleRecording(
  client: PoolClient,
  callId: string,
  state: 'stored' | 'lost',
  error: string | null,
): Promise<boolean> {
  const { rowCount } = await client.query(
    `UPDATE call_record SET recording_state = $2, recording_error = $3,
       recording_key = CASE WHEN $2 = 'lost' THEN NULL ELSE recording_key END
     WHERE id = $1 AND recording_state = 'pending'`,
    [callId, state, error],
  );
  return (rowCount ?? 0) > 0;
}

/** The journal row of an attempt claimed but never placed, from its contact `c` and campaign `k`. */
const CANCELLED_ROW = insertColumns({
  id: 'gen_random_uuid()',
  owner_id: 'k.owner_id',
  campaign_id: 'k.id',
  campaign_contact_id: 'c.id',
  attempt_id: "c.id || ':' || c.attempts",
  attempt: 'c.attempts',
  phone_e164: 'c.phone_e164',
  trunk_id: 'k.trunk_id',
  invite_at: 'now()',
  end_at: 'now()',
  outcome: "'cancelled'",
  end_reason: '$2',
  dtmf: "'[]'",
  created_at: 'now()',
});

/**
 * A journal row (outcome `cancelled`, `endReason`) for each contact of the campaign still in
 * flight whose attempt has none; returns the rows written.
 */
export async function journalCancelledInFlight(
  client: PoolClient,
  campaignId: string,
  endReason: string,
): Promise<{ owner_id: string; attempt_id: string }[]> {
  const { rows } = await client.query<{ owner_id: string; attempt_id: string }>(
    `INSERT INTO call_record (${CANCELLED_ROW.names})
     SELECT ${CANCELLED_ROW.values}
     FROM campaign_contact c JOIN campaign k ON k.id = c.campaign_id
     WHERE c.campaign_id = $1 AND c.state = 'in_flight'
     ON CONFLICT (attempt_id) DO NOTHING
     RETURNING owner_id, attempt_id`,
    [campaignId, endReason],
  );
  return rows;
}
