/**
 * Secrets never reach the logs: a private API instance logging at `trace` goes through
 * logins (good and bad, one with a password typed as the username), refresh, revocation,
 * user creation and machine-client creation, then its whole log is searched for every
 * secret that crossed the wire.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { startExtraApi, type ExtraApi } from '../support/extra-api';
import { readStack } from '../support/stack';

describe('logs', () => {
  let extra: ExtraApi;
  beforeAll(async () => {
    extra = await startExtraApi({ LOG_LEVEL: 'trace' });
  });
  afterAll(async () => {
    await extra?.stop();
  });

  const form = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${extra.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(body),
    });

  it('contain requests with ids but no password, token or client secret', async () => {
    const { admin } = readStack();
    const secrets: string[] = [admin.password];
    const wrongPassword = `wrong-${randomUUID()}`;
    secrets.push(wrongPassword);
    expect(
      (
        await form('/oauth/token', {
          grant_type: 'password',
          username: admin.username,
          password: wrongPassword,
          client_id: 'voicecast',
        })
      ).status,
    ).toBe(400);

    // People type their password into the username field: a failed login logs a keyed hash.
    const typedPassword = `Typed-Password-${randomUUID()}`;
    secrets.push(typedPassword, typedPassword.toLowerCase());
    expect(
      (
        await form('/oauth/token', {
          grant_type: 'password',
          username: typedPassword,
          password: wrongPassword,
          client_id: 'voicecast',
        })
      ).status,
    ).toBe(400);

    const tokens = (await (
      await form('/oauth/token', {
        grant_type: 'password',
        username: admin.username,
        password: admin.password,
        client_id: 'voicecast',
      })
    ).json()) as { access_token: string; refresh_token: string };
    secrets.push(tokens.access_token, tokens.refresh_token);
    const auth = { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' };

    const userPassword = `pw-${randomUUID()}`;
    secrets.push(userPassword);
    const user = await fetch(`${extra.url}/api/v1/users`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ username: `log-${randomUUID().slice(0, 8)}`, password: userPassword }),
    });
    expect(user.status).toBe(201);
    const bad = await fetch(`${extra.url}/api/v1/users`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ username: 'x', password: 'tiny-secret' }),
    });
    expect(bad.status).toBe(422);
    secrets.push('tiny-secret');

    const client = (await (
      await fetch(`${extra.url}/api/v1/clients`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: 'log test' }),
      })
    ).json()) as { id: string; clientSecret: string };
    secrets.push(client.clientSecret);
    const basic = `Basic ${Buffer.from(`${client.id}:${client.clientSecret}`).toString('base64')}`;
    expect(
      (await form('/oauth/token', { grant_type: 'client_credentials', scope: 'api' }, { authorization: basic })).status,
    ).toBe(200);

    const refreshed = (await (
      await form('/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
        client_id: 'voicecast',
      })
    ).json()) as { refresh_token: string; access_token: string };
    secrets.push(refreshed.refresh_token, refreshed.access_token);
    expect(
      (await form('/oauth/token/revocation', { token: refreshed.refresh_token, client_id: 'voicecast' })).status,
    ).toBe(200);

    const log = readFileSync(extra.logFile, 'utf8');
    expect(log).toMatch(/"reqId"|"req":\{"id":"[0-9a-f-]{36}"/); // requests are logged with their id
    expect(log).toContain('login failed');
    for (const secret of secrets) expect(log).not.toContain(secret);
    const failures = log
      .split('\n')
      .filter((line) => line.includes('"login failed"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(failures).toHaveLength(2);
    for (const failure of failures) {
      expect(failure.usernameHash).toMatch(/^[0-9a-f]{16}$/);
      expect(failure).not.toHaveProperty('username');
    }
    expect(failures[0]?.usernameHash).not.toBe(failures[1]?.usernameHash);
  });
});
