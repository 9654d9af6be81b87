import { ValidationError } from '../../lib/errors';
import { parseExternalCall } from './external-call-input';

const base = {
  source: 'pbx-1',
  externalId: '1733402394.1187',
  direction: 'inbound',
  from: '+49 30 1234567',
  to: '201',
  startAt: '2026-12-05T13:39:54+01:00',
  answerAt: '2026-12-05T13:40:01+01:00',
  endAt: '2026-12-05T13:42:30.5+01:00',
  disposition: 'answered',
};

function fields(input: Record<string, unknown>): string[] {
  try {
    parseExternalCall(input);
  } catch (err) {
    if (err instanceof ValidationError) return (err.errors ?? []).map((e) => e.field).sort();
    throw err;
  }
  return [];
}

describe('parseExternalCall', () => {
  it('normalises numbers and times, finds the far party and the talk time', () => {
    const call = parseExternalCall(base);
    expect(call).toMatchObject({
      from: '+49301234567',
      to: '201',
      phoneE164: '+49301234567',
      talkMs: 149_500,
      private: false,
      tags: [],
      fields: {},
    });
    expect(call.startAt.text).toBe('2026-12-05T12:39:54.000000Z');
    expect(parseExternalCall({ ...base, direction: 'outbound', to: '0049301234568' }).phoneE164).toBe('+49301234568');
    expect(parseExternalCall({ ...base, direction: 'outbound', to: 'sip:bob@pbx.example.com' }).phoneE164).toBe('');
  });

  it('has one digest per call: the same call however written, another for other data', () => {
    const a = parseExternalCall({ ...base, fields: { b: '2', a: '1' } });
    const b = parseExternalCall({ ...base, from: '0049301234567', fields: { a: '1', b: '2' } });
    expect(a.digest).toBe(b.digest);
    expect(parseExternalCall({ ...base, disposition: 'busy', answerAt: null }).digest).not.toBe(a.digest);
  });

  it('takes the tag private as the flag', () => {
    expect(parseExternalCall({ ...base, tags: ['private'] }).private).toBe(true);
    expect(parseExternalCall({ ...base, private: true }).private).toBe(true);
  });

  it('names every bad field at once', () => {
    expect(fields({})).toEqual(
      ['direction', 'disposition', 'endAt', 'externalId', 'from', 'source', 'startAt', 'to'].sort(),
    );
    expect(fields({ ...base, from: '+1 000', to: 'sip:no spaces@x', source: 'a/b' })).toEqual(['from', 'source', 'to']);
    expect(fields({ ...base, externalId: 'a\u0000b', tags: ['ok', '\u001b[31m'] })).toEqual(['externalId', 'tags.1']);
    expect(fields({ ...base, startAt: '2026-12-05T13:39:54' })).toEqual(['startAt']); // no offset
    expect(fields({ ...base, endAt: '2199-01-01T00:00:00Z' })).toEqual(['endAt']);
    expect(fields({ ...base, answerAt: '2026-12-05T12:00:00Z' })).toEqual(['answerAt']);
    expect(fields({ ...base, fields: { x: 'a\nb' } })).toEqual(['fields.x']);
    expect(fields({ ...base, fields: { x: 'a\tb' } })).toEqual([]);
    expect(fields({ ...base, fields: ['a'] })).toEqual(['fields']);
    expect(fields({ ...base, tags: Array.from({ length: 21 }, (_, i) => `t${i}`) })).toEqual(['tags']);
  });

  it('prefixes the field names', () => {
    let error: unknown;
    try {
      parseExternalCall({ ...base, to: '' }, 'body.');
    } catch (err) {
      error = err;
    }
    expect((error as ValidationError).errors).toEqual([{ field: 'body.to', message: 'required, a non-empty string' }]);
  });
});
