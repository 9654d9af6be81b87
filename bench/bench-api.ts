/**
 * The API as the campaign benchmarks use it: the administrator's token, renewed before it
 * expires (the `refresh_token` grant, or a new password login when the refresh fails) and
 * once more on a 401, so a run of any length keeps its access.
 */
import type { PrivateStack } from '../scripts/services/index.js';

/** Renew this long before the access token expires. */
const RENEW_BEFORE_MS = 60_000;

interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
}

export class BenchApi {
  private token = '';
  private refreshToken: string | undefined;
  private expiresAt = 0;
  /** Token renewals so far (refresh grant or login), for the report. */
  renewals = 0;

  private constructor(
    private readonly base: string,
    private readonly admin: PrivateStack['admin'],
  ) {}

  static async login(stack: PrivateStack): Promise<BenchApi> {
    const api = new BenchApi(stack.apiUrl, stack.admin);
    await api.passwordLogin();
    return api;
  }

  private async tokenRequest(fields: Record<string, string>): Promise<void> {
    const res = await fetch(`${this.base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'voicecast', ...fields }),
      signal: AbortSignal.timeout(15_000),
    });
    if (!res.ok) {
      const error = new Error(`token request (${fields.grant_type}) failed: ${res.status} ${await res.text()}`);
      throw Object.assign(error, { status: res.status });
    }
    const answer = (await res.json()) as TokenAnswer;
    this.token = answer.access_token;
    this.refreshToken = answer.refresh_token ?? this.refreshToken;
    this.expiresAt = Date.now() + (answer.expires_in ?? 300) * 1000;
  }

  private passwordLogin(): Promise<void> {
    return this.tokenRequest({ grant_type: 'password', ...this.admin });
  }

  /**
   * A new access token: by the refresh token if there is one, else (or when the API refuses
   * it) by logging in again. A refresh that failed for another reason (the API's database
   * down: 5xx, no answer) keeps the refresh token for the next try.
   */
  async renew(): Promise<void> {
    if (this.refreshToken) {
      try {
        await this.tokenRequest({ grant_type: 'refresh_token', refresh_token: this.refreshToken });
        this.renewals += 1;
        return;
      } catch (err) {
        const status = (err as { status?: number }).status;
        if (status !== 400 && status !== 401) throw err;
        this.refreshToken = undefined;
      }
    }
    await this.passwordLogin();
    this.renewals += 1;
  }

  private async send(method: string, path: string, body: unknown): Promise<Response> {
    const form = body instanceof FormData;
    return fetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined || form ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : form ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
  }

  /** JSON (or multipart when `body` is FormData) request; the answer must have `status`. */
  async request<T>(method: string, path: string, status: number, body?: unknown): Promise<T> {
    if (Date.now() > this.expiresAt - RENEW_BEFORE_MS) {
      // A failed renewal (the API's database down) is no reason to fail while the old token still holds.
      await this.renew().catch((err: unknown) => {
        if (Date.now() >= this.expiresAt) throw err;
      });
    }
    let res = await this.send(method, path, body);
    if (res.status === 401) {
      await this.renew();
      res = await this.send(method, path, body);
    }
    const text = await res.text();
    if (res.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** GET `path`: its status and body. */
  async download(path: string): Promise<{ status: number; body: Buffer }> {
    let res = await this.send('GET', path, undefined);
    if (res.status === 401) {
      await this.renew();
      res = await this.send('GET', path, undefined);
    }
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
  }
}

/** A multipart form with `name`, extra `fields` and one file. */
export function fileForm(
  name: string,
  fileName: string,
  content: Buffer | string,
  fields: Record<string, string> = {},
) {
  const form = new FormData();
  form.append('name', name);
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  form.append('file', new Blob([content]), fileName);
  return form;
}
