/**
 * Contact list uploads for the integration tests: multipart through fetch for ordinary
 * files, and a raw HTTP request streamed from disk for large ones (whose socket a test can
 * cut midway). Plus a direct look at the database, to prove what is (not) left behind.
 */
import { Pool } from 'pg';
import { apiUrl } from './api';
import { readStack, uploadFile, type FileUpload } from './stack';

export type ImportFields = Partial<
  Record<'name' | 'phoneColumn' | 'nameColumn' | 'defaultCountry' | 'delimiter' | 'hasHeader', string>
>;

/** POSTs `content` as the multipart `file` field with `fields`. */
export async function uploadContacts(
  token: string,
  content: string | Buffer,
  fields: ImportFields = {},
  options: { fileName?: string; baseUrl?: string } = {},
): Promise<Response> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  form.append('file', new Blob([content]), options.fileName ?? 'contacts.csv');
  return fetch(`${options.baseUrl ?? apiUrl()}/api/v1/contact-lists`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
}

/** Streams the file at `path` as a multipart upload without ever holding it in memory. */
export function streamUpload(token: string, path: string): FileUpload {
  return uploadFile(`${apiUrl()}/api/v1/contact-lists`, path, { token });
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
