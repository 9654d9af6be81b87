/**
 * A campaign's trunk group as the API takes it (issue 20): `trunkId` is the group's first
 * trunk (the column `campaign.trunk_id`, as before), `trunkIds` the whole group; the trunks
 * after the first are `campaign.fallback_trunk_ids`. Clients that know only `trunkId` keep
 * working: a new campaign with `trunkId` alone has a group of one, a change of `trunkId`
 * alone replaces the first trunk and keeps the others.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { SipTrunk } from '../../db/entities/index.js';
import type { FieldError } from '../../lib/errors.js';
import { isUuid } from '../keyset-cursor.js';
import type { UpdateCampaignRequest } from './campaigns.dto.js';

/** The group as stored: the first trunk and the ones after it. */
export interface TrunkGroupColumns {
  readonly trunkId: string;
  readonly fallbackTrunkIds: string[];
}

/**
 * The group the request asks for, on top of `current` (undefined: a new campaign); undefined
 * when the request leaves it alone. Errors name the field.
 */
export function requestedGroup(
  body: Pick<UpdateCampaignRequest, 'trunkId' | 'trunkIds'>,
  current: { readonly fallbackTrunkIds: readonly string[] } | undefined,
): { group?: TrunkGroupColumns; errors: FieldError[] } {
  const { trunkId, trunkIds } = body;
  if (trunkIds !== undefined) {
    const [first, ...rest] = trunkIds;
    if (first === undefined) return { errors: [{ field: 'body.trunkIds', message: 'must name at least one trunk' }] };
    if (new Set(trunkIds).size !== trunkIds.length) {
      return { errors: [{ field: 'body.trunkIds', message: 'must name each trunk once' }] };
    }
    if (trunkId !== undefined && trunkId !== first) {
      return { errors: [{ field: 'body.trunkId', message: 'must be trunkIds[0] when both are given' }] };
    }
    return { group: { trunkId: first, fallbackTrunkIds: rest }, errors: [] };
  }
  if (trunkId === undefined) {
    return current ? { errors: [] } : { errors: [{ field: 'body.trunkId', message: 'required (or trunkIds)' }] };
  }
  return {
    group: { trunkId, fallbackTrunkIds: (current?.fallbackTrunkIds ?? []).filter((id) => id !== trunkId) },
    errors: [],
  };
}

/**
 * Each trunk of `trunkIds` must exist and be the campaign owner's — for an administrator too
 * (F21, as `trunkId`: campaigns.service.ts). `trunkId`, checked there, is not named twice.
 */
export async function groupReferenceProblems(
  em: EntityManager,
  ownerId: string,
  body: Pick<UpdateCampaignRequest, 'trunkId' | 'trunkIds'>,
  whose: string,
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  for (const [index, id] of (body.trunkIds ?? []).entries()) {
    if (id === body.trunkId) continue;
    const trunk = isUuid(id) ? await em.findOne(SipTrunk, { id }) : null;
    if (!trunk || trunk.owner.id !== ownerId) {
      errors.push({ field: `body.trunkIds[${index}]`, message: `no such trunk ${whose}` });
    }
  }
  return errors;
}
