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
  /** The campaign's contact called (its variables show in the journal); with `attempt`, attempt_id `<contact>:<attempt>`. */
  readonly campaignContactId?: number;
  readonly attempt?: number;
  /** Default: the usual reason of the outcome's SIP code. */
  readonly sipReason?: string;
}

/** Inserts the rows in one statement; returns their ids in the order given. */
export async function insertCalls(db: Pool, seeds: readonly JournalSeed[]): Promise<string[]> {
  const ids = seeds.map(() => randomUUID());
  const column = <T>(f: (s: JournalSeed, i: number) => T) => seeds.map(f);
  await db.query(
    `INSERT INTO call_record (id, owner_id, campaign_id, campaign_contact_id, attempt_id, attempt, phone_e164, invite_at, answer_at, end_at,
       outcome, sip_code, sip_reason, hung_up_by, end_reason, talk_ms, codec, rtp, dtmf, recording_key, recording_private,
       tags, recording_state, created_at)
     SELECT s.id, s.owner_id, s.campaign_id, s.contact_id,
       CASE WHEN s.contact_id IS NULL THEN s.id::text ELSE s.contact_id || ':' || s.attempt END, s.attempt, s.phone,
       coalesce(s.invite_at, now()),
       CASE WHEN s.outcome = 'answered' THEN coalesce(s.invite_at, now()) + interval '2 seconds' END,
       coalesce(s.invite_at, now()) + interval '12 seconds', s.outcome,
       CASE s.outcome WHEN 'answered' THEN 200 WHEN 'busy' THEN 486 ELSE 487 END,
       coalesce(s.sip_reason,
         CASE s.outcome WHEN 'answered' THEN 'OK' WHEN 'busy' THEN 'Busy Here' ELSE 'Request Terminated' END),
       CASE WHEN s.outcome = 'answered' THEN 'them' END, 'seeded',
       CASE WHEN s.outcome = 'answered' THEN 10000 END,
       CASE WHEN s.outcome = 'answered' THEN 'PCMA' END,
       CASE WHEN s.outcome = 'answered'
         THEN '{"packetsSent":500,"octetsSent":80000,"packetsReceived":498,"packetsLost":2,"jitterMs":1.5}'::jsonb END,
       CASE WHEN s.outcome = 'answered' THEN '[{"digit":"1","atMs":3000,"durationMs":120,"source":"rfc4733"}]'::jsonb
         ELSE '[]'::jsonb END,
       s.recording_key, s.recording_private, ARRAY(SELECT jsonb_array_elements_text(s.tags)), s.recording_state, now()
     FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[], $6::text[], $7::text[],
       $8::boolean[], $9::jsonb[], $10::text[], $11::bigint[], $12::int[], $13::text[])
       AS s(id, owner_id, campaign_id, phone, invite_at, outcome, recording_key, recording_private, tags, recording_state,
         contact_id, attempt, sip_reason)`,
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
      column((s) => s.campaignContactId ?? null),
      column((s) => s.attempt ?? 1),
      column((s) => s.sipReason ?? null),
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

export interface ContactSeed {
  readonly line: number;
  readonly phone: string;
  readonly variables: Record<string, string>;
  readonly state?: 'pending' | 'in_flight' | 'waiting' | 'done' | 'cancelled';
  readonly attempts?: number;
  readonly finalOutcome?: string | null;
}

/** A campaign's contacts (`campaign_contact`, as a campaign start copies them); returns their ids in the order given. */
export async function insertContacts(db: Pool, campaignId: string, seeds: readonly ContactSeed[]): Promise<number[]> {
  const { rows } = await db.query<{ id: string; line: number }>(
    `INSERT INTO campaign_contact (campaign_id, line, phone_e164, variables, state, attempts, final_outcome,
       next_attempt_at, updated_at)
     SELECT $1, s.line, s.phone, s.variables, s.state, s.attempts, s.final_outcome, now(), now()
     FROM unnest($2::int[], $3::text[], $4::jsonb[], $5::text[], $6::int[], $7::text[])
       AS s(line, phone, variables, state, attempts, final_outcome)
     RETURNING id, line`,
    [
      campaignId,
      seeds.map((s) => s.line),
      seeds.map((s) => s.phone),
      seeds.map((s) => JSON.stringify(s.variables)),
      seeds.map((s) => s.state ?? 'pending'),
      seeds.map((s) => s.attempts ?? 0),
      seeds.map((s) => s.finalOutcome ?? null),
    ],
  );
  const byLine = new Map(rows.map((r) => [r.line, Number(r.id)]));
  return seeds.map((s) => byLine.get(s.line) as number);
}
