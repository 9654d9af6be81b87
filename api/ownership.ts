import { isAdmin, type Principal } from '../auth/principal.js';
import { NotFoundError } from '../lib/errors.js';

/**
 * Owned resources (trunks, audio, contact lists, campaigns, calls): the owner sees and
 * changes its own, an administrator sees all of them, anyone else gets 404 — never 403, so
 * that the existence of another owner's resource is not disclosed.
 */

/** The `owner` filter for a list or lookup: none for an administrator. */
export function ownerFilter(principal: Principal): { owner?: string } {
  return isAdmin(principal) ? {} : { owner: principal.userId };
}

/**
 * Returns `resource` when the caller may see it; throws 404 naming `what` (e.g.
 * `Trunk 4f…`) when it does not exist or belongs to someone else.
 */
export function visibleTo<T>(principal: Principal, resource: T | null, ownerId: (r: T) => string, what: string): T {
  if (resource === null || (!isAdmin(principal) && ownerId(resource) !== principal.userId)) {
    throw new NotFoundError(what);
  }
  return resource;
}
