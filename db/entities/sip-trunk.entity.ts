import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { User } from './user.entity.js';

export const SIP_TRANSPORTS = ['udp', 'tcp'] as const;
export type SipTransport = (typeof SIP_TRANSPORTS)[number];

export const SIP_CODECS = ['PCMU', 'PCMA'] as const;
export type SipCodec = (typeof SIP_CODECS)[number];

/**
 * A SIP trunk (gateway account) a user places campaign calls through. The password is
 * stored sealed (lib/secret-box.ts, context {@link trunkPasswordContext}) and never
 * serialised; everything else is plain configuration. `name` is unique per owner.
 */
export const SipTrunk = defineEntity({
  name: 'SipTrunk',
  tableName: 'sip_trunk',
  uniques: [{ properties: ['owner', 'name'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    owner: () => p.manyToOne(User).deleteRule('cascade'),
    /** The owner's department this is shared with (issue 25); null: not shared. */
    departmentId: p.uuid().nullable(),
    name: p.string().length(200),
    /** Hostname or IP literal (IPv6 without brackets). */
    host: p.string().length(253),
    port: p.integer(),
    transport: p.enum(SIP_TRANSPORTS).default('udp'),
    username: p.string().length(128).nullable(),
    /** `v1.<kid>.<iv>.<tag>.<ciphertext>`; never serialised. */
    passwordSealed: p.text().nullable().hidden(),
    authUsername: p.string().length(128).nullable(),
    realm: p.string().length(253).nullable(),
    outboundProxyHost: p.string().length(253).nullable(),
    outboundProxyPort: p.integer().nullable(),
    callerIdNumber: p.string().length(32),
    callerIdName: p.string().length(100).nullable(),
    register: p.boolean().default(false),
    registerExpiresSeconds: p.integer().default(3600),
    maxConcurrentCalls: p.integer(),
    maxCallsPerSecond: p.integer(),
    /** Preference order, no duplicates. */
    codecs: p.array<SipCodec>(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type SipTrunk = InferEntity<typeof SipTrunk>;

/** The associated data a trunk's password is sealed for: binds the ciphertext to its row. */
export const trunkPasswordContext = (trunkId: string): string => `sip_trunk:${trunkId}:password`;
