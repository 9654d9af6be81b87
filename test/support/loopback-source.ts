/**
 * HTTP from a chosen loopback source address (any of 127.0.0.0/8 on Linux), so a test can be
 * a client of its own in the API's eyes: login throttling counts per source address, and the
 * shared stack's 127.0.0.1 must not be throttled by one test file for the others.
 *
 * Also a one-hop reverse proxy that appends the client's address to `X-Forwarded-For` the
 * way nginx's `$proxy_add_x_forwarded_for` does, for an API started with `TRUST_PROXY=true`.
 */
import { randomInt } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PlainResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

/** A loopback address other than 127.0.0.1, different on each call (mostly). */
export function loopbackSource(): string {
  return `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

export function requestFrom(
  source: string,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<PlainResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        headers: options.headers,
        localAddress: source,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** `grant_type=password` for the first-party client, from `source`. */
export function passwordLoginFrom(
  source: string,
  baseUrl: string,
  username: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<PlainResponse> {
  return requestFrom(source, `${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ grant_type: 'password', username, password, client_id: 'voicecast' }).toString(),
  });
}

export interface ForwardingProxy {
  readonly url: string;
  close(): Promise<void>;
}

/** A reverse proxy to `target` that appends the connecting address to X-Forwarded-For. */
export async function forwardingProxy(target: string): Promise<ForwardingProxy> {
  const upstream = new URL(target);
  const server = createServer((inbound, outbound) => {
    const given = inbound.headers['x-forwarded-for'];
    const peer = inbound.socket.remoteAddress ?? '';
    const forwarded = given ? `${String(given)}, ${peer}` : peer;
    const proxied = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: inbound.url,
        method: inbound.method,
        headers: { ...inbound.headers, 'x-forwarded-for': forwarded },
        agent: false,
      },
      (res) => {
        outbound.writeHead(res.statusCode ?? 502, res.headers);
        res.pipe(outbound);
      },
    );
    proxied.on('error', () => outbound.destroy());
    inbound.pipe(proxied);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
