/**
 * A raw text/event-stream client over node:http, as `curl -N` reads a stream: every event with
 * its id, every comment line, the response's status and headers, and when it closed.
 */
import { request, type IncomingHttpHeaders } from 'node:http';

export interface StreamEvent {
  readonly event: string;
  readonly id?: string;
  readonly data: Record<string, unknown>;
}

export interface EventStream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body of a response that is not a stream (a problem). */
  readonly body: string;
  readonly events: StreamEvent[];
  readonly comments: string[];
  /** Resolves when the server ends the stream (or it breaks). */
  readonly closed: Promise<void>;
  /** Resolves with the first event that `match` accepts (rejects after `timeoutMs`). */
  next(match: (e: StreamEvent) => boolean, timeoutMs?: number): Promise<StreamEvent>;
  /** Drops the connection, as a client that goes away does. */
  destroy(): void;
}

export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const events: StreamEvent[] = [];
      const comments: string[] = [];
      const waiters: { match: (e: StreamEvent) => boolean; resolve: (e: StreamEvent) => void }[] = [];
      let buffer = '';
      let body = '';
      const closed = new Promise<void>((done) => res.once('close', () => done()));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (!String(res.headers['content-type']).startsWith('text/event-stream')) {
          body += chunk;
          return;
        }
        buffer += chunk;
        let at;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else {
              const colon = line.indexOf(':');
              fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
            }
          }
          if (fields.data === undefined) continue;
          const event: StreamEvent = {
            event: fields.event ?? 'message',
            ...(fields.id === undefined ? {} : { id: fields.id }),
            data: JSON.parse(fields.data) as Record<string, unknown>,
          };
          events.push(event);
          for (const w of waiters.splice(0)) {
            if (w.match(event)) w.resolve(event);
            else waiters.push(w);
          }
        }
      });
      res.on('error', () => undefined);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        get body() {
          return body;
        },
        events,
        comments,
        closed,
        next(match, timeoutMs = 30_000) {
          const seen = events.find(match);
          if (seen) return Promise.resolve(seen);
          return new Promise((done, fail) => {
            const timer = setTimeout(
              () => fail(new Error(`no such event within ${timeoutMs} ms; got ${JSON.stringify(events)}`)),
              timeoutMs,
            );
            waiters.push({ match, resolve: (e) => (clearTimeout(timer), done(e)) });
          });
        },
        destroy: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Waits for the stream to end, failing after `timeoutMs`. */
export async function streamEnded(stream: EventStream, timeoutMs = 90_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`stream still open; got ${JSON.stringify(stream.events)}`)), timeoutMs);
  });
  await Promise.race([stream.closed, timeout]).finally(() => clearTimeout(timer));
}
