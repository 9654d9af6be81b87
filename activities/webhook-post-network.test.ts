/**
 * postWebhook against a real HTTP server on 127.0.0.1: what the network policy lets through
 * is sent; a refused address, literal or behind a host name, is never connected to.
 */
import { WebhookNetworks } from '../lib/webhook-networks';
import { WebhookReceiver } from '../test/support/webhook-receiver';
import { postWebhook, verdictOf } from './webhook-post';

let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
});

afterAll(async () => {
  await receiver.close();
});

const request = (url: string) => ({
  url,
  deliveryId: 'd1',
  event: 'call.completed',
  body: '{"ok":true}',
  secret: 'not-a-real-secret',
  timeoutMs: 5000,
});

test('an allowed loopback receiver gets the POST, with the status and Retry-After it answers', async () => {
  const url = receiver.url('/allowed', () => ({ status: 503, headers: { 'retry-after': '7' } }));
  const answer = await postWebhook(request(url), new WebhookNetworks(['127.0.0.1']));
  expect(answer).toEqual({ statusCode: 503, error: null, retryAfterMs: 7000 });
  expect(receiver.on('/allowed').map((r) => r.body)).toEqual(['{"ok":true}']);
});

test('a literal address outside the allowed networks: refused without connecting, failed for good', async () => {
  const url = receiver.url('/literal', () => 200);
  const answer = await postWebhook(request(url), new WebhookNetworks());
  expect(answer).toEqual({
    statusCode: null,
    error: '127.0.0.1 is a private or local address not in WEBHOOK_ALLOWED_NETWORKS',
    refused: true,
  });
  expect(verdictOf(answer)).toBe('failed');
  expect(receiver.on('/literal')).toEqual([]);
});

test('a host name resolving to a refused address: refused at the lookup, nothing sent', async () => {
  const url = receiver.url('/named', () => 200).replace('127.0.0.1', 'localhost');
  const answer = await postWebhook(request(url), new WebhookNetworks());
  expect(answer).toMatchObject({ statusCode: null, refused: true });
  expect(answer.error).toMatch(
    /^localhost: (127\.0\.0\.1|::1) is a private or local address not in WEBHOOK_ALLOWED_NETWORKS$/,
  );
  expect(receiver.on('/named')).toEqual([]);
});

test('a host name whose addresses are all allowed is connected to', async () => {
  const url = receiver.url('/named-ok', () => 204).replace('127.0.0.1', 'localhost');
  const answer = await postWebhook(request(url), new WebhookNetworks(['127.0.0.0/8', '::1']));
  expect(answer).toEqual({ statusCode: 204, error: null });
  expect(receiver.on('/named-ok')).toHaveLength(1);
});

test('nothing listening: the connection error, retried', async () => {
  const answer = await postWebhook(request('http://127.0.0.1:9/x'), new WebhookNetworks(['127.0.0.1']));
  expect(answer).toEqual({ statusCode: null, error: 'ECONNREFUSED' });
  expect(verdictOf(answer)).toBe('retry');
});
