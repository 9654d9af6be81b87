/**
 * The SQL of the CSV exports (api/calls/call-export.ts formats the rows): the journal export
 * in keyset batches over `call_record`, and a campaign's results, one row per
 * `campaign_contact` with its last journalled attempt. Builders of statement text and
 * parameters: the export service runs each batch on a pooled connection of its own.
 */
import { CONTACT_VARIABLES, searchWhere, utc, type CallFilter } from './call-records.js';

/** The journal's columns an export reads (`r` is `call_record`). */
const CALL_SELECT = (r: string) => `${r}.id, ${r}.campaign_id, ${r}.phone_e164, ${r}.attempt, ${r}.outcome,
  ${r}.sip_code, ${r}.sip_reason, ${utc(`${r}.invite_at`, 'US')} AS invite_exact,
  ${utc(`${r}.answer_at`, 'MS')} AS answer_at, ${utc(`${r}.end_at`, 'MS')} AS end_at, ${r}.talk_ms, ${r}.dtmf,
  ${r}.recording_state, ${r}.machine_detection, ${r}.trunk_attempts, ${r}.caller_id_number`;

/** One batch of the journal export after `query.after`, newest first like the journal (`query.limit` rows). */
export function journalBatchSql(query: CallFilter, ownerId: string | undefined): { text: string; values: unknown[] } {
  const { where, values } = searchWhere(query, ownerId);
  const text = `SELECT ${CALL_SELECT('call_record')}, source, external_id, direction, from_party, to_party,
    ${CONTACT_VARIABLES} AS variables FROM call_record ${where}
    ORDER BY invite_at DESC, id DESC LIMIT $${values.push(query.limit)}`;
  return { text, values };
}

/**
 * The journal export's rows as one plain statement, no batches and the variables as one JSON
 * column: what `COPY (…) TO STDOUT` of the same rows would run (`make bench-export` times it
 * as the floor). `ownerId` must be a uuid: it is written into the text.
 */
export const journalCopySql = (ownerId: string): string =>
  `SELECT ${CALL_SELECT('call_record')}, ${CONTACT_VARIABLES} AS variables FROM call_record
    WHERE owner_id = '${ownerId.replace(/[^0-9a-f-]/gi, '')}' ORDER BY invite_at DESC, id DESC`;

/**
 * The variable names of the journal export's rows (one pass over them, before the first
 * batch): the contacts the rows called, as a semi-join, which PostgreSQL runs as one hash
 * join (a probe per row, as CONTACT_VARIABLES does, took 2.5 times as long on 300k rows).
 */
export function journalVariablesSql(
  query: CallFilter,
  ownerId: string | undefined,
): { text: string; values: unknown[] } {
  const { where, values } = searchWhere({ ...query, after: undefined }, ownerId);
  const text = `SELECT DISTINCT k.name FROM campaign_contact cc, jsonb_object_keys(cc.variables) AS k(name)
    WHERE cc.id IN (SELECT campaign_contact_id FROM call_record ${where})`;
  return { text, values };
}

/**
 * One batch of a campaign's contacts after line `$2`, in file order (the unique key
 * (campaign, line) serves it), each with its last journalled attempt: the attempt ids are
 * `<contact id>:<attempt>` (unique), so it is at most two index probes; the one before the
 * last counts while the last is in flight.
 */
export const CONTACT_BATCH_SQL = `SELECT cc.line, cc.state, cc.phone_e164, cc.attempts, cc.final_outcome, cc.variables,
  $1::uuid AS campaign_id, r.id, r.sip_code, r.sip_reason, r.invite_exact, r.answer_at, r.end_at, r.talk_ms,
  r.dtmf, r.recording_state, r.machine_detection, r.trunk_attempts, r.caller_id_number
  FROM campaign_contact cc
  LEFT JOIN LATERAL (SELECT ${CALL_SELECT('j')} FROM call_record j
    WHERE j.attempt_id IN (cc.id || ':' || cc.attempts, cc.id || ':' || (cc.attempts - 1))
    ORDER BY j.attempt DESC LIMIT 1) r ON true
  WHERE cc.campaign_id = $1 AND cc.line > $2 ORDER BY cc.line LIMIT $3`;

/** The variable names of a campaign's contacts. */
export const CONTACT_VARIABLES_SQL = `SELECT DISTINCT k.name FROM campaign_contact cc, jsonb_object_keys(cc.variables) AS k(name)
  WHERE cc.campaign_id = $1`;
