/**
 * Webhook helpers for the integration tests: the API calls, and the signature check a
 * receiver does, written from docs/webhooks.md (not with the code under test).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { call } from './api';
import { json } from './campaigns';

export interface WebhookBody {
  id: string;
  ownerId: string;
  campaignId: string | null;
  url: string;
  events: string[];
  active: boolean;
  createdAt: string;
  updatedAt: string;
  secret?: string;
}

export interface DeliveryBody {
  id: string;
  event: string;
  attemptId: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  finishedAt: string | null;
  tries: { at: string; durationMs: number; statusCode: number | null; error: string | null }[];
  payload: { id: string; event: string; createdAt: string; data: Record<string, unknown> };
}

export async function createWebhook(token: string, body: Record<string, unknown>): Promise<WebhookBody> {
  return json<WebhookBody>(await call('POST', '/api/v1/webhooks', { token, body }), 201);
}

/** Every delivery of the webhook, through the API's pages. */
export async function deliveries(token: string, webhookId: string, limit = 200): Promise<DeliveryBody[]> {
  const all: DeliveryBody[] = [];
  let after: string | undefined;
  do {
    const query = `limit=${limit}${after ? `&after=${after}` : ''}`;
    const page = await json<{ items: DeliveryBody[]; nextCursor?: string }>(
      await call('GET', `/api/v1/webhooks/${webhookId}/deliveries?${query}`, { token }),
      200,
    );
    all.push(...page.items);
    after = page.nextCursor;
  } while (after);
  return all;
}

/** Waits until the webhook's first delivery is `status`; returns it. `what` names the wait in a time-out. */
export async function firstDelivery(
  token: string,
  webhookId: string,
  status: DeliveryBody['status'],
  what: string,
): Promise<DeliveryBody> {
  let first: DeliveryBody | undefined;
  await waitFor(what, async () => {
    [first] = await deliveries(token, webhookId);
    return first?.status === status;
  });
  return first!;
}

/** The receiver check of docs/webhooks.md: `t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, at most 5 minutes old. */
export function signatureValid(secret: string, header: string | undefined, rawBody: string): boolean {
  if (!header) return false;
  const pairs = header.split(',').map((p) => p.trim().split('='));
  const t = pairs.find(([k]) => k === 't')?.[1];
  if (!t || Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  return pairs
    .filter(([k]) => k === 'v1')
    .some(([, v]) => {
      const given = Buffer.from(v ?? '', 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
