import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Campaign } from './campaign.entity.js';
import { User } from './user.entity.js';

/**
 * Where a call's recording is:
 * - `none`: the call was not recorded (or not answered).
 * - `pending`: spooled on the worker's disk, in the upload outbox (`recording_upload`), not
 *   in object storage yet; `recordingKey` is the key it will have.
 * - `stored`: in the recordings bucket under `recordingKey`.
 * - `lost`: it will never be stored; `recordingError` says why (e.g. the spool file is gone).
 */
export const RECORDING_STATES = ['none', 'pending', 'stored', 'lost'] as const;
export type RecordingState = (typeof RECORDING_STATES)[number];

/**
 * The call journal: one row per call attempt, written once when the attempt has ended (by
 * the placeCall activity; `attemptId` makes a retried activity find its row instead of
 * calling again). Kept when the campaign is deleted (the reference goes null).
 */
export const CallRecord = defineEntity({
  name: 'CallRecord',
  tableName: 'call_record',
  // Searches page newest first by (inviteAt, id): each index ends in that order, so a page
  // is one index range scan whatever the table's size. Owners search within their own rows,
  // administrators across all owners (the two without `owner`).
  indexes: [
    { properties: ['owner', 'phoneE164', 'inviteAt', 'id'] },
    { properties: ['owner', 'inviteAt', 'id'] },
    { properties: ['campaign', 'inviteAt', 'id'] },
    { properties: ['phoneE164', 'inviteAt', 'id'] },
    { properties: ['inviteAt', 'id'] },
    // The campaign event stream reads a campaign's rows in commit-safe order (api/campaigns/campaign-event-feed.ts).
    { properties: ['campaign', 'journalXid', 'id'] },
  ],
  // An external call is found again by (owner, source, externalId): a resend answers the same row.
  uniques: [
    {
      name: 'call_record_external_unique',
      expression:
        'create unique index "call_record_external_unique" on "call_record" ("owner_id", "source", "external_id") where "source" is not null',
    },
  ],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    owner: () => p.manyToOne(User).deleteRule('cascade'),
    campaign: () => p.manyToOne(Campaign).nullable().deleteRule('set null'),
    /** `campaign_contact.id` (no foreign key: the journal outlives the scheduler state). */
    campaignContactId: p.bigint('number').nullable(),
    /** `<campaignContactId>:<attempt>`: the idempotency key of the attempt. */
    attemptId: p.string().length(64).unique(),
    attempt: p.integer(),
    phoneE164: p.string().length(24),
    /** The trunk that carried the call: the last one of `trunkAttempts`. */
    trunkId: p.uuid().nullable(),
    /** Every trunk an INVITE went to, in order: `[{trunkId, sipCode, reason}]`; null when none (or before trunk groups). */
    trunkAttempts: p.json<unknown[]>().nullable(),
    /** The number the INVITE's From carried (a caller-ID pool's pick, the campaign's or the trunk's). */
    callerIdNumber: p.string().length(32).nullable(),
    inviteAt: p.datetime(),
    ringingAt: p.datetime().nullable(),
    answerAt: p.datetime().nullable(),
    endAt: p.datetime(),
    outcome: p.string().length(32),
    sipCode: p.integer().nullable(),
    sipReason: p.string().length(200).nullable(),
    hungUpBy: p.string().length(8).nullable(),
    endReason: p.string().length(200),
    /** Answer to end, ms; null when not answered. */
    talkMs: p.integer().nullable(),
    codec: p.string().length(8).nullable(),
    /** RTP statistics (sent, received, lost, jitter). */
    rtp: p.json<Record<string, number>>().nullable(),
    /** `[{digit, atMs, durationMs, source}]`. */
    dtmf: p.json<unknown[]>(),
    /** The callee pressed the campaign's opt-out digit: the number went on the blocklist and we hung up. */
    optedOut: p.boolean().default(false),
    /** Answering-machine detection's result (verdict, cause, decision time, greeting end, beep, action); null when off. */
    machineDetection: p.json<Record<string, unknown>>().nullable(),
    /** The object key of the recording (stored, or to be stored while `pending`). */
    recordingKey: p.string().length(300).nullable(),
    recordingState: p.enum(RECORDING_STATES).default('none'),
    /** Why a `lost` recording is lost. */
    recordingError: p.string().length(500).nullable(),
    recordingPrivate: p.boolean().default(false),
    tags: p.array<string>().default([]),
    createdAt: p.datetime().onCreate(() => new Date()),
    /** External calls (issue 24): the PBX that sent it; null for the calls we place. */
    source: p.string().length(64).nullable(),
    /** The PBX's own id of the call, unique per owner and source. */
    externalId: p.string().length(128).nullable(),
    /** `inbound`, `outbound` or `internal`. */
    direction: p.string().length(8).nullable(),
    /** The caller and callee as the PBX gave them (E.164, an extension or a SIP URI). */
    fromParty: p.string().length(256).nullable(),
    toParty: p.string().length(256).nullable(),
    /** The PBX's free-form fields (string values, bounded). */
    externalFields: p.json<Record<string, string>>().nullable(),
    /** SHA-256 of the call as first sent: a resend with other data is a conflict. */
    externalDigest: p.string().length(64).nullable(),
    /** SHA-256 of an uploaded recording: the same upload again is a no-op, another a conflict. */
    recordingDigest: p.string().length(64).nullable(),
    /**
     * The id of the transaction that wrote the row's outcome (set on insert by the default, and
     * again when an answered call's row is completed). Rows are streamed in `(journalXid, id)`
     * order only below the oldest transaction still running, so none can turn up later behind a
     * client's `Last-Event-ID` (api/campaigns/event-cursor.ts).
     */
    journalXid: p.string().columnType('xid8').defaultRaw('pg_current_xact_id()'),
  },
});
export type CallRecord = InferEntity<typeof CallRecord>;
