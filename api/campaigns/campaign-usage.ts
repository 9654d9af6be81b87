import type { EntityManager } from '@mikro-orm/postgresql';
import { lockCampaignResource, type CampaignResource } from '../../db/campaigns.js';
import { ACTIVE_CAMPAIGN_STATUSES, Campaign } from '../../db/entities/index.js';
import { isAdmin, type Principal } from '../../auth/principal.js';
import { ConflictError } from '../../lib/errors.js';

/**
 * Throws 409 when a running or paused campaign uses the resource: its workflow still reads
 * it. Finished and draft campaigns do not block (their reference goes null on delete).
 * Call it inside the deleting transaction (`em` must be the transaction's): it locks the
 * resource's row first, and starting a campaign takes a share lock on the same rows, so a
 * start and a delete cannot pass each other. Only the caller's own campaigns (an
 * administrator's: all) are named; another user's campaign using a shared resource is
 * counted, never named (issue 25: it may be of another department by now).
 */
export async function assertNotUsedByActiveCampaign(
  em: EntityManager,
  resource: CampaignResource,
  id: string,
  what: string,
  principal: Principal,
): Promise<void> {
  await lockCampaignResource(em, resource, id);
  // A trunk is used as a campaign's `trunk` or as one of its group's fallbacks.
  const uses = resource === 'trunk' ? [{ trunk: id }, { fallbackTrunkIds: { $contains: [id] } }] : [{ [resource]: id }];
  const using = await em.find(
    Campaign,
    { $or: uses, status: { $in: [...ACTIVE_CAMPAIGN_STATUSES] } },
    { fields: ['id', 'name', 'owner'], limit: 5, orderBy: { createdAt: 'asc' } },
  );
  if (using.length === 0) return;
  const own = using.filter((c) => isAdmin(principal) || c.owner.id === principal.userId);
  const others = using.length - own.length;
  const names = [
    ...own.map((c) => `${JSON.stringify(c.name)} (${c.id})`),
    ...(others > 0 ? [`${others} campaign(s) of other users`] : []),
  ].join(', ');
  throw new ConflictError(
    `${what} is used by a running or paused campaign: ${names}. Cancel it or let it finish first.`,
  );
}
