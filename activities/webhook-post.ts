/**
 * One signed POST of a webhook delivery, and what its answer means for the delivery.
 * Redirects are not followed (a signed body is sent only to the URL its owner registered).
 */
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
  | { readonly statusCode: null; readonly error: string };

/** `retry`: try again later; `failed`: the receiver refused it for good. */
export type WebhookVerdict = 'delivered' | 'retry' | 'failed';

/**
 * 2xx is delivered. 408 (timeout), 429 (slow down) and 5xx are worth another try, as is no
 * answer at all; any other answer (3xx, 4xx) would come again: the delivery fails.
 */
export function verdictOf(answer: WebhookAnswer): WebhookVerdict {
  const { statusCode } = answer;
  if (statusCode === null) return 'retry';
  if (statusCode >= 200 && statusCode < 300) return 'delivered';
  if (statusCode === 408 || statusCode === 429 || statusCode >= 500) return 'retry';
  return 'failed';
}

const USER_AGENT = 'Voicecast-Webhooks/1';

/** POSTs the delivery; never throws for the receiver's sake (no answer is an `error`). */
export async function postWebhook(request: WebhookRequest, now = new Date()): Promise<WebhookAnswer> {
  try {
    const res = await fetch(request.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        [SIGNATURE_HEADER]: signatureHeader(request.secret, request.body, now),
        [EVENT_HEADER]: request.event,
        [DELIVERY_HEADER]: request.deliveryId,
      },
      body: request.body,
    });
    // The answer's body is not needed; dropping it frees the connection.
    await res.body?.cancel().catch(() => undefined);
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), Date.now());
    return { statusCode: res.status, error: null, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  } catch (err) {
    return { statusCode: null, error: describeFailure(err, request.timeoutMs) };
  }
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
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message.slice(0, 200);
  return err instanceof Error ? err.message.slice(0, 200) : 'request failed';
}
