/**
 * External calls (issue 24) in `call_record`: the SQL of api/calls/journal-ingest.service.ts.
 * A call is stored once per (owner, source, externalId): the insert does nothing on a conflict
 * and the caller reads the row found instead; a recording is recorded with a conditional
 * update (`recording_state = 'none'`), so of two uploads at once one wins.
 */
import type { QueryResultRow } from 'pg';
import { VIEW_COLUMNS } from './call-records.js';
import { insertColumns, type Pool, type PoolClient } from './sql.js';

/** An external call's values as stored (times as the instants given, fields as JSON text). */
export interface ExternalCallValues {
  readonly id: string;
  readonly ownerId: string;
  readonly phoneE164: string;
  readonly startAt: string;
  readonly answerAt: string | null;
  readonly endAt: string;
  readonly outcome: string;
  readonly endReason: string;
  readonly talkMs: number | null;
  readonly tags: readonly string[];
  readonly private: boolean;
  readonly source: string;
  readonly externalId: string;
  readonly direction: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly fieldsJson: string;
  readonly digest: string;
}

const EXTERNAL_CALL = insertColumns({
  id: '$1::uuid',
  owner_id: '$2',
  attempt_id: "'ext:' || $1::text",
  attempt: '1',
  phone_e164: '$3',
  invite_at: '$4::timestamptz',
  answer_at: '$5::timestamptz',
  end_at: '$6::timestamptz',
  outcome: '$7',
  end_reason: '$8',
  talk_ms: '$9',
  dtmf: "'[]'::jsonb",
  tags: '$10::text[]',
  recording_private: '$11',
  source: '$12',
  external_id: '$13',
  direction: '$14',
  from_party: '$15',
  to_party: '$16',
  external_fields: '$17::jsonb',
  external_digest: '$18',
  created_at: 'now()',
});

const INSERT = `INSERT INTO call_record (${EXTERNAL_CALL.names})
  VALUES (${EXTERNAL_CALL.values})
  ON CONFLICT (owner_id, source, external_id) WHERE source IS NOT NULL DO NOTHING
  RETURNING ${VIEW_COLUMNS}`;

/** Stores the call, in the caller's transaction; its row (VIEW_COLUMNS), or undefined when it was stored already. */
export async function insertExternalCall<R extends QueryResultRow>(
  client: PoolClient,
  call: ExternalCallValues,
): Promise<R | undefined> {
  const { rows } = await client.query<R>(INSERT, [
    call.id,
    call.ownerId,
    call.phoneE164,
    call.startAt,
    call.answerAt,
    call.endAt,
    call.outcome,
    call.endReason,
    call.talkMs,
    call.tags,
    call.private,
    call.source,
    call.externalId,
    call.direction,
    call.from,
    call.to,
    call.fieldsJson,
    call.digest,
  ]);
  return rows[0];
}

/** The owner's stored call of this source and external id (VIEW_COLUMNS and its digest). */
export async function selectExternalCall<R extends QueryResultRow>(
  pool: Pool,
  ownerId: string,
  source: string,
  externalId: string,
): Promise<(R & { external_digest: string }) | undefined> {
  const { rows } = await pool.query<R & { external_digest: string }>(
    `SELECT ${VIEW_COLUMNS}, external_digest FROM call_record WHERE owner_id = $1 AND source = $2 AND external_id = $3`,
    [ownerId, source, externalId],
  );
  return rows[0];
}

/** A call as an upload of its recording needs it. */
export interface RecordingTarget {
  owner_id: string;
  source: string | null;
  recording_state: string;
  recording_digest: string | null;
}

export async function selectRecordingTarget(pool: Pool, id: string): Promise<RecordingTarget | undefined> {
  const { rows } = await pool.query<RecordingTarget>(
    'SELECT owner_id, source, recording_state, recording_digest FROM call_record WHERE id = $1',
    [id],
  );
  return rows[0];
}

/** The digest of the call's stored recording (null: none, or no such call). */
export async function selectRecordingDigest(pool: Pool, id: string): Promise<string | null> {
  const { rows } = await pool.query<{ recording_digest: string | null }>(
    'SELECT recording_digest FROM call_record WHERE id = $1',
    [id],
  );
  return rows[0]?.recording_digest ?? null;
}

/** Records the stored recording, in the caller's transaction, unless the call has one already; true when it did. */
export async function storeExternalRecording(
  client: PoolClient,
  id: string,
  key: string,
  digest: string,
): Promise<boolean> {
  const updated = await client.query(
    `UPDATE call_record SET recording_key = $2, recording_state = 'stored', recording_digest = $3
     WHERE id = $1 AND recording_state = 'none'`,
    [id, key, digest],
  );
  return updated.rowCount === 1;
}
