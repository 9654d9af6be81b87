import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { ContactList } from './contact-list.entity.js';

/**
 * One imported contact. Written in bulk by COPY (db/copy-sink.ts), read a page at a
 * time in `line` order; the primary key (list, line) serves that order, the unique key
 * (list, phone) guarantees a number appears once per list.
 *
 * No foreign key to `contact_list`: its check runs once per inserted row and measured
 * 6 µs a row (6 s of a 1M-row import). The list's delete trigger removes the contacts
 * instead, and contacts are only ever written by the import, after their list.
 */
export const Contact = defineEntity({
  name: 'Contact',
  tableName: 'contact',
  properties: {
    list: () => p.manyToOne(ContactList).primary().createForeignKeyConstraint(false),
    /** Line of the uploaded file where the contact's row starts. */
    line: p.integer().primary(),
    /** `+` and up to 20 digits: libphonenumber accepts some numbers longer than E.164's 15 (German extensions). */
    phoneE164: p.string().length(24),
    name: p.text().nullable(),
    /** The file's other columns, by header name (or `column<n>`). */
    variables: p.json<Record<string, string>>(),
  },
  primaryKeys: ['list', 'line'],
  uniques: [{ properties: ['list', 'phoneE164'] }],
});
export type Contact = InferEntity<typeof Contact>;

/** A line of an uploaded file that held no usable phone number; downloadable in full. */
export const ContactInvalidLine = defineEntity({
  name: 'ContactInvalidLine',
  tableName: 'contact_invalid_line',
  properties: {
    list: () => p.manyToOne(ContactList).primary().createForeignKeyConstraint(false),
    line: p.integer().primary(),
    /** The phone column's value, cut to 200 characters. */
    raw: p.text(),
    /** One of contacts/phone.ts INVALID_REASONS. */
    reason: p.string().length(32),
  },
  primaryKeys: ['list', 'line'],
});
export type ContactInvalidLine = InferEntity<typeof ContactInvalidLine>;
