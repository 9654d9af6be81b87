/**
 * `call_record`, the call journal, in SQL. Its rows are written by the journal
 * (activities/call-journal.ts, api/calls/journal-ingest.service.ts) and read by the calls API
 * (api/calls/); those statements are still with them (db/README.md, "Not moved yet"). Here:
 * the recording's final state once its upload ended (activities/recording-outbox.ts).
 */
import type { PoolClient } from './sql.js';

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
