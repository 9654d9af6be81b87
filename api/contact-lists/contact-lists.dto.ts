import type { InvalidReason } from '../../contacts/phone.js';
import type { ContactListStatus } from '../../db/entities/index.js';

export interface ContactListView {
  /** @format uuid */
  id: string;
  name: string;
  /** @format uuid */
  ownerId: string;
  /** Shared with the owner's department: its members see it (and may use it), only the owner changes it. */
  shared: boolean;
  /** Always `ready` outside the import's own transaction. */
  status: ContactListStatus;
  /** ISO 3166-1 alpha-2 country applied to national numbers, if one was given. */
  defaultCountry: string | null;
  /** Non-blank data rows of the file (header excluded): imported + duplicates + invalid. */
  totalRows: number;
  imported: number;
  /** Rows whose number was already imported from an earlier row (the first one wins). */
  duplicates: number;
  /** Rows without a usable phone number; all of them at `GET /contact-lists/{id}/invalid`. */
  invalid: number;
  createdAt: Date;
}

export interface InvalidLineView {
  /** Line of the file where the row starts (the header is line 1). */
  line: number;
  /** The phone column's value (cut to 200 characters). */
  raw: string;
  reason: InvalidReason;
}

/** How the file was read: what was given, else what was detected. */
export interface ImportFormat {
  /** `null`: one value per line. */
  delimiter: ',' | ';' | '\t' | '|' | null;
  hasHeader: boolean;
  encoding: 'utf8' | 'latin1';
  phoneColumn: string;
  nameColumn: string | null;
  /** The other columns, kept as each contact's variables. */
  variables: string[];
}

export interface ImportReport extends ContactListView {
  /** The first invalid lines (CONTACTS_REPORT_INVALID_LIMIT of them). */
  invalidSample: InvalidLineView[];
  format: ImportFormat;
}

export interface ContactView {
  /** Line of the file where the contact's row starts. */
  line: number;
  /** E.164, e.g. `+493012345678`. */
  phone: string;
  name: string | null;
  /** The file's other columns, by header name (`column<n>` without a header). */
  variables: Record<string, string>;
}

export interface ContactPage {
  /** In file order. */
  items: ContactView[];
  /** Pass as `cursor` to get the next page; absent on the last page. */
  nextCursor?: string;
}

/** One page of contact lists, newest first; the list envelope every collection shares. */
export interface ContactListPage {
  items: ContactListView[];
  /** Pass as `after` for the next page; absent on the last page. */
  nextCursor?: string;
}
