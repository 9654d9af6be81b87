import type { AuditOutcome, AuditTargetType } from '../../db/entities/index.js';

/** One audited request (`GET /api/v1/audit`). */
export interface AuditEntryView {
  /** @format uuid */
  id: string;
  /** When the request was answered. */
  createdAt: Date;
  /** Stable name of what was done, e.g. `trunk.update`, `campaign.pause`, `user.change_password`. */
  action: string;
  /** The operation, as `METHOD /path/{template}`. */
  route: string;
  targetType: AuditTargetType;
  /** The resource's id (a uuid, or a machine client's `vc_…`); null when the request named none. */
  targetId: string | null;
  actor: AuditActorView;
  /** The caller's address: the socket's, or with TRUST_PROXY the one the proxy appended. */
  ip: string | null;
  /** The request's `X-Request-Id`, to find it in the API's log. */
  requestId: string | null;
  /** The HTTP status answered. */
  status: number;
  /**
   * `success` (2xx: done), `denied` (401 or 403), `rejected` (another 4xx: nothing changed),
   * `error` (5xx: may be partly done).
   */
  outcome: AuditOutcome;
  /**
   * The fields the request sent (for an upload: its form fields and the file's name, type and
   * size), every secret replaced by `[redacted]` (a cleared one stays `null`). Null when the
   * request did not succeed.
   */
  changes: Record<string, unknown> | null;
}

export interface AuditActorView {
  /**
   * The user who acted, or who owns the machine client that did.
   * @format uuid
   */
  userId: string;
  username: string;
  /** The machine client that acted for `userId`; null for a user's own token. */
  clientId: string | null;
  /** The caller's role for this request. */
  role: string;
}

export interface AuditPage {
  /** Newest first. */
  items: AuditEntryView[];
  /** Pass as `after` for the next page; absent on the last page. */
  nextCursor?: string;
}

/**
 * An action name (`trunk.update`), or a prefix ending in `.*` (`campaign.*`).
 * @maxLength 64
 * @pattern ^[a-z_]+(\.[a-z_]+)*(\.\*)?$ must be an action name such as trunk.update, or a prefix such as campaign.*
 */
export type AuditActionFilter = string;

/**
 * A resource id: a uuid or a machine client's `vc_…`.
 * @minLength 1
 * @maxLength 200
 */
export type AuditTargetIdFilter = string;
