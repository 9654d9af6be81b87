import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { CallRecord } from './call-record.entity.js';
import { Campaign } from './campaign.entity.js';
import { User } from './user.entity.js';

/**
 * How a number came onto the blocklist:
 * - `manual`: added one at a time through the API;
 * - `upload`: from a bulk upload (a file read like a contact list);
 * - `opt_out`: the callee pressed the campaign's opt-out digit (`campaign` and `call` say where).
 */
export const BLOCKLIST_REASONS = ['manual', 'opt_out', 'upload'] as const;
export type BlocklistReason = (typeof BLOCKLIST_REASONS)[number];

/**
 * A number its owner's campaigns never dial: checked by the placeCall activity right before
 * each call (activities/blocklist.ts), so an entry added mid-campaign holds from the next
 * attempt on. One row per owner and E.164 number; the unique key serves that check.
 */
export const BlocklistEntry = defineEntity({
  name: 'BlocklistEntry',
  tableName: 'blocklist',
  uniques: [{ properties: ['owner', 'phoneE164'] }],
  indexes: [
    { properties: ['owner', 'createdAt', 'id'] },
    // Only opt-outs point at a campaign and a call: partial indexes keep the references'
    // set-null deletes and the journal's opt-out lookup cheap without indexing every upload row.
    {
      name: 'blocklist_campaign_id_index',
      expression:
        'create index "blocklist_campaign_id_index" on "blocklist" ("campaign_id") where "campaign_id" is not null',
    },
    {
      name: 'blocklist_call_id_index',
      expression: 'create index "blocklist_call_id_index" on "blocklist" ("call_id") where "call_id" is not null',
    },
    // The dial-time check's lookup among the entries shared with a department (issue 25).
    {
      name: 'blocklist_department_id_phone_e164_index',
      expression:
        'create index "blocklist_department_id_phone_e164_index" on "blocklist" ("department_id", "phone_e164") where "department_id" is not null',
    },
  ],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    owner: () => p.manyToOne(User).deleteRule('cascade'),
    /** The owner's department this is shared with (issue 25); null: not shared. */
    departmentId: p.uuid().nullable(),
    phoneE164: p.string().length(24),
    reason: p.enum(BLOCKLIST_REASONS),
    note: p.string().length(500).nullable(),
    /** The campaign whose call the callee opted out of. */
    campaign: () => p.manyToOne(Campaign).nullable().deleteRule('set null'),
    /** The journal row of that call. */
    call: () => p.manyToOne(CallRecord).nullable().deleteRule('set null'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type BlocklistEntry = InferEntity<typeof BlocklistEntry>;
