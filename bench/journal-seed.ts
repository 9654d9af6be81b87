/**
 * Bulk journal rows for `make bench-journal`, made inside PostgreSQL with generate_series
 * (nothing crosses the wire): the table's indexes and constraints are dropped for the load
 * and rebuilt after it from their own definitions, as a bulk load should, so the
 * benchmark measures exactly the schema the migrations made.
 */
import type { Client } from 'pg';

/** One owner's share of the journal. */
export interface OwnerRows {
  readonly ownerId: string;
  readonly rows: number;
  /** Distinct numbers the owner calls (each about rows / phones times). */
  readonly phones: number;
  /** Owner-specific first digits, so that owners share no numbers. */
  readonly phonePrefix: string;
  readonly campaignIds: readonly string[];
}

/** The journal spans this many days up to now. */
export const SPAN_DAYS = 365;

/** The E.164 number `n` (0-based) of an owner: what {@link seedJournal} writes. */
export const phoneOf = (owner: Pick<OwnerRows, 'phonePrefix'>, n: number): string =>
  `${owner.phonePrefix}${String(n).padStart(7, '0')}`;

const CHUNK = 1_000_000;

/**
 * Outcomes with the weights of a typical broadcast (cumulative thresholds of random()),
 * SIP codes to match; an answered call talks 5–65 s and has a recording.
 */
const INSERT = `
INSERT INTO call_record (id, owner_id, campaign_id, campaign_contact_id, attempt_id, attempt, phone_e164, trunk_id,
  invite_at, ringing_at, answer_at, end_at, outcome, sip_code, sip_reason, hung_up_by, end_reason, talk_ms, codec,
  rtp, dtmf, recording_key, recording_private, tags, created_at, recording_state)
SELECT gen_random_uuid(), $1::uuid, ($6::uuid[])[1 + (g % cardinality($6::uuid[]))], g, $2 || ':' || g, 1 + (g % 3),
  $3 || lpad(((g::bigint * 7919) % $4)::text, 7, '0'), NULL,
  t.invite, t.invite + interval '1 second', CASE WHEN o.outcome = 'answered' THEN t.invite + interval '4 seconds' END,
  t.invite + CASE WHEN o.outcome = 'answered' THEN interval '4 seconds' + t.talk ELSE interval '20 seconds' END,
  o.outcome, o.code, o.reason, CASE WHEN o.outcome = 'answered' THEN 'them' END, 'bench',
  CASE WHEN o.outcome = 'answered' THEN (extract(epoch FROM t.talk) * 1000)::int END,
  CASE WHEN o.outcome = 'answered' THEN 'PCMA' END,
  CASE WHEN o.outcome = 'answered'
    THEN '{"packetsSent":1500,"octetsSent":240000,"packetsReceived":1497,"packetsLost":3,"jitterMs":2.1}'::jsonb END,
  '[]'::jsonb, CASE WHEN o.outcome = 'answered' THEN 'bench/' || $2 || '/' || g || '.wav' END, false, '{}', t.invite,
  CASE WHEN o.outcome = 'answered' THEN 'stored' ELSE 'none' END
FROM generate_series($5::bigint, $7::bigint) AS g
CROSS JOIN LATERAL (SELECT now() - interval '${SPAN_DAYS} days' + (g::float8 / $8) * interval '${SPAN_DAYS} days'
  + random() * interval '10 seconds' AS invite, random() * interval '60 seconds' + interval '5 seconds' AS talk) AS t
CROSS JOIN LATERAL (SELECT r, CASE WHEN r < 0.55 THEN 'answered' WHEN r < 0.75 THEN 'no_answer' WHEN r < 0.87 THEN 'busy'
  WHEN r < 0.92 THEN 'unavailable' WHEN r < 0.95 THEN 'rejected' WHEN r < 0.98 THEN 'invalid_number' ELSE 'failed' END
  AS outcome FROM (SELECT random() + g * 0 AS r) AS x) AS r0
CROSS JOIN LATERAL (SELECT r0.outcome, CASE r0.outcome WHEN 'answered' THEN 200 WHEN 'no_answer' THEN 487
  WHEN 'busy' THEN 486 WHEN 'unavailable' THEN 503 WHEN 'rejected' THEN 603 WHEN 'invalid_number' THEN 404
  ELSE 488 END AS code, CASE r0.outcome WHEN 'answered' THEN 'OK' WHEN 'busy' THEN 'Busy Here' ELSE 'Other' END AS reason) AS o`;

interface Definitions {
  readonly constraints: { name: string; definition: string }[];
  /** Foreign keys of other tables to the journal (e.g. a blocklist entry's opt-out call). */
  readonly references: { table: string; name: string; definition: string }[];
  readonly indexes: string[];
}

async function definitions(db: Client): Promise<Definitions> {
  const constraints = await db.query<{ name: string; definition: string }>(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
     WHERE conrelid = 'call_record'::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype DESC`,
  );
  const indexes = await db.query<{ indexdef: string }>(
    `SELECT indexdef FROM pg_indexes i WHERE tablename = 'call_record'
     AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
  );
  const references = await db.query<{ table: string; name: string; definition: string }>(
    `SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS definition
     FROM pg_constraint WHERE confrelid = 'call_record'::regclass AND contype = 'f'`,
  );
  return {
    constraints: constraints.rows,
    references: references.rows,
    indexes: indexes.rows.map((r) => r.indexdef),
  };
}

/**
 * Writes every owner's rows, then rebuilds indexes and constraints, VACUUMs and ANALYZEs. `log`
 * gets progress lines. Returns the seconds spent loading and indexing.
 */
export async function seedJournal(
  db: Client,
  owners: readonly OwnerRows[],
  log: (line: string) => void,
): Promise<{ loadSeconds: number; indexSeconds: number }> {
  const defs = await definitions(db);
  await db.query(`SET maintenance_work_mem = '512MB'`);
  for (const r of defs.references) await db.query(`ALTER TABLE ${r.table} DROP CONSTRAINT ${r.name}`);
  for (const c of defs.constraints) await db.query(`ALTER TABLE call_record DROP CONSTRAINT ${c.name}`);
  for (const index of defs.indexes) {
    const name = /INDEX (\S+) ON/.exec(index)?.[1];
    if (name) await db.query(`DROP INDEX ${name}`);
  }
  const loadStarted = performance.now();
  for (const owner of owners) {
    for (let first = 1; first <= owner.rows; first += CHUNK) {
      const last = Math.min(owner.rows, first + CHUNK - 1);
      await db.query(INSERT, [
        owner.ownerId,
        owner.ownerId.slice(0, 8),
        owner.phonePrefix,
        owner.phones,
        first,
        owner.campaignIds,
        last,
        owner.rows,
      ]);
      log(
        `    ${owner.ownerId.slice(0, 8)}: ${last.toLocaleString('en-US')} of ${owner.rows.toLocaleString('en-US')} rows`,
      );
    }
  }
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const indexStarted = performance.now();
  for (const c of [...defs.constraints].reverse()) {
    await db.query(`ALTER TABLE call_record ADD CONSTRAINT ${c.name} ${c.definition}`);
  }
  for (const index of defs.indexes) await db.query(index);
  for (const r of defs.references) await db.query(`ALTER TABLE ${r.table} ADD CONSTRAINT ${r.name} ${r.definition}`);
  // VACUUM too: the state of a table in service, and no autovacuum of 10M fresh rows during the measurement.
  await db.query('VACUUM (ANALYZE) call_record');
  return { loadSeconds, indexSeconds: (performance.now() - indexStarted) / 1000 };
}
