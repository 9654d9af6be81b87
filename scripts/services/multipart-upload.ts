/**
 * A multipart/form-data upload of one file streamed from disk (never held in memory), for
 * the tests and benchmarks of upload endpoints. The caller keeps the request, so it can cut
 * the connection midway.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { basename } from 'node:path';

export interface FileUpload {
  readonly request: ClientRequest;
  /** Resolves with the status and body, or with `undefined` when the connection was cut. */
  readonly response: Promise<{ status: number; body: string } | undefined>;
  /** Resolves once the body (or the part asked for) has been handed to the socket. */
  readonly sent: Promise<void>;
}

/** POSTs the file at `path` as the form field `field` (plus text `fields`) to `url`. */
export function uploadFile(
  url: string,
  path: string,
  options: {
    token?: string;
    field?: string;
    fields?: Record<string, string>;
    /** Send only this many bytes of the file, then wait (for tests that cut an upload midway). */
    stopAfterBytes?: number;
  } = {},
): FileUpload {
  const boundary = `----voicecast${randomBytes(8).toString('hex')}`;
  const parts = Object.entries(options.fields ?? {}).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  const head = Buffer.from(
    `${parts.join('')}--${boundary}\r\nContent-Disposition: form-data; name="${options.field ?? 'file'}"; ` +
      `filename="${basename(path)}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const req = request(url, {
    method: 'POST',
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': head.length + statSync(path).size + tail.length,
    },
  });
  const response = new Promise<{ status: number; body: string } | undefined>((resolve) => {
    let responded = false;
    req.on('response', (res) => {
      responded = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('close', () => resolve(undefined)); // after 'end' this changes nothing
    });
    req.on('error', () => resolve(undefined));
    req.on('close', () => {
      if (!responded) resolve(undefined);
    });
  });
  const sent = new Promise<void>((resolve, reject) => {
    req.write(head);
    const partial = options.stopAfterBytes !== undefined;
    const file = createReadStream(path, partial ? { end: Math.max(0, options.stopAfterBytes! - 1) } : {});
    file.on('error', reject);
    file.on('end', () => (partial ? resolve() : req.end(tail, resolve)));
    file.pipe(req, { end: false });
  });
  sent.catch(() => undefined);
  return { request: req, response, sent };
}
