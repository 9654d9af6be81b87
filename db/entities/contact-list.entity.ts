import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { User } from './user.entity.js';

/**
 * `importing` exists only inside the import's transaction (the list is committed `ready`
 * with its contacts, or not at all), so other sessions only ever see `ready` lists.
 */
export const CONTACT_LIST_STATUSES = ['importing', 'ready'] as const;
export type ContactListStatus = (typeof CONTACT_LIST_STATUSES)[number];

/** An uploaded contact list: its import counts; the contacts and invalid lines are rows of their own. */
export const ContactList = defineEntity({
  name: 'ContactList',
  tableName: 'contact_list',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    owner: () => p.manyToOne(User).deleteRule('cascade').index(),
    /** The owner's department this is shared with (issue 25); null: not shared. */
    departmentId: p.uuid().nullable(),
    name: p.string().length(200),
    status: p.enum(CONTACT_LIST_STATUSES).default('importing'),
    /** ISO 3166-1 alpha-2 country for numbers written without an international prefix. */
    defaultCountry: p.string().length(2).nullable(),
    /** Non-blank data rows of the file (header excluded) = imported + duplicates + invalid. */
    totalRows: p.integer().default(0),
    imported: p.integer().default(0),
    duplicates: p.integer().default(0),
    invalid: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  // Contacts and invalid lines have no foreign key (see contact.entity.ts): delete them here.
  triggers: [
    {
      name: 'delete_contacts',
      timing: 'after',
      events: ['delete'],
      forEach: 'row',
      body: 'delete from contact where list_id = old.id; delete from contact_invalid_line where list_id = old.id; return old;',
    },
  ],
});
export type ContactList = InferEntity<typeof ContactList>;
