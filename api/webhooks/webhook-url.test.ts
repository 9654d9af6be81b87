import { WebhookNetworks } from '../../lib/webhook-networks';
import { webhookUrlOrError } from './webhook-url';

const loopbackAllowed = new WebhookNetworks(['127.0.0.0/8', '::1']);
const nothingAllowed = new WebhookNetworks();

describe('webhookUrlOrError', () => {
  test('takes http and https URLs, normalised', () => {
    expect(webhookUrlOrError('https://Hooks.Example.com/voicecast?x=1', nothingAllowed)).toEqual({
      url: 'https://hooks.example.com/voicecast?x=1',
    });
    expect(webhookUrlOrError('http://127.0.0.1:8080', loopbackAllowed)).toEqual({ url: 'http://127.0.0.1:8080/' });
    expect(webhookUrlOrError('http://[::1]:9/x', loopbackAllowed)).toEqual({ url: 'http://[::1]:9/x' });
    expect(webhookUrlOrError('http://203.0.113.7/x', nothingAllowed)).toEqual({ url: 'http://203.0.113.7/x' });
  });

  test.each([
    ['', 'must be an absolute http or https URL'],
    ['hooks.example.com/x', 'must be an absolute http or https URL'],
    ['ftp://hooks.example.com/', 'must be an http or https URL'],
    ['javascript:alert(1)', 'must be an http or https URL'],
    ['file:///etc/passwd', 'must be an http or https URL'],
    ['https://user:secret@hooks.example.com/', 'must not contain a user name or password'],
    ['https://user@hooks.example.com/', 'must not contain a user name or password'],
    [`https://hooks.example.com/${'a'.repeat(2048)}`, 'must be at most 2048 characters'],
    [
      'http://169.254.169.254/latest/meta-data/',
      'must not point to 169.254.169.254: a private or local address not in WEBHOOK_ALLOWED_NETWORKS',
    ],
    ['http://[fd00::5]:8080/', 'must not point to fd00::5: a private or local address not in WEBHOOK_ALLOWED_NETWORKS'],
    // 10.0.0.1 in IPv6 form, which URLs write as ::ffff:a00:1
    [
      'http://[::ffff:10.0.0.1]/',
      'must not point to ::ffff:a00:1: a private or local address not in WEBHOOK_ALLOWED_NETWORKS',
    ],
  ])('refuses %j', (value, message) => {
    expect(webhookUrlOrError(value, loopbackAllowed, 'body.url')).toEqual({ error: { field: 'body.url', message } });
  });
});
