/**
 * All or nothing: an import that fails or whose client goes away leaves no list, no
 * contacts and no invalid lines behind, whatever stage it had reached.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, expectProblem } from '../support/api';
import { streamUpload, uploadContacts, userToken, withDatabase, type Page } from '../support/contact-lists';

describe('all or nothing', () => {
  let dir: string;
  let bigFile: string;
  const BIG_ROWS = 300_000;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'contact-lists-test-'));
    bigFile = join(dir, 'big.csv');
    const lines = ['phone,name'];
    for (let i = 0; i < BIG_ROWS; i += 1) lines.push(`+49 30 ${4000000 + i},Person ${i}`);
    writeFileSync(bigFile, `${lines.join('\n')}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Lists, contacts and invalid lines of `ownerId`, plus contacts of no list at all. */
  async function leftovers(ownerId: string): Promise<number[]> {
    return withDatabase(async (db) => {
      const { rows } = await db.query<{ lists: string; orphans: string }>(
        `SELECT (SELECT count(*) FROM contact_list WHERE owner_id = $1) AS lists,
                (SELECT count(*) FROM contact c WHERE NOT EXISTS (SELECT 1 FROM contact_list l WHERE l.id = c.list_id)) +
                (SELECT count(*) FROM contact_invalid_line i WHERE NOT EXISTS (SELECT 1 FROM contact_list l WHERE l.id = i.list_id)) AS orphans`,
        [ownerId],
      );
      return [Number(rows[0]?.lists), Number(rows[0]?.orphans)];
    });
  }

  /** Waits until no session of the API is inside a transaction or running a statement. */
  async function apiIdle(): Promise<void> {
    await withDatabase(async (db) => {
      for (let i = 0; i < 300; i += 1) {
        const { rows } = await db.query<{ busy: string }>(
          `SELECT count(*) AS busy FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid()
             AND (state LIKE 'idle in transaction%' OR (state = 'active' AND query ILIKE 'COPY%'))`,
        );
        if (Number(rows[0]?.busy) === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the API still holds a transaction after 30 s');
    });
  }

  /** Resolves once the API runs its COPY into `contact` (the import has begun writing). */
  async function copyRunning(): Promise<void> {
    await withDatabase(async (db) => {
      for (let i = 0; i < 600; i += 1) {
        const { rows } = await db.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'COPY contact %'",
        );
        if (Number(rows[0]?.n) > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('the import never started its COPY');
    });
  }

  it('leaves nothing when the client disconnects mid-upload', async () => {
    const { id, token } = await userToken();
    const upload = streamUpload(token, bigFile, 2 * 1024 * 1024); // 2 of 7 MB, then silence
    await upload.sent;
    await new Promise((resolve) => setTimeout(resolve, 200));
    upload.request.destroy();
    expect(await upload.response).toBeUndefined();
    await apiIdle();
    expect(await leftovers(id)).toEqual([0, 0]);
  });

  it('leaves nothing when the client disconnects right after the upload, before the import could answer', async () => {
    const { id, token } = await userToken();
    const upload = streamUpload(token, bigFile);
    await upload.sent;
    upload.request.destroy();
    expect(await upload.response).toBeUndefined();
    await apiIdle();
    expect(await leftovers(id)).toEqual([0, 0]);
  });

  it('rolls back when the file turns out malformed after thousands of rows were written', async () => {
    const { id, token } = await userToken();
    // 5 MB of good rows: about 20 pieces, most of them already in the COPY when the bad row shows.
    const good = Array.from({ length: 200_000 }, (_, i) => `+49 30 ${5000000 + i},Person ${i}`).join('\n');
    const bad = `phone,name\n${good}\n+49 30 9999999,"never closed\n${'x,y\n'.repeat(300_000)}`;
    const body = await expectProblem(await uploadContacts(token, bad), 422, 'invalid-contact-file');
    expect(body.detail).toMatch(/^line 200002: .*quote/);
    await apiIdle();
    expect(await leftovers(id)).toEqual([0, 0]);
  });

  it('rolls back when the client disconnects while the rows are being written', async () => {
    const { id, token } = await userToken();
    const upload = streamUpload(token, bigFile);
    await upload.sent;
    await copyRunning();
    upload.request.destroy();
    expect(await upload.response).toBeUndefined();
    await apiIdle();
    expect(await leftovers(id)).toEqual([0, 0]);
    // The same file imports completely when the client waits.
    const again = streamUpload(token, bigFile);
    expect((await again.response)?.status).toBe(201);
    const lists = (await (await call('GET', '/api/v1/contact-lists', { token })).json()) as Page;
    expect(lists).toEqual({ items: [expect.objectContaining({ totalRows: BIG_ROWS, imported: BIG_ROWS })] });
  });
});
