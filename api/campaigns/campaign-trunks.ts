/**
 * A campaign's trunk group as the API takes it (issue 20): `trunkId` is the group's first
 * trunk (the column `campaign.trunk_id`, as before), `trunkIds` the whole group; the trunks
 * after the first are `campaign.fallback_trunk_ids`. Clients that know only `trunkId` keep
 * working: a new campaign with `trunkId` alone has a group of one, a change of `trunkId`
 * alone replaces the first trunk and keeps the others. `trunks` is the group with priorities
 * and weights (campaign/trunk-shares.ts): stored in priority order in the same two columns,
 * the shares in `campaign.trunk_shares`; `trunkId` or `trunkIds` alone set a plain order again.
 */
import type { Shareable } from '../ownership.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { SipTrunk } from '../../db/entities/index.js';
import type { FieldError } from '../../lib/errors.js';
import { isUuid } from '../keyset-cursor.js';
import { orderedShares, type TrunkShares } from '../../campaign/trunk-shares.js';
import type { UpdateCampaignRequest } from './campaigns.dto.js';

/** The group as stored: the first trunk and the ones after it, their shares (null: a plain order). */
export interface TrunkGroupColumns {
  readonly trunkId: string;
  readonly fallbackTrunkIds: string[];
  readonly trunkShares: TrunkShares | null;
}

type GroupFields = Pick<UpdateCampaignRequest, 'trunkId' | 'trunkIds' | 'trunks'>;

/** `trunks`: the group in priority order with its shares. */
function weightedGroup(body: GroupFields & { trunks: NonNullable<GroupFields['trunks']> }) {
  if (body.trunkIds !== undefined) {
    return { errors: [{ field: 'body.trunks', message: 'give trunks or trunkIds, not both' }] };
  }
  const { ids, shares } = orderedShares(body.trunks);
  const [first, ...rest] = ids;
  if (first === undefined) return { errors: [{ field: 'body.trunks', message: 'must name at least one trunk' }] };
  if (new Set(ids).size !== ids.length) {
    return { errors: [{ field: 'body.trunks', message: 'must name each trunk once' }] };
  }
  if (body.trunkId !== undefined && body.trunkId !== first) {
    return { errors: [{ field: 'body.trunkId', message: 'must be the first trunk of trunks (lowest priority)' }] };
  }
  return { group: { trunkId: first, fallbackTrunkIds: rest, trunkShares: shares }, errors: [] };
}

/**
 * The group the request asks for, on top of `current` (undefined: a new campaign); undefined
 * when the request leaves it alone. Errors name the field.
 */
export function requestedGroup(
  body: GroupFields,
  current: { readonly fallbackTrunkIds: readonly string[] } | undefined,
): { group?: TrunkGroupColumns; errors: FieldError[] } {
  const { trunkId, trunkIds, trunks } = body;
  if (trunks !== undefined) return weightedGroup({ ...body, trunks });
  if (trunkIds !== undefined) {
    const [first, ...rest] = trunkIds;
    if (first === undefined) return { errors: [{ field: 'body.trunkIds', message: 'must name at least one trunk' }] };
    if (new Set(trunkIds).size !== trunkIds.length) {
      return { errors: [{ field: 'body.trunkIds', message: 'must name each trunk once' }] };
    }
    if (trunkId !== undefined && trunkId !== first) {
      return { errors: [{ field: 'body.trunkId', message: 'must be trunkIds[0] when both are given' }] };
    }
    return { group: { trunkId: first, fallbackTrunkIds: rest, trunkShares: null }, errors: [] };
  }
  if (trunkId === undefined) {
    return current
      ? { errors: [] }
      : { errors: [{ field: 'body.trunkId', message: 'required (or trunkIds, or trunks)' }] };
  }
  const fallbackTrunkIds = (current?.fallbackTrunkIds ?? []).filter((id) => id !== trunkId);
  return { group: { trunkId, fallbackTrunkIds, trunkShares: null }, errors: [] };
}

/**
 * Each trunk of `trunkIds` (or `trunks`) must exist and be usable by the campaign's owner (theirs, or shared
 * with their department) — for an administrator too (F21, as `trunkId`: campaigns.service.ts). `trunkId`,
 * checked there, is not named twice.
 */
export async function groupReferenceProblems(
  em: EntityManager,
  usable: (row: Shareable) => boolean,
  body: GroupFields,
  whose: string,
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const named = [
    ...(body.trunkIds ?? []).map((id, i) => ({ id, field: `body.trunkIds[${i}]` })),
    ...(body.trunks ?? []).map((t, i) => ({ id: t.trunkId, field: `body.trunks[${i}].trunkId` })),
  ];
  for (const { id, field } of named) {
    if (id === body.trunkId) continue;
    const trunk = isUuid(id) ? await em.findOne(SipTrunk, { id }) : null;
    if (!trunk || !usable(trunk)) errors.push({ field, message: `no such trunk ${whose}` });
  }
  return errors;
}
