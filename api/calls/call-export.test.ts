import { parseCsv } from '../../lib/csv';
import { CALL_COLUMNS, headerRecord, recordWriter, sortNames, type ExportCallRow } from './call-export';

const row: ExportCallRow = {
  id: '0b6f9c1e-4a57-4a39-9d7e-2f4f1f0a5b11',
  campaign_id: '5d1c8f3e-2b0a-4c1e-8f7d-6a9b0c1d2e3f',
  phone_e164: '+4930123456',
  attempt: 2,
  outcome: 'answered',
  sip_code: 200,
  sip_reason: '=OK, "fine"',
  invite_exact: '2026-12-01T12:00:00.123456Z',
  answer_at: '2026-12-01T12:00:01.000Z',
  end_at: '2026-12-01T12:00:05.500Z',
  talk_ms: 4500,
  dtmf: [{ digit: '1' }, { digit: '#' }],
  recording_state: 'stored',
  machine_detection: { verdict: 'machine', cause: 'long_greeting', decisionMs: 2140 },
  trunk_attempts: [
    { trunkId: '7a0d3c2b-1e4f-4a5b-9c8d-0e1f2a3b4c5d', sipCode: null },
    { trunkId: '8b1e4d3c-2f5a-4b6c-8d9e-1f2a3b4c5d6e', sipCode: 200 },
  ],
  caller_id_number: '+4930555000',
  variables: { b: '+1', a: 'x\r\ny', z: 'not in the header' },
};

describe('call export records', () => {
  it('heads variable columns after the fixed ones, renaming a clash and making names inert', () => {
    const header = parseCsv(headerRecord(CALL_COLUMNS, ['=x', 'outcome', 'contact:outcome', '']))[0];
    expect(header.slice(CALL_COLUMNS.length)).toEqual([
      "'=x",
      'contact:outcome',
      'contact:contact:outcome',
      'contact:',
    ]);
    expect(new Set(header).size).toBe(header.length);
  });

  it('writes a row with times in UTC milliseconds, the digits, an absolute recording link and the variables asked for', () => {
    const text = recordWriter('https://vc.example', ['a', 'b', 'missing'])(row);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(parseCsv(text)[0]).toEqual([
      row.id,
      row.campaign_id,
      '+4930123456',
      '2',
      'answered',
      '200',
      `'=OK, "fine"`,
      '2026-12-01T12:00:00.123Z',
      '2026-12-01T12:00:01.000Z',
      '2026-12-01T12:00:05.500Z',
      '4500',
      '1#',
      'machine',
      'long_greeting',
      '2140',
      '7a0d3c2b-1e4f-4a5b-9c8d-0e1f2a3b4c5d:-;8b1e4d3c-2f5a-4b6c-8d9e-1f2a3b4c5d6e:200',
      '+4930555000',
      `https://vc.example/api/v1/calls/${row.id}/recording`,
      'x\r\ny',
      "'+1",
      '',
    ]);
  });

  it('leaves the call cells of a contact never called empty, and links no recording that will not come', () => {
    const none: ExportCallRow = {
      ...row,
      id: null,
      attempt: 0,
      outcome: null,
      sip_code: null,
      sip_reason: null,
      invite_exact: null,
      answer_at: null,
      end_at: null,
      talk_ms: null,
      dtmf: null,
      recording_state: null,
      machine_detection: null,
      trunk_attempts: null,
      caller_id_number: null,
      variables: null,
    };
    expect(recordWriter('https://vc.example', ['a'])(none)).toBe(
      `,${row.campaign_id},+4930123456,0,,,,,,,,,,,,,,,\r\n`,
    );
    expect(parseCsv(recordWriter('u', [])({ ...row, recording_state: 'lost' }))[0][17]).toBe('');
  });

  it('sorts names by code point', () => {
    expect(sortNames(['b', 'B', 'ä', 'a', '='])).toEqual(['=', 'B', 'a', 'b', 'ä']);
  });
});
