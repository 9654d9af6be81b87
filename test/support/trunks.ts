/**
 * Trunk API helpers for the integration tests. Every trunk password a test makes starts
 * with {@link PASSWORD_MARK}, and every response body read through {@link trunkApi} is
 * checked for it: a password showing up in any response fails the test that got it.
 */
import { randomUUID } from 'node:crypto';

export const PASSWORD_MARK = 'trunk-pw-mark-';

export const newPassword = (): string => `${PASSWORD_MARK}${randomUUID()}`;

/** A trunk, a trunk test result or a problem, as the tests read them. */
export interface TrunkBody {
  readonly id: string;
  readonly ownerId: string;
  readonly name: string;
  readonly port: number;
  readonly hasPassword: boolean;
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
  readonly [field: string]: unknown;
}

export interface Sent<T = TrunkBody> {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: T;
}

/** A JSON caller for the API at `base()` (a function: the stack URL is known only once it runs). */
export function trunkApi(base: () => string) {
  return async <T = TrunkBody>(method: string, path: string, token?: string, body?: unknown): Promise<Sent<T>> => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    expect(text).not.toContain(PASSWORD_MARK);
    return { status: res.status, headers: res.headers, text, json: (text ? JSON.parse(text) : undefined) as T };
  };
}
