import type { EntityManager } from '@mikro-orm/postgresql';
import { deriveClientSecret, newClientId } from '../../auth/client-secrets.js';
import { requireAdmin, type Principal } from '../../auth/principal.js';
import { OAuthClient, User } from '../../db/entities/index.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { newestFirstPage } from '../keyset-cursor.js';
import type {
  ClientPage,
  ClientView,
  ClientWithSecret,
  CreateClientRequest,
  UpdateClientRequest,
} from './clients.dto.js';

/** Machine client ids (`vc_…`, or the first-party client's name), as a cursor may carry them. */
const isClientId = (id: string): boolean => /^[A-Za-z0-9_.-]{1,64}$/.test(id);

const toView = (c: OAuthClient): ClientView => ({
  id: c.id,
  name: c.name,
  ownerId: c.owner.id,
  role: c.role,
  disabled: c.disabled,
  createdAt: c.createdAt,
});

/** Machine clients (OAuth client_credentials). Created and managed by administrators. */
export class ClientsService {
  constructor(
    private readonly em: EntityManager,
    private readonly secretKey: Buffer,
  ) {}

  async list(principal: Principal, limit: number, after?: string): Promise<ClientPage> {
    requireAdmin(principal, 'manage machine clients');
    return newestFirstPage(this.em, OAuthClient, {}, { limit, after, isId: isClientId }, toView);
  }

  async create(principal: Principal, body: CreateClientRequest): Promise<ClientWithSecret> {
    requireAdmin(principal, 'manage machine clients');
    const em = this.em.fork();
    const ownerId = body.ownerId ?? principal.userId;
    const owner = await em.findOne(User, { id: ownerId });
    if (!owner) throw new ValidationError([{ field: 'body.ownerId', message: 'no such user' }]);
    const client = em.create(OAuthClient, {
      id: newClientId(),
      name: body.name,
      owner,
      role: body.role ?? 'user',
      secretVersion: 1,
      disabled: false,
    });
    await em.flush();
    return this.withSecret(client);
  }

  async update(principal: Principal, id: string, body: UpdateClientRequest): Promise<ClientView> {
    requireAdmin(principal, 'manage machine clients');
    const em = this.em.fork();
    const client = await this.find(em, id);
    if (body.name !== undefined) client.name = body.name;
    if (body.role !== undefined) client.role = body.role;
    if (body.disabled !== undefined) client.disabled = body.disabled;
    await em.flush();
    return toView(client);
  }

  /** Issues a new secret; the old one stops working at once (tokens already issued run out). */
  async rotateSecret(principal: Principal, id: string): Promise<ClientWithSecret> {
    requireAdmin(principal, 'manage machine clients');
    const em = this.em.fork();
    const client = await this.find(em, id);
    client.secretVersion += 1;
    await em.flush();
    return this.withSecret(client);
  }

  private withSecret(client: OAuthClient): ClientWithSecret {
    return { ...toView(client), clientSecret: deriveClientSecret(this.secretKey, client.id, client.secretVersion) };
  }

  private async find(em: EntityManager, id: string): Promise<OAuthClient> {
    const client = await em.findOne(OAuthClient, { id });
    if (!client) throw new NotFoundError(`Client ${id}`);
    return client;
  }
}
