import { webhookUrlOrError } from './webhook-url';

describe('webhookUrlOrError', () => {
  test('takes http and https URLs, normalised', () => {
    expect(webhookUrlOrError('https://Hooks.Example.com/voicecast?x=1')).toEqual({
      url: 'https://hooks.example.com/voicecast?x=1',
    });
    expect(webhookUrlOrError('http://127.0.0.1:8080')).toEqual({ url: 'http://127.0.0.1:8080/' });
    expect(webhookUrlOrError('http://[::1]:9/x')).toEqual({ url: 'http://[::1]:9/x' });
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
  ])('refuses %j', (value, message) => {
    expect(webhookUrlOrError(value, 'body.url')).toEqual({ error: { field: 'body.url', message } });
  });
});
