/**
 * The blocklist API: add (normalised like contact lists, idempotent), get, list (keyset
 * pages, filter by number), remove, bulk upload (the contact-list parser; all or nothing),
 * each owner's list invisible to the others; and the campaigns' opt-out key setting.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { adminToken, apiUrl, call, expectProblem } from '../support/api';
import { waitFor } from '../support/campaign-runs';
import { campaignParts, createCampaign, json, userToken } from '../support/campaigns';
import { uploadContacts, withDatabase } from '../support/contact-lists';
import { readStack } from '../support/stack';

interface Entry {
  id: string;
  ownerId: string;
  phone: string;
  reason: string;
  note: string | null;
  campaignId: string | null;
  callId: string | null;
  createdAt: string;
}
interface Page {
  items: Entry[];
  nextCursor?: string;
}
interface UploadReport {
  totalRows: number;
  added: number;
  alreadyPresent: number;
  duplicates: number;
  invalid: number;
  invalidSample: { line: number; raw: string; reason: string }[];
  format: Record<string, unknown>;
}

const add = (token: string, body: Record<string, unknown>) => call('POST', '/api/v1/blocklist', { token, body });
const upload = (token: string, content: string, fields: Record<string, string> = {}) =>
  uploadContacts(token, content, fields, { path: '/api/v1/blocklist/upload', fileName: 'blocklist.csv' });

/** Every entry the token sees, `limit` at a time through the cursor. */
async function allEntries(token: string, limit: number, query = ''): Promise<{ items: Entry[]; pages: number }> {
  const items: Entry[] = [];
  let after: string | undefined;
  let pages = 0;
  do {
    const cursor = after ? `&after=${encodeURIComponent(after)}` : '';
    const page = await json<Page>(
      await call('GET', `/api/v1/blocklist?limit=${limit}${query}${cursor}`, { token }),
      200,
    );
    items.push(...page.items);
    after = page.nextCursor;
    pages += 1;
  } while (after);
  return { items, pages };
}

const fieldsOf = (body: Record<string, unknown>) => (body.errors as { field: string }[]).map((e) => e.field);

describe('blocklist entries', () => {
  it('adds a number in any usual form as E.164; adding it again is a 200 with the entry unchanged', async () => {
    const { id: ownerId, token } = await userToken();
    const res = await add(token, { phone: '+49 (30) 123-4567', note: 'asked by letter' });
    const entry = await json<Entry>(res, 201);
    expect(res.headers.get('location')).toBe(`/api/v1/blocklist/${entry.id}`);
    expect(entry).toMatchObject({
      ownerId,
      phone: '+49301234567',
      reason: 'manual',
      note: 'asked by letter',
      campaignId: null,
      callId: null,
    });
    for (const again of [{ phone: '0049 30 1234567' }, { phone: '030 1234567', defaultCountry: 'de', note: 'other' }]) {
      const res2 = await add(token, again);
      expect(await json<Entry>(res2, 200)).toEqual(entry);
      expect(res2.headers.get('location')).toBe(`/api/v1/blocklist/${entry.id}`);
    }
    expect(await json<Entry>(await call('GET', `/api/v1/blocklist/${entry.id}`, { token }), 200)).toEqual(entry);
    expect((await allEntries(token, 10)).items).toEqual([entry]);
  });

  it('refuses what is not a dialable number, naming the field', async () => {
    const { token } = await userToken();
    const cases: [Record<string, unknown>, string[]][] = [
      [{ phone: 'call me maybe' }, ['body.phone']],
      [{ phone: '030 1234567' }, ['body.phone']], // national, and no country to read it with
      [{ phone: '+49 30' }, ['body.phone']],
      [{ phone: '030 1234567', defaultCountry: 'XX' }, ['body.defaultCountry', 'body.phone']],
      [{ phone: '' }, ['body.phone']],
      [{}, ['body.phone']],
      [{ phone: '+49301234567', note: 'x'.repeat(501) }, ['body.note']],
      [{ phone: '+49301234567', reason: 'opt_out' }, ['body.reason']], // not the client's to choose
    ];
    for (const [body, fields] of cases) {
      const problem = await expectProblem(await add(token, body), 422, 'validation-error');
      expect([body, fieldsOf(problem).sort()]).toEqual([body, fields]);
    }
    expect((await allEntries(token, 10)).items).toEqual([]);
  });

  it("keeps each owner's list to itself: another owner's entry is 404 to read and to remove; an admin sees it", async () => {
    const mine = await userToken();
    const theirs = await userToken();
    const entry = await json<Entry>(await add(mine.token, { phone: '+33 1 23 45 67 89' }), 201);
    expect(entry.phone).toBe('+33123456789');
    await expectProblem(await call('GET', `/api/v1/blocklist/${entry.id}`, { token: theirs.token }), 404, 'not-found');
    await expectProblem(
      await call('DELETE', `/api/v1/blocklist/${entry.id}`, { token: theirs.token }),
      404,
      'not-found',
    );
    await expectProblem(
      await call('GET', '/api/v1/blocklist/not-a-uuid', { token: mine.token }),
      422,
      'validation-error',
    );
    expect((await allEntries(theirs.token, 10, '&phone=%2B33123456789')).items).toEqual([]);
    // The same number on another owner's list is an entry of its own.
    const other = await json<Entry>(await add(theirs.token, { phone: '+33123456789' }), 201);
    expect(other.id).not.toBe(entry.id);
    const admin = await adminToken();
    expect(await json<Entry>(await call('GET', `/api/v1/blocklist/${entry.id}`, { token: admin }), 200)).toEqual(entry);
    const both = (await allEntries(admin, 100, '&phone=%2B33123456789')).items.map((e) => e.id);
    expect(both.sort()).toEqual([entry.id, other.id].sort());
    expect(await json<Entry>(await call('GET', `/api/v1/blocklist/${entry.id}`, { token: mine.token }), 200)).toEqual(
      entry,
    );
  });

  it('removes an entry: 204, then 404; the number can be added again', async () => {
    const { token } = await userToken();
    const entry = await json<Entry>(await add(token, { phone: '+4930555000' }), 201);
    expect((await call('DELETE', `/api/v1/blocklist/${entry.id}`, { token })).status).toBe(204);
    await expectProblem(await call('GET', `/api/v1/blocklist/${entry.id}`, { token }), 404, 'not-found');
    await expectProblem(await call('DELETE', `/api/v1/blocklist/${entry.id}`, { token }), 404, 'not-found');
    const again = await json<Entry>(await add(token, { phone: '+4930555000' }), 201);
    expect(again.id).not.toBe(entry.id);
  });

  it("keeps a callee's opt-out: 403 to its owner, an administrator removes it and the removal is logged (F23)", async () => {
    const { id: ownerId, token } = await userToken();
    // As the worker writes it when the callee presses the opt-out key (blocklist-campaign.test.ts).
    const id = randomUUID();
    await withDatabase((db) =>
      db.query(
        `INSERT INTO blocklist (id, owner_id, phone_e164, reason, created_at) VALUES ($1, $2, '+4930555111', 'opt_out', now())`,
        [id, ownerId],
      ),
    );
    const problem = await expectProblem(await call('DELETE', `/api/v1/blocklist/${id}`, { token }), 403, 'forbidden');
    expect(problem.detail).toMatch(/only an administrator can remove an opt-out/);
    expect(await json<Entry>(await call('GET', `/api/v1/blocklist/${id}`, { token }), 200)).toMatchObject({
      reason: 'opt_out',
    });
    // Adding the number again leaves the opt-out as it is.
    expect(await json<Entry>(await add(token, { phone: '+4930555111' }), 200)).toMatchObject({ id, reason: 'opt_out' });

    expect((await call('DELETE', `/api/v1/blocklist/${id}`, { token: await adminToken() })).status).toBe(204);
    await expectProblem(await call('GET', `/api/v1/blocklist/${id}`, { token }), 404, 'not-found');
    const logged = () =>
      readFileSync(`${readStack().logsDir}/api.log`, 'utf8')
        .split('\n')
        .filter((line) => line.includes(id) && line.includes('opt-out removed'));
    await waitFor('the removal in the log', () => Promise.resolve(logged().length === 1), 5000);
    const line = JSON.parse(logged()[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ level: 40, entryId: id, ownerId, removedBy: expect.any(String) });
    expect(JSON.stringify(line)).not.toContain('555111'); // the number itself is not logged
  });

  it('lists newest first in keyset pages, every entry exactly once, and filters by number in any form', async () => {
    const { token } = await userToken();
    const added: Entry[] = [];
    for (let i = 0; i < 7; i += 1) added.push(await json<Entry>(await add(token, { phone: `+4930600000${i}` }), 201));
    // Seven entries of one upload share their creation time: the id orders them.
    await json(await upload(token, Array.from({ length: 7 }, (_, i) => `+4930700000${i}`).join('\n')), 200);
    const { items, pages } = await allEntries(token, 3);
    expect(pages).toBe(5);
    expect(items).toHaveLength(14);
    expect(new Set(items.map((e) => e.id)).size).toBe(14);
    expect(items.slice(7).map((e) => e.id)).toEqual(added.map((e) => e.id).reverse());
    const times = items.map((e) => Date.parse(e.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    for (const query of [
      '&phone=%2B49%2030%206000003',
      '&phone=0306000003&defaultCountry=DE',
      '&phone=0049306000003',
    ]) {
      expect([query, (await allEntries(token, 10, query)).items]).toEqual([query, [added[3]]]);
    }
    expect((await allEntries(token, 10, '&phone=%2B4930999999')).items).toEqual([]);
    const bad = await expectProblem(
      await call('GET', '/api/v1/blocklist?phone=nope', { token }),
      422,
      'validation-error',
    );
    expect(fieldsOf(bad)).toEqual(['phone']);
    const cursor = await expectProblem(
      await call('GET', '/api/v1/blocklist?after=xyz', { token }),
      422,
      'validation-error',
    );
    expect(fieldsOf(cursor)).toEqual(['after']);
    await expectProblem(await call('GET', '/api/v1/blocklist?limit=0', { token }), 422, 'validation-error');
  });
});

describe('blocklist upload', () => {
  it('adds the valid numbers, counts those already listed, the duplicates and the invalid lines', async () => {
    const { token } = await userToken();
    const before = await json<Entry>(await add(token, { phone: '+49 30 1110000', note: 'by hand' }), 201);
    const csv = [
      'name;telefon;city', // line 1
      'Anna;030 1110001;Berlin', // new (national, with the default country)
      'Ben;+49 30 1110000;Berlin', // on the list already
      'Cleo;not a number;Hamburg', // invalid (line 4)
      'Dan;0049 30 1110002;Köln', // new
      'Eve;+49301110001;Berlin', // duplicate of line 2
      'Gus;;Bonn', // no number (line 7)
      'Fay;+44 20 7946 0018;London', // new
    ].join('\n');
    const report = await json<UploadReport>(
      await upload(token, csv, { defaultCountry: 'DE', note: 'DNC import' }),
      200,
    );
    expect(report).toMatchObject({ totalRows: 7, added: 3, alreadyPresent: 1, duplicates: 1, invalid: 2 });
    expect(report.invalidSample).toEqual([
      { line: 4, raw: 'not a number', reason: 'not-a-number' },
      { line: 7, raw: '', reason: 'empty' },
    ]);
    expect(report.format).toMatchObject({ delimiter: ';', hasHeader: true, phoneColumn: 'telefon' });

    const { items } = await allEntries(token, 100);
    const byPhone = Object.fromEntries(items.map((e) => [e.phone, [e.reason, e.note]]));
    expect(byPhone).toEqual({
      '+49301110000': ['manual', 'by hand'],
      '+49301110001': ['upload', 'DNC import'],
      '+49301110002': ['upload', 'DNC import'],
      '+442079460018': ['upload', 'DNC import'],
    });
    expect(items.find((e) => e.id === before.id)).toEqual(before);

    // The same file again adds nothing.
    const again = await json<UploadReport>(await upload(token, csv, { defaultCountry: 'DE' }), 200);
    expect(again).toMatchObject({ totalRows: 7, added: 0, alreadyPresent: 4, duplicates: 1, invalid: 2 });
  });

  it('refuses bad options and unusable files naming the field, adding nothing', async () => {
    const { id, token } = await userToken();
    const cases: [string, Record<string, string>, number, string, string[]][] = [
      [
        '+4930123\n',
        { delimiter: 'x', hasHeader: 'maybe', defaultCountry: 'XX' },
        422,
        'validation-error',
        ['body.defaultCountry', 'body.delimiter', 'body.hasHeader'],
      ],
      ['+4930123\n', { note: 'n'.repeat(501) }, 422, 'validation-error', ['body.note']],
      ['', {}, 422, 'invalid-contact-file', ['body.file']],
      ['phone,name\n', {}, 422, 'invalid-contact-file', ['body.file']],
      ['a,b\n1,2\n', { phoneColumn: 'telephone' }, 422, 'validation-error', ['body.phoneColumn']],
    ];
    for (const [content, fields, status, type, expected] of cases) {
      const problem = await expectProblem(await upload(token, content, fields), status, type);
      expect([fields, fieldsOf(problem).sort()]).toEqual([fields, expected]);
    }
    const form = new FormData();
    form.append('note', 'no file');
    const noFile = await fetch(`${apiUrl()}/api/v1/blocklist/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    expect(fieldsOf(await expectProblem(noFile, 422, 'validation-error'))).toEqual(['body.file']);
    expect(await countFor(id)).toBe(0);
  });

  it('writes nothing when the file turns out malformed after thousands of good rows', async () => {
    const { id, token } = await userToken();
    const good = Array.from({ length: 100_000 }, (_, i) => `+49 30 ${5000000 + i},Person ${i}`).join('\n');
    const bad = `phone,name\n${good}\n+49 30 9999999,"never closed\n${'x,y\n'.repeat(300_000)}`;
    const problem = await expectProblem(await upload(token, bad), 422, 'invalid-contact-file');
    expect(problem.detail).toMatch(/^line 100002: .*quote/);
    expect(await countFor(id)).toBe(0);
    // The good part alone goes in whole.
    const report = await json<UploadReport>(await upload(token, `phone,name\n${good}\n`), 200);
    expect(report).toMatchObject({ totalRows: 100_000, added: 100_000, invalid: 0 });
    expect(await countFor(id)).toBe(100_000);
  });
});

describe('campaign opt-out key', () => {
  it('is a DTMF key or null (default); anything else is a 422 naming optOutDigit', async () => {
    const { token } = await userToken();
    const parts = await campaignParts(token, 1);
    expect((await createCampaign(token, parts)).optOutDigit).toBeNull();
    const campaign = await createCampaign(token, parts, { optOutDigit: '#' });
    expect(campaign.optOutDigit).toBe('#');
    for (const digit of ['*', '0', '9', null]) {
      const res = await call('PATCH', `/api/v1/campaigns/${campaign.id}`, { token, body: { optOutDigit: digit } });
      expect((await json(res, 200)).optOutDigit).toBe(digit);
    }
    // JSON numbers are read as the key of the same name (tsoa's enum check compares as text).
    const five = await call('PATCH', `/api/v1/campaigns/${campaign.id}`, { token, body: { optOutDigit: 5 } });
    expect((await json(five, 200)).optOutDigit).toBe('5');
    for (const digit of ['x', '10', '', 12, 'A', '##']) {
      const res = await call('PATCH', `/api/v1/campaigns/${campaign.id}`, { token, body: { optOutDigit: digit } });
      const problem = await expectProblem(res, 422, 'validation-error');
      expect([digit, fieldsOf(problem)]).toEqual([digit, ['body.optOutDigit']]);
    }
    const got = await json(await call('GET', `/api/v1/campaigns/${campaign.id}`, { token }), 200);
    expect(got.optOutDigit).toBe('5'); // the refused changes left it as it was
  });
});

async function countFor(ownerId: string): Promise<number> {
  return withDatabase(async (db) => {
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM blocklist WHERE owner_id = $1', [
      ownerId,
    ]);
    return Number(rows[0]?.n);
  });
}
