/**
 * The CSV of the journal export (`GET /api/v1/calls/export`, one record per attempt) and of a
 * campaign's results (`GET /api/v1/campaigns/{id}/results`, one per contact): the columns,
 * the SQL of one keyset batch, and a row as a CSV record. Pure but for the SQL text.
 *
 * Text from outside (the far end's SIP reason, the contact's variables and their names) is
 * made inert for spreadsheets (lib/csv.ts); the rest is ours (uuids, E.164, outcomes, times).
 */
import { CONTACT_VARIABLES } from '../../campaign/journal-codes.js';
import { csvField, csvRecord, csvText } from '../../lib/csv.js';
import type { CallQuery } from './call-query.js';
import { hasRecordingUrl, searchWhere } from './call-rows.js';
import type { CallRecordingState } from './calls.dto.js';

/** Rows per query: a batch is formatted and sent before the next is read (constant memory). */
export const EXPORT_BATCH_ROWS = 1000;

/** The fixed columns of both exports, in order; the contact's variables follow. */
export const CALL_COLUMNS = [
  'call_id',
  'campaign_id',
  'phone',
  'attempt',
  'outcome',
  'sip_code',
  'sip_reason',
  'started_at',
  'answered_at',
  'ended_at',
  'talk_ms',
  'dtmf',
  'amd_verdict',
  'amd_cause',
  'amd_decision_ms',
  'trunks',
  'caller_id_number',
  'recording_url',
] as const;

/** The journal export's, after {@link CALL_COLUMNS}: where an external call came from (empty for ours). */
export const EXTERNAL_COLUMNS = ['source', 'external_id', 'direction', 'from', 'to'] as const;

/** Per contact, after {@link CALL_COLUMNS}: the contact's line in its list's file and its state. */
export const CONTACT_COLUMNS = ['contact_line', 'contact_state'] as const;

const utc = (column: string, fraction: 'MS' | 'US') =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.${fraction}"Z"')`;

/** The journal's columns an export reads (`r` is `call_record`). */
const CALL_SELECT = (r: string) => `${r}.id, ${r}.campaign_id, ${r}.phone_e164, ${r}.attempt, ${r}.outcome,
  ${r}.sip_code, ${r}.sip_reason, ${utc(`${r}.invite_at`, 'US')} AS invite_exact,
  ${utc(`${r}.answer_at`, 'MS')} AS answer_at, ${utc(`${r}.end_at`, 'MS')} AS end_at, ${r}.talk_ms, ${r}.dtmf,
  ${r}.recording_state, ${r}.machine_detection, ${r}.trunk_attempts, ${r}.caller_id_number`;

/** A journal row of the export; per contact, the contact's last journalled attempt (all `null` before its first). */
export interface ExportCallRow {
  id: string | null;
  campaign_id: string | null;
  phone_e164: string;
  attempt: number | null;
  outcome: string | null;
  sip_code: number | null;
  sip_reason: string | null;
  invite_exact: string | null;
  answer_at: string | null;
  end_at: string | null;
  talk_ms: number | null;
  dtmf: { digit?: unknown }[] | null;
  recording_state: CallRecordingState | null;
  /** Answering-machine detection's result (`verdict`, `cause`, `decisionMs`, …); null when off. */
  machine_detection: { verdict?: unknown; cause?: unknown; decisionMs?: unknown } | null;
  /** The trunks the attempt went to (`[{trunkId, sipCode, reason}]`); null when none or before trunk groups. */
  trunk_attempts: { trunkId?: unknown; sipCode?: unknown }[] | null;
  /** The number the INVITE's From carried (E.164 or the trunk's digits); null when none. */
  caller_id_number: string | null;
  variables: Record<string, unknown> | null;
}

/** A row of the journal export: a call, ours or an external one. */
export interface ExportJournalRow extends ExportCallRow {
  source: string | null;
  external_id: string | null;
  direction: string | null;
  from_party: string | null;
  to_party: string | null;
}

export interface ExportContactRow extends ExportCallRow {
  line: number;
  state: string;
}

/** One batch of the journal export after `query.after`, newest first like the journal (`query.limit` rows). */
export function journalBatchSql(query: CallQuery, ownerId: string | undefined): { text: string; values: unknown[] } {
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
  query: CallQuery,
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

/** A row of {@link CONTACT_BATCH_SQL} as an export row: the attempt is the contact's count, the outcome its final one. */
export function contactRow(
  r: ExportCallRow & { line: number; state: string; attempts: number; final_outcome: string | null },
): ExportContactRow {
  return { ...r, attempt: r.attempts, outcome: r.final_outcome };
}

/** The variable names of a campaign's contacts. */
export const CONTACT_VARIABLES_SQL = `SELECT DISTINCT k.name FROM campaign_contact cc, jsonb_object_keys(cc.variables) AS k(name)
  WHERE cc.campaign_id = $1`;

/** Names in a stable order: by code point, as `ORDER BY … COLLATE "C"` would. */
export const sortNames = (names: readonly string[]): string[] =>
  [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * The header: the fixed columns, then one per variable name. A name that is also a fixed
 * column's (or empty) is headed `contact:<name>` so that no two columns share a header.
 */
export function headerRecord(fixed: readonly string[], variableNames: readonly string[]): string {
  const taken = new Set(fixed);
  const headers = variableNames.map((name) => {
    let header = name;
    while (header === '' || taken.has(header)) header = `contact:${header}`;
    taken.add(header);
    return header;
  });
  return csvRecord([...fixed.map(csvField), ...headers.map(csvText)]);
}

/** `…HH:MM:SS.ffffffZ` → `…HH:MM:SS.fffZ`: milliseconds, like every other time of the API. */
const toMillis = (exact: string | null) => (exact === null ? null : `${exact.slice(0, 23)}Z`);

const digits = (dtmf: ExportCallRow['dtmf']) =>
  Array.isArray(dtmf) ? dtmf.map((d) => (typeof d.digit === 'string' ? d.digit : '')).join('') : '';

/** verdict, cause and decision time; empty cells when detection was off. */
function amdFields(amd: ExportCallRow['machine_detection']): string[] {
  if (!amd) return ['', '', ''];
  const word = (value: unknown) => (typeof value === 'string' ? csvText(value) : '');
  return [word(amd.verdict), word(amd.cause), typeof amd.decisionMs === 'number' ? csvField(amd.decisionMs) : ''];
}

/**
 * The trunks cell: `<trunkId>:<sipCode>` per trunk tried, in order, `;`-separated, `-` for a
 * trunk that gave no answer (e.g. `…a:503;…b:200`); empty without any. Ours only: uuids and digits.
 */
function trunksField(attempts: ExportCallRow['trunk_attempts']): string {
  if (!Array.isArray(attempts)) return '';
  const cell = attempts
    .map((a) => `${typeof a.trunkId === 'string' ? a.trunkId : ''}:${typeof a.sipCode === 'number' ? a.sipCode : '-'}`)
    .join(';');
  return csvText(cell);
}

/** Formats rows as CSV records; `publicUrl` makes the recording links absolute. */
export function recordWriter(
  publicUrl: string,
  variableNames: readonly string[],
): (row: ExportCallRow | ExportContactRow | ExportJournalRow) => string {
  return (r) => {
    const variables = r.variables ?? {};
    const fields = [
      csvField(r.id),
      csvField(r.campaign_id),
      csvField(r.phone_e164),
      csvField(r.attempt),
      csvField(r.outcome),
      csvField(r.sip_code),
      csvText(r.sip_reason),
      csvField(toMillis(r.invite_exact)),
      csvField(r.answer_at),
      csvField(r.end_at),
      csvField(r.talk_ms),
      csvText(digits(r.dtmf)),
      ...amdFields(r.machine_detection),
      trunksField(r.trunk_attempts),
      csvField(r.caller_id_number ?? null),
      csvField(
        r.id !== null && r.recording_state && hasRecordingUrl(r.recording_state)
          ? `${publicUrl}/api/v1/calls/${r.id}/recording`
          : null,
      ),
    ];
    if ('line' in r) fields.push(csvField(r.line), csvField(r.state));
    // The PBX's ids are text from outside; its numbers were checked (E.164, extension, sip: URI).
    if ('source' in r) {
      fields.push(csvText(r.source), csvText(r.external_id), csvField(r.direction));
      fields.push(csvField(r.from_party), csvField(r.to_party));
    }
    for (const name of variableNames) {
      const value = variables[name];
      fields.push(typeof value === 'string' ? csvText(value) : '');
    }
    return csvRecord(fields);
  };
}
