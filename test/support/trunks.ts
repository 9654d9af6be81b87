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

/** A page of `GET /api/v1/trunks`. */
export interface TrunkPage {
  items: TrunkBody[];
  nextCursor?: string;
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

/** A trunk test's whole answer from a gateway that answered the OPTIONS 200 without a challenge. */
export const ANSWERED_WITHOUT_AUTH = {
  reachable: true,
  authenticated: null,
  rttMs: expect.any(Number) as unknown,
  sipCode: 200,
  sipReason: 'OK',
  registration: null,
  error: null,
} as const;

/**
 * The API's trunk test error for every way of getting no SIP answer (closed, filtered, not
 * SIP): api/trunks/trunks.service.ts NO_SIP_ANSWER, written out so a change is noticed.
 */
export const NO_SIP_ANSWER = 'no SIP answer from the trunk (nothing answered, or not SIP) before the deadline';

/** The API's whole trunk test answer when no SIP answer came. */
export const NO_ANSWER = {
  reachable: false,
  authenticated: null,
  rttMs: null,
  sipCode: null,
  sipReason: null,
  registration: null,
  error: NO_SIP_ANSWER,
} as const;

/** A trunk test's whole answer when nothing answered before the deadline (the engine's words). */
export const TIMED_OUT = {
  reachable: false,
  authenticated: null,
  rttMs: null,
  sipCode: null,
  sipReason: null,
  registration: null,
  error: 'timeout',
} as const;

/** A registering trunk's accepted REGISTER (with a digest), as a trunk test reports it. */
export const REGISTERED = {
  reachable: true,
  authenticated: true,
  sipCode: 200,
  registration: { registered: true, sipCode: 200, sipReason: 'OK' },
  error: null,
} as const;
