/**
 * Call journal rows written with SQL, as activities/call-journal.ts writes them, for the
 * tests of the calls API that need many rows or exact times; and a bare campaign row to
 * point them at. Times are given as text so that microseconds survive.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

export interface JournalSeed {
  readonly ownerId: string;
  readonly phone: string;
  /** PostgreSQL timestamptz text, e.g. `2026-12-01T09:00:00.123456Z`; default now(). */
  readonly inviteAt?: string;
  readonly outcome?: string;
  readonly campaignId?: string | null;
  readonly recordingKey?: string | null;
  /** Default: `stored` with a key, `none` without. */
  readonly recordingState?: 'none' | 'pending' | 'stored' | 'lost';
  readonly recordingPrivate?: boolean;
  readonly tags?: readonly string[];
}

/** Inserts the rows in one statement; returns their ids in the order given. */
export async function insertCalls(db: Pool, seeds: readonly JournalSeed[]): Promise<string[]> {
  const ids = seeds.map(() => randomUUID());
  const column = <T>(f: (s: JournalSeed, i: number) => T) => seeds.map(f);
  await db.query(
    `INSERT INTO call_record (id, owner_id, campaign_id, attempt_id, attempt, phone_e164, invite_at, answer_at, end_at,
       outcome, sip_code, sip_reason, hung_up_by, end_reason, talk_ms, codec, rtp, dtmf, recording_key, recording_private,
       tags, recording_state, created_at)
     SELECT s.id, s.owner_id, s.campaign_id, s.id::text, 1, s.phone, coalesce(s.invite_at, now()),
       CASE WHEN s.outcome = 'answered' THEN coalesce(s.invite_at, now()) + interval '2 seconds' END,
       coalesce(s.invite_at, now()) + interval '12 seconds', s.outcome,
       CASE s.outcome WHEN 'answered' THEN 200 WHEN 'busy' THEN 486 ELSE 487 END,
       CASE s.outcome WHEN 'answered' THEN 'OK' WHEN 'busy' THEN 'Busy Here' ELSE 'Request Terminated' END,
       CASE WHEN s.outcome = 'answered' THEN 'them' END, 'seeded',
       CASE WHEN s.outcome = 'answered' THEN 10000 END,
       CASE WHEN s.outcome = 'answered' THEN 'PCMA' END,
       CASE WHEN s.outcome = 'answered'
         THEN '{"packetsSent":500,"octetsSent":80000,"packetsReceived":498,"packetsLost":2,"jitterMs":1.5}'::jsonb END,
       CASE WHEN s.outcome = 'answered' THEN '[{"digit":"1","atMs":3000,"durationMs":120,"source":"rfc4733"}]'::jsonb
         ELSE '[]'::jsonb END,
       s.recording_key, s.recording_private, ARRAY(SELECT jsonb_array_elements_text(s.tags)), s.recording_state, now()
     FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[], $6::text[], $7::text[],
       $8::boolean[], $9::jsonb[], $10::text[])
       AS s(id, owner_id, campaign_id, phone, invite_at, outcome, recording_key, recording_private, tags, recording_state)`,
    [
      ids,
      column((s) => s.ownerId),
      column((s) => s.campaignId ?? null),
      column((s) => s.phone),
      column((s) => s.inviteAt ?? null),
      column((s) => s.outcome ?? 'answered'),
      column((s) => s.recordingKey ?? null),
      column((s) => s.recordingPrivate ?? false),
      column((s) => JSON.stringify(s.tags ?? [])),
      column((s) => s.recordingState ?? (s.recordingKey ? 'stored' : 'none')),
    ],
  );
  return ids;
}

/** A campaign row without trunk, audio or list (as after they were deleted): enough to file calls under. */
export async function insertBareCampaign(db: Pool, ownerId: string): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO campaign (id, owner_id, name, status, max_concurrent_calls, calls_per_second, max_attempts,
       retry_delay_seconds, retry_on, ring_timeout_seconds, max_call_seconds, created_at, updated_at)
     VALUES ($1, $2, $3, 'completed', 1, 1, 1, 60, '{}', 30, 300, now(), now())`,
    [id, ownerId, `journal ${id}`],
  );
  return id;
}
