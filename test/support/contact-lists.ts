/**
 * Contact list uploads for the integration tests: multipart through fetch for ordinary
 * files, and a raw HTTP request streamed from disk for large ones (whose socket a test can
 * cut midway). Plus a direct look at the database, to prove what is (not) left behind.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { Pool } from 'pg';
import { apiUrl } from './api';
import { readStack } from './stack';

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

export interface StreamedUpload {
  readonly request: ClientRequest;
  /** Resolves with the status, or with `undefined` when the connection was cut. */
  readonly response: Promise<number | undefined>;
  /** Resolves once the whole body has been handed to the socket. */
  readonly sent: Promise<void>;
}

/** Streams the file at `path` as a multipart upload without ever holding it in memory. */
export function streamUpload(token: string, path: string): StreamedUpload {
  const boundary = `----voicecast${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const url = new URL('/api/v1/contact-lists', apiUrl());
  const req = request(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': head.length + statSync(path).size + tail.length,
    },
  });
  const response = new Promise<number | undefined>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.on('close', () => resolve(undefined));
  });
  const sent = new Promise<void>((resolve, reject) => {
    req.write(head);
    const file = createReadStream(path);
    file.on('error', reject);
    file.on('end', () => req.end(tail, resolve));
    file.pipe(req, { end: false });
  });
  sent.catch(() => undefined);
  return { request: req, response, sent };
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
