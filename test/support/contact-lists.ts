/**
 * Contact list uploads for the integration tests: multipart through fetch for ordinary
 * files, and a raw HTTP request streamed from disk for large ones (whose socket a test can
 * cut midway). Plus a direct look at the database, to prove what is (not) left behind.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { apiUrl, call } from './api';
import { readStack, uploadFile, type FileUpload } from './stack';

export type ImportFields = Partial<
  Record<'name' | 'phoneColumn' | 'nameColumn' | 'defaultCountry' | 'delimiter' | 'hasHeader', string>
>;

/** POSTs `content` as the multipart `file` field with `fields` (to the contact lists, or to `options.path`). */
export async function uploadContacts(
  token: string,
  content: string | Buffer,
  fields: Record<string, string> = {},
  options: { fileName?: string; baseUrl?: string; path?: string } = {},
): Promise<Response> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  form.append('file', new Blob([content]), options.fileName ?? 'contacts.csv');
  return fetch(`${options.baseUrl ?? apiUrl()}${options.path ?? '/api/v1/contact-lists'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
}

/** Streams the file at `path` as a multipart upload without ever holding it in memory. */
export function streamUpload(token: string, path: string, stopAfterBytes?: number): FileUpload {
  return uploadFile(`${apiUrl()}/api/v1/contact-lists`, path, { token, stopAfterBytes });
}

/** Runs `work` with a connection pool on the test database. */
export async function withDatabase<T>(work: (db: Pool) => Promise<T>): Promise<T> {
  const db = new Pool({ connectionString: readStack().databaseUrl, max: 1 });
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

export interface Report {
  id: string;
  name: string;
  ownerId: string;
  status: string;
  defaultCountry: string | null;
  totalRows: number;
  imported: number;
  duplicates: number;
  invalid: number;
  invalidSample: { line: number; raw: string; reason: string }[];
  format: Record<string, unknown>;
}
/** A page of `GET /api/v1/contact-lists`. */
export interface Page {
  items: Report[];
  nextCursor?: string;
}
export interface ContactPage {
  items: { line: number; phone: string; name: string | null; variables: Record<string, string> }[];
  nextCursor?: string;
}

export { userToken } from './api';

/** A list of exactly `phones` (E.164), owned by `token`'s user; returns its id. */
export async function phoneList(token: string, phones: readonly string[]): Promise<string> {
  const res = await uploadContacts(token, `phone\n${phones.join('\n')}\n`, { name: `list ${randomUUID()}` });
  if (res.status !== 201) throw new Error(`creating the list failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** Uploads and expects 201; returns the import report. */
export async function imported(token: string, content: string | Buffer, fields = {}): Promise<Report> {
  const res = await uploadContacts(token, content, fields);
  if (res.status !== 201) throw new Error(`import failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Report;
}

/** Every contact of a list, fetched `limit` at a time through the cursor. */
export async function allContacts(token: string, id: string, limit: number): Promise<ContactPage['items']> {
  const items: ContactPage['items'] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { after: cursor } : {}) });
    const res = await call('GET', `/api/v1/contact-lists/${id}/contacts?${query.toString()}`, { token });
    expect(res.status).toBe(200);
    const page = (await res.json()) as ContactPage;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}
