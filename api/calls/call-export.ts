/**
 * The CSV of the journal export (`GET /api/v1/calls/export`, one record per attempt) and of a
 * campaign's results (`GET /api/v1/campaigns/{id}/results`, one per contact): the columns,
 * and a row as a CSV record (the SQL of a batch is db/call-exports.ts).
 *
 * Text from outside (the far end's SIP reason, the contact's variables and their names) is
 * made inert for spreadsheets (lib/csv.ts); the rest is ours (uuids, E.164, outcomes, times).
 */
import { csvField, csvRecord, csvText } from '../../lib/csv.js';
import { hasRecordingUrl } from './call-rows.js';
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

/** A row of CONTACT_BATCH_SQL (db/call-exports.ts) as an export row: the attempt is the contact's count, the outcome its final one. */
export function contactRow(
  r: ExportCallRow & { line: number; state: string; attempts: number; final_outcome: string | null },
): ExportContactRow {
  return { ...r, attempt: r.attempts, outcome: r.final_outcome };
}

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
