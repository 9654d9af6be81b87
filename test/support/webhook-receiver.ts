/**
 * A webhook receiver for the tests: a real HTTP server on 127.0.0.1 that records every
 * request (raw body and headers) and answers per path as the test says: a status code (with
 * headers, if given), or never (`hang`, to see that nothing waits for it).
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body exactly as it arrived (the signature covers these bytes). */
  readonly body: string;
  readonly at: number;
}

/** What to answer: `tryNo` counts the requests with the same `Voicecast-Delivery` on this path, from 1. */
export type Responder = (
  tryNo: number,
) => number | { readonly status: number; readonly headers: Record<string, string> } | 'hang';

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly responders = new Map<string, Responder>();

  private readonly server: Server;
  private baseUrl = '';

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.handle(req.url ?? '/', req.headers, Buffer.concat(chunks), res));
    });
  }

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.server.address() as AddressInfo;
    receiver.baseUrl = `http://127.0.0.1:${port}`;
    return receiver;
  }

  /** A URL of this receiver whose requests are answered by `responder`. */
  url(path: string, responder: Responder): string {
    this.responders.set(path, responder);
    return `${this.baseUrl}${path}`;
  }

  on(path: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Drops every connection left open (the hanging requests fail at the sender's end). */
  dropConnections(): void {
    this.server.closeAllConnections();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(path: string, headers: IncomingHttpHeaders, body: Buffer, res: ServerResponse): void {
    const delivery = headers['voicecast-delivery'];
    const tryNo =
      this.received.filter((r) => r.path === path && r.headers['voicecast-delivery'] === delivery).length + 1;
    this.received.push({ path, headers, body: body.toString('utf8'), at: Date.now() });
    const answer = (this.responders.get(path) ?? (() => 404))(tryNo);
    if (answer === 'hang') return;
    const { status, headers: extra } = typeof answer === 'number' ? { status: answer, headers: {} } : answer;
    res.writeHead(status, { 'content-type': 'text/plain', ...extra }).end(`answered ${status}`);
  }
}
