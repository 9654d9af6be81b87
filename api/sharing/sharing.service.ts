/**
 * Sharing an owned object with its owner's department (issue 25, docs/departments.md): one
 * way for the six shareable kinds, `PUT …/{id}/sharing`. Only the owner or an administrator
 * changes it (403 for a member who sees it because it is shared, 404 for anyone else), and
 * the department is always the owner's own, also when an administrator shares it.
 */
import type { EntityManager, EntityName } from '@mikro-orm/postgresql';
import type { Principal } from '../../auth/principal.js';
import { lockedDepartmentOfUser } from '../../db/departments.js';
import { AudioMessage, BlocklistEntry, Campaign, ContactList, SipTrunk, Webhook } from '../../db/entities/index.js';
import { ValidationError } from '../../lib/errors.js';
import { changeableBy } from '../ownership.js';
import type { SharingView } from './sharing.dto.js';

interface ShareableRow {
  id: string;
  owner: { id: string };
  departmentId?: string | null;
}

const KINDS = {
  trunk: { entity: SipTrunk, what: 'Trunk' },
  audio: { entity: AudioMessage, what: 'Audio' },
  contactList: { entity: ContactList, what: 'Contact list' },
  campaign: { entity: Campaign, what: 'Campaign' },
  blocklist: { entity: BlocklistEntry, what: 'Blocklist entry' },
  webhook: { entity: Webhook, what: 'Webhook' },
} as const;

export type ShareKind = keyof typeof KINDS;

export class SharingService {
  constructor(private readonly em: EntityManager) {}

  async setShared(principal: Principal, kind: ShareKind, id: string, shared: boolean): Promise<SharingView> {
    const { entity, what } = KINDS[kind];
    return this.em.fork().transactional(async (em) => {
      const found = await em.findOne<ShareableRow>(entity as EntityName<ShareableRow>, { id });
      const row = changeableBy(principal, found, `${what} ${id}`);
      // The owner's department, locked against a concurrent move (db/departments.ts).
      const departmentId = await lockedDepartmentOfUser(em, row.owner.id);
      if (shared && departmentId === null) {
        throw new ValidationError([{ field: 'body.shared', message: 'the owner belongs to no department' }]);
      }
      row.departmentId = shared ? departmentId : null;
      await em.flush();
      return { id: row.id, ownerId: row.owner.id, shared };
    });
  }
}
