/**
 * Swagger UI in a real (headless) Chromium: Authorize with username and password (the
 * OAuth2 password flow against /oauth/token, as the page sends it), then "Try it out" on
 * GET /api/v1/me. Chromium comes from Debian (`scripts/test-tools.sh` installs it);
 * playwright-core only drives it.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { createUser } from '../support/api';
import { readStack } from '../support/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('Swagger UI', () => {
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} not found: run scripts/test-tools.sh (installs Debian's chromium)`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('logs in with username and password and "Try it out" calls the API with the token', async () => {
    const user = await createUser();
    const page = await browser.newPage();
    // Under the API's Content-Security-Policy (F30): anything it blocks is reported here.
    const blocked: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) blocked.push(m.text());
    });
    page.on('pageerror', (e) => blocked.push(e.message));
    const docs = await page.goto(`${readStack().apiUrl}/docs/`);
    expect(docs?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    await page.click('.btn.authorize');
    await page.fill('#oauth_username', user.username);
    await page.fill('#oauth_password', user.password);
    const tokenResponse = page.waitForResponse((r) => r.url().endsWith('/oauth/token'));
    await page
      .locator('.auth-container', { has: page.locator('#oauth_username') })
      .locator('button.authorize')
      .click();
    expect((await tokenResponse).status()).toBe(200);
    await page.click('.btn-done');

    const op = page.locator('#operations-Users-GetMe');
    await op.locator('.opblock-summary').click();
    await op.locator('.try-out__btn').click();
    await op.locator('.execute').click();
    const status = op.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor();
    expect((await status.textContent())?.trim()).toBe('200');
    expect(await op.locator('.live-responses-table .microlight').first().textContent()).toContain(user.username);
    expect(blocked).toEqual([]);
    // The token lives in the page only, not in storage that outlives it (F30: no persistAuthorization).
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(stored).not.toMatch(/access_token|authorized|Bearer/i);
    await page.reload();
    await page.locator('.btn.authorize.unlocked').waitFor(); // logged out again
  });

  it('shows the error when the password is wrong', async () => {
    const user = await createUser();
    const page = await browser.newPage();
    await page.goto(`${readStack().apiUrl}/docs/`);
    await page.click('.btn.authorize');
    await page.fill('#oauth_username', user.username);
    await page.fill('#oauth_password', 'not-the-password');
    const tokenResponse = page.waitForResponse((r) => r.url().endsWith('/oauth/token'));
    await page
      .locator('.auth-container', { has: page.locator('#oauth_username') })
      .locator('button.authorize')
      .click();
    expect((await tokenResponse).status()).toBe(400);
    await expect(page.locator('.auth-container .errors').first().textContent()).resolves.toContain('invalid_grant');
  });
});
