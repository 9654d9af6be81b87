/**
 * One signed POST of a webhook delivery, and what its answer means for the delivery.
 * Redirects are not followed (a signed body is sent only to the URL its owner registered),
 * and only to addresses the operator's network policy allows (lib/webhook-networks.ts).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { WebhookNetworks } from '../lib/webhook-networks.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signatureHeader } from '../lib/webhook-signature.js';

export interface WebhookRequest {
  readonly url: string;
  readonly deliveryId: string;
  readonly event: string;
  /** The JSON body, exactly as stored. */
  readonly body: string;
  readonly secret: string;
  readonly timeoutMs: number;
}

/** The receiver's answer, or why there was none. */
export type WebhookAnswer =
  | {
      readonly statusCode: number;
      readonly error: null;
      /** How long the receiver asked us to wait (its `Retry-After`, RFC 9110 §10.2.3), when it did. */
      readonly retryAfterMs?: number;
    }
  | {
      readonly statusCode: null;
      readonly error: string;
      /** Not sent: the destination is a private or local address the operator did not allow. */
      readonly refused?: true;
    };

/** `retry`: try again later; `failed`: the receiver refused it for good. */
export type WebhookVerdict = 'delivered' | 'retry' | 'failed';

/**
 * 2xx is delivered. 408 (timeout), 429 (slow down) and 5xx are worth another try, as is no
 * answer at all; any other answer (3xx, 4xx) would come again: the delivery fails, as does
 * a destination the operator's network policy refuses.
 */
export function verdictOf(answer: WebhookAnswer): WebhookVerdict {
  const { statusCode } = answer;
  if (statusCode === null) return answer.refused ? 'failed' : 'retry';
  if (statusCode >= 200 && statusCode < 300) return 'delivered';
  if (statusCode === 408 || statusCode === 429 || statusCode >= 500) return 'retry';
  return 'failed';
}

const USER_AGENT = 'Voicecast-Webhooks/1';

/** The error a refused destination fails the connection with (see lib/webhook-networks.ts). */
class RefusedDestination extends Error {}

/**
 * POSTs the delivery; never throws for the receiver's sake (no answer is an `error`). Every
 * address of the URL's host is checked against `networks` before connecting; a refused one
 * is an error marked `refused`, which no retry changes.
 */
export async function postWebhook(
  request: WebhookRequest,
  networks: WebhookNetworks,
  now = new Date(),
): Promise<WebhookAnswer> {
  const url = new URL(request.url);
  // An IP host is connected to without a lookup: checked here.
  const refused = networks.literalRefusal(url.hostname);
  if (refused) return { statusCode: null, error: refused.refusal, refused: true };
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(request.body)),
    'user-agent': USER_AGENT,
    [SIGNATURE_HEADER]: signatureHeader(request.secret, request.body, now),
    [EVENT_HEADER]: request.event,
    [DELIVERY_HEADER]: request.deliveryId,
  };
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      // No agent: one connection per try, closed after it (the deliveries of a URL are minutes apart at most).
      const req = send(
        url,
        { method: 'POST', headers, signal, agent: false, lookup: checkedLookup(networks) },
        resolve,
      );
      req.on('error', reject);
      req.end(request.body);
    });
    // The answer's body is not needed; draining it ends the response.
    res.resume();
    const retryAfter = res.headers['retry-after'];
    const retryAfterMs = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : null, Date.now());
    return { statusCode: res.statusCode ?? 0, error: null, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  } catch (err) {
    if (err instanceof RefusedDestination) return { statusCode: null, error: err.message, refused: true };
    return { statusCode: null, error: describeFailure(err, request.timeoutMs) };
  }
}

/**
 * `dns.lookup` for the connection, refusing when any address of the host is refused (a
 * name with one public and one internal address is refused, whichever would be tried).
 * Answers in the shape asked for: Node asks for all addresses when it races IPv4 and IPv6.
 */
function checkedLookup(networks: WebhookNetworks): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const refusal = addresses.map((a) => networks.refusal(a.address)).find((r) => r !== undefined);
      if (refusal) return callback(new RefusedDestination(`${hostname}: ${refusal}`), '', 0);
      if (options.all) return (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, addresses);
      const [first] = addresses;
      if (!first) return callback(Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/**
 * `Retry-After` as ms from `nowMs`: delay-seconds or an HTTP date (a date in the past is 0).
 * Undefined when absent or unreadable: the retry policy's own back-off applies.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date starts with the day's name ("Sun, 06 Nov 1994 08:49:37 GMT"); V8 would read "1.5" as a date.
  const at = /^[A-Za-z]/.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * The wait before the next try after try number `attempt` (from 1): the back-off (`initialMs`
 * doubled per try, at most `maxIntervalMs`), or the receiver's `Retry-After` when that is
 * longer; never longer than `maxIntervalMs`, the longest wait the operator allows.
 */
export function retryDelayMs(
  attempt: number,
  backoff: { readonly initialMs: number; readonly maxIntervalMs: number },
  retryAfterMs: number | undefined,
): number {
  const exponential = Math.min(backoff.initialMs * 2 ** Math.max(0, attempt - 1), backoff.maxIntervalMs);
  return Math.min(Math.max(exponential, retryAfterMs ?? 0), backoff.maxIntervalMs);
}

/** "timeout after 10000 ms", "ECONNREFUSED"…: the reason without the URL or anything sent. */
function describeFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `timeout after ${timeoutMs} ms`;
  }
  const own = (err as { code?: unknown } | undefined)?.code;
  if (typeof own === 'string') return own;
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message.slice(0, 200);
  return err instanceof Error ? err.message.slice(0, 200) : 'request failed';
}
