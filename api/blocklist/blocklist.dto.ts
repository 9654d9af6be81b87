import type { BlocklistReason } from '../../db/entities/index.js';
import type { ImportFormat, InvalidLineView } from '../contact-lists/contact-lists.dto.js';

export interface BlocklistEntryView {
  /** @format uuid */
  id: string;
  /** @format uuid */
  ownerId: string;
  /** Shared with the owner's department: its members see it (and may use it), only the owner changes it. */
  shared: boolean;
  /** E.164, e.g. `+493012345678`. */
  phone: string;
  /** `manual` (added here), `upload` (bulk upload) or `opt_out` (the callee pressed a campaign's opt-out key). */
  reason: BlocklistReason;
  note: string | null;
  /** For an opt-out: the campaign of the call. */
  campaignId: string | null;
  /** For an opt-out: the call (journal row) in which the key was pressed. */
  callId: string | null;
  createdAt: Date;
}

export interface AddBlocklistEntryRequest {
  /**
   * The number in any usual form (`+49 30 1234567`, `0049…`, or national with `defaultCountry`),
   * normalised to E.164 like contact list numbers.
   * @minLength 1
   * @maxLength 64
   */
  phone: string;
  /** ISO 3166-1 alpha-2 country for a number without an international prefix (e.g. `DE`). */
  defaultCountry?: string;
  /**
   * Why, for people reading the list.
   * @maxLength 500
   */
  note?: string;
}

export interface BlocklistPage {
  /** Newest first. */
  items: BlocklistEntryView[];
  /** Pass as `after` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** What a bulk upload did; nothing of it is written unless the whole file went through. */
export interface BlocklistUploadReport {
  /** Non-blank data rows of the file (header excluded): added + alreadyPresent + duplicates + invalid. */
  totalRows: number;
  /** Numbers now on your blocklist that were not before. */
  added: number;
  /** Numbers that were on your blocklist already (their entries are left as they were). */
  alreadyPresent: number;
  /** Rows whose number an earlier row of the file already had. */
  duplicates: number;
  /** Rows without a usable phone number. */
  invalid: number;
  /** The first invalid lines (CONTACTS_REPORT_INVALID_LIMIT of them). */
  invalidSample: InvalidLineView[];
  format: ImportFormat;
}
