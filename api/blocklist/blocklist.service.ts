/**
 * The blocklist, one entry at a time: numbers are normalised to E.164 exactly as contact
 * list imports do (contacts/phone.ts, with the same optional default country), so an entry
 * matches the contacts it is meant to stop. Campaigns check it right before dialling
 * (activities/blocklist.ts); the shared statements are db/blocklist.ts. Bulk uploads are
 * BlocklistUploadService.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isAdmin, type Principal } from '../../auth/principal.js';
import { isE164, normalisePhone, toCountryCode } from '../../contacts/phone.js';
import { upsertManualEntry } from '../../db/blocklist.js';
import { BlocklistEntry } from '../../db/entities/index.js';
import type { Pool } from '../../db/sql.js';
import { ForbiddenError, ValidationError, type FieldError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { isUuid, newestFirstPage } from '../keyset-cursor.js';
import { changeableBy, ownerFilter, readableBy, type Access } from '../ownership.js';
import type { AddBlocklistEntryRequest, BlocklistEntryView, BlocklistPage } from './blocklist.dto.js';

export const toBlocklistEntryView = (e: BlocklistEntry): BlocklistEntryView => ({
  id: e.id,
  ownerId: e.owner.id,
  shared: e.departmentId !== null && e.departmentId !== undefined,
  phone: e.phoneE164,
  reason: e.reason,
  note: e.note ?? null,
  campaignId: e.campaign?.id ?? null,
  callId: e.call?.id ?? null,
  createdAt: e.createdAt,
});

/** Where a number and its default country came from, for the 422 that names them. */
interface PhoneInput {
  readonly phone: string;
  readonly defaultCountry: string | undefined;
  /** Field names as the problem response shows them, e.g. `body.phone`. */
  readonly fields: { readonly phone: string; readonly defaultCountry: string };
}

/** The number in E.164; 422 naming the field when it (or its default country) is unusable. */
export function toE164({ phone, defaultCountry, fields }: PhoneInput): string {
  const errors: FieldError[] = [];
  const country = defaultCountry?.trim() ? toCountryCode(defaultCountry) : undefined;
  if (defaultCountry?.trim() && !country) {
    errors.push({ field: fields.defaultCountry, message: 'not an ISO 3166-1 alpha-2 country code (e.g. DE, FR, US)' });
  }
  const result = normalisePhone(phone, country);
  if (!isE164(result)) errors.push({ field: fields.phone, message: `not a phone number we can dial (${result})` });
  if (errors.length > 0) throw new ValidationError(errors);
  return result;
}

export class BlocklistService {
  constructor(
    private readonly em: EntityManager,
    private readonly pool: Pool,
    /** Where administrators' removals of opt-outs are recorded. */
    private readonly logger: Logger,
  ) {}

  /**
   * Puts the number on the caller's blocklist. Idempotent: a number already there keeps its
   * entry as it is (reason, note, date) and `created` is false.
   */
  async add(
    principal: Principal,
    body: AddBlocklistEntryRequest,
  ): Promise<{ entry: BlocklistEntryView; created: boolean }> {
    const phone = toE164({
      phone: body.phone,
      defaultCountry: body.defaultCountry,
      fields: { phone: 'body.phone', defaultCountry: 'body.defaultCountry' },
    });
    const { id, created } = await upsertManualEntry(this.pool, {
      id: randomUUID(),
      ownerId: principal.userId,
      phone,
      note: body.note?.trim() || null,
    });
    const entry = await this.em.fork().findOneOrFail(BlocklistEntry, { id });
    return { entry: toBlocklistEntryView(entry), created };
  }

  async get(principal: Principal, id: string): Promise<BlocklistEntryView> {
    return toBlocklistEntryView(await this.find(this.em.fork(), principal, id, 'read'));
  }

  /** The caller's entries (an administrator's: everyone's), newest first, optionally for one number. */
  async list(
    principal: Principal,
    query: { limit: number; after?: string; phone?: string; defaultCountry?: string },
  ): Promise<BlocklistPage> {
    if (query.phone === undefined && query.defaultCountry !== undefined && !toCountryCode(query.defaultCountry)) {
      throw new ValidationError([
        { field: 'defaultCountry', message: 'not an ISO 3166-1 alpha-2 country code (e.g. DE, FR, US)' },
      ]);
    }
    const phone =
      query.phone === undefined
        ? undefined
        : toE164({
            phone: query.phone,
            defaultCountry: query.defaultCountry,
            fields: { phone: 'phone', defaultCountry: 'defaultCountry' },
          });
    const where = { ...ownerFilter(principal), ...(phone ? { phoneE164: phone } : {}) };
    return newestFirstPage(this.em, BlocklistEntry, where, query, toBlocklistEntryView);
  }

  /**
   * Takes the number off the list: campaigns may call it again from their next attempt on.
   * An opt-out (the callee pressed the key) is the callee's decision, not the tenant's: only
   * an administrator may remove one (403 for the owner, F23), and each removal is logged at
   * warn with who removed it and the call it came from.
   */
  async remove(principal: Principal, id: string): Promise<void> {
    await this.em.fork().transactional(async (em) => {
      const entry = await this.find(em, principal, id);
      if (entry.reason === 'opt_out') {
        if (!isAdmin(principal)) {
          throw new ForbiddenError(
            'This number was opted out by the callee during a call; only an administrator can remove an opt-out.',
          );
        }
        this.logger.warn(
          {
            entryId: entry.id,
            ownerId: entry.owner.id,
            campaignId: entry.campaign?.id ?? null,
            callId: entry.call?.id ?? null,
            optedOutAt: entry.createdAt,
            removedBy: principal.subject,
            removedByUser: principal.userId,
          },
          'opt-out removed from a blocklist by an administrator',
        );
      }
      em.remove(entry);
    });
  }

  private async find(
    em: EntityManager,
    principal: Principal,
    id: string,
    access: Access = 'change',
  ): Promise<BlocklistEntry> {
    const entry = isUuid(id) ? await em.findOne(BlocklistEntry, { id }) : null;
    return (access === 'read' ? readableBy : changeableBy)(principal, entry, `Blocklist entry ${id}`);
  }
}
