import type { WebhookDeliveryStatus, WebhookEvent } from '../../db/entities/index.js';

/**
 * `call.completed`: each call attempt's final result; `recording.uploaded`: an answered call's
 * recording (also an external call's, marked with its `source`); `call.ingested`: an external
 * call another PBX sent (`POST /api/v1/calls` or gRPC), when it is first stored.
 */
export type WebhookEventName = WebhookEvent;

export interface WebhookView {
  /** @format uuid */
  id: string;
  /** @format uuid */
  ownerId: string;
  /** Shared with the owner's department: its members see it (and may use it), only the owner changes it. */
  shared: boolean;
  /** The campaign whose calls it is told about; `null`: all of the owner's calls (every campaign's and the external ones). */
  campaignId: string | null;
  url: string;
  events: WebhookEventName[];
  /** An inactive webhook gets no new events; its pending deliveries end as failed. */
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookWithSecret extends WebhookView {
  /**
   * The signing secret, shown only in this response (at creation or rotation): the key of
   * the `Voicecast-Signature` HMAC (docs/webhooks.md).
   */
  secret: string;
}

export interface UpdateWebhookRequest {
  /**
   * Where to POST the events: an http or https URL, without user name or password.
   * @minLength 1
   * @maxLength 2048
   */
  url?: string;
  /**
   * One of your campaigns; `null`: every campaign of yours and your external calls (only
   * such a webhook is told about those).
   * @format uuid
   */
  campaignId?: string | null;
  /**
   * Default (at creation): every event.
   * @minItems 1
   */
  events?: WebhookEventName[];
  active?: boolean;
}

export interface CreateWebhookRequest extends UpdateWebhookRequest {
  /**
   * Where to POST the events: an http or https URL, without user name or password.
   * @minLength 1
   * @maxLength 2048
   */
  url: string;
}

/** One try of a delivery. */
export interface WebhookAttemptView {
  /** ISO 8601. */
  at: string;
  durationMs: number;
  /** The receiver's HTTP status; `null` when it did not answer (see `error`). */
  statusCode: number | null;
  error: string | null;
}

/** One event for one webhook and how its delivery went (the delivery log). */
export interface WebhookDeliveryView {
  /**
   * The `Voicecast-Delivery` header and the body's `id`: the same on every try.
   * @format uuid
   */
  id: string;
  event: WebhookEventName;
  /** The call attempt the event is about (`attemptId` in the body; `ext:<callId>` for an external call). */
  attemptId: string;
  status: WebhookDeliveryStatus;
  /** POSTs made so far. */
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  /** When it was delivered or failed for good. */
  finishedAt: Date | null;
  /** Every try, oldest first. */
  tries: WebhookAttemptView[];
  /** The body sent, as JSON. */
  payload: unknown;
}

export interface WebhookDeliveryPage {
  /** Newest first. */
  items: WebhookDeliveryView[];
  /** Pass as `after` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** One page of webhooks, newest first; the list envelope every collection shares. */
export interface WebhookPage {
  items: WebhookView[];
  /** Pass as `after` for the next page; absent on the last page. */
  nextCursor?: string;
}
