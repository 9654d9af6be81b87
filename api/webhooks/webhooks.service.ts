import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../../auth/principal.js';
import {
  Campaign,
  User,
  Webhook,
  WebhookDelivery,
  WEBHOOK_EVENTS,
  webhookSecretContext,
  type WebhookDeliveryStatus,
} from '../../db/entities/index.js';
import { loadOwnerPolicy } from '../../db/owner-policy.js';
import type { Pool } from '../../db/sql.js';
import { lockUser } from '../../db/users.js';
import { LimitExceededError, ValidationError, type FieldError } from '../../lib/errors.js';
import type { PolicyDefaults } from '../../campaign/owner-policy.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { generateWebhookSecret } from '../../lib/webhook-signature.js';
import { afterCursor, encodeCursor, isUuid, keysetPage, newestFirstPage } from '../keyset-cursor.js';
import { changeableBy, ownerFilter, readableBy, type Access } from '../ownership.js';
import type { WebhookNetworks } from '../../lib/webhook-networks.js';
import { webhookUrlOrError } from './webhook-url.js';
import type {
  CreateWebhookRequest,
  UpdateWebhookRequest,
  WebhookDeliveryPage,
  WebhookDeliveryView,
  WebhookPage,
  WebhookView,
  WebhookWithSecret,
} from './webhooks.dto.js';

export const toWebhookView = (w: Webhook): WebhookView => ({
  id: w.id,
  ownerId: w.owner.id,
  shared: w.departmentId !== null && w.departmentId !== undefined,
  campaignId: w.campaign?.id ?? null,
  url: w.url,
  events: [...w.events],
  active: w.active,
  createdAt: w.createdAt,
  updatedAt: w.updatedAt,
});

const toDeliveryView = (d: WebhookDelivery): WebhookDeliveryView => ({
  id: d.id,
  event: d.event as WebhookDeliveryView['event'],
  attemptId: d.subject,
  status: d.status,
  attempts: d.attempts,
  lastStatusCode: d.lastStatusCode ?? null,
  lastError: d.lastError ?? null,
  createdAt: d.createdAt,
  lastAttemptAt: d.lastAttemptAt ?? null,
  finishedAt: d.finishedAt ?? null,
  tries: d.attemptLog.map((t) => ({ ...t })),
  payload: JSON.parse(d.body) as unknown,
});

/**
 * Webhooks of their owners (admins see all) and their delivery logs. The signing secret is
 * generated here, returned once (creation, rotation) and stored sealed; no other response,
 * log line or error carries it.
 */
export class WebhooksService {
  constructor(
    private readonly em: EntityManager,
    private readonly secrets: SecretBox,
    private readonly networks: WebhookNetworks,
    private readonly pool: Pool,
    private readonly policyDefaults: PolicyDefaults,
  ) {}

  async list(principal: Principal, limit: number, after?: string): Promise<WebhookPage> {
    return newestFirstPage(this.em, Webhook, ownerFilter(principal), { limit, after }, toWebhookView);
  }

  async get(principal: Principal, id: string): Promise<WebhookView> {
    return toWebhookView(await this.find(this.em.fork(), principal, id, 'read'));
  }

  /**
   * 409 `limit-exceeded` when the caller already has `maxWebhooks` (F13: every call writes a
   * delivery row, and starts a workflow, per webhook and event). Counted under a lock on the
   * owner's row, so creates at the same moment cannot pass the limit together.
   */
  async create(principal: Principal, body: CreateWebhookRequest): Promise<WebhookWithSecret> {
    const { maxWebhooks } = await loadOwnerPolicy(this.pool, principal.userId, this.policyDefaults);
    return this.em.fork().transactional(async (em) => {
      await lockUser(em, principal.userId);
      if ((await em.count(Webhook, { owner: principal.userId })) >= maxWebhooks) {
        throw new LimitExceededError(
          'maxWebhooks',
          maxWebhooks,
          `You have ${maxWebhooks} webhooks, the most allowed (maxWebhooks); delete one or ask an administrator to raise the limit.`,
        );
      }
      return this.insert(em, principal, body);
    });
  }

  private async insert(
    em: EntityManager,
    principal: Principal,
    body: CreateWebhookRequest,
  ): Promise<WebhookWithSecret> {
    const hook = em.create(Webhook, {
      id: randomUUID(), // known before the insert: the sealed secret is bound to it
      owner: em.getReference(User, principal.userId),
      campaign: null,
      url: body.url,
      events: [...WEBHOOK_EVENTS],
      active: true,
      secretSealed: '',
    });
    await this.apply(em, hook, body);
    const secret = this.newSecret(hook);
    await em.flush();
    return { ...toWebhookView(hook), secret };
  }

  async update(principal: Principal, id: string, body: UpdateWebhookRequest): Promise<WebhookView> {
    const em = this.em.fork();
    const hook = await this.find(em, principal, id);
    await this.apply(em, hook, body);
    await em.flush();
    return toWebhookView(hook);
  }

  /** A new secret replaces the old one at once: deliveries from now on (retries too) are signed with it. */
  async rotateSecret(principal: Principal, id: string): Promise<WebhookWithSecret> {
    const em = this.em.fork();
    const hook = await this.find(em, principal, id);
    const secret = this.newSecret(hook);
    await em.flush();
    return { ...toWebhookView(hook), secret };
  }

  /** Deletes the webhook and its delivery log; deliveries still pending are not sent. */
  async delete(principal: Principal, id: string): Promise<void> {
    const em = this.em.fork();
    em.remove(await this.find(em, principal, id));
    await em.flush();
  }

  /** The webhook's delivery log, newest first, optionally of one status. */
  async deliveries(
    principal: Principal,
    id: string,
    page: { limit: number; after?: string; status?: WebhookDeliveryStatus },
  ): Promise<WebhookDeliveryPage> {
    const em = this.em.fork();
    const hook = await this.find(em, principal, id);
    const rows = await em.find(
      WebhookDelivery,
      { webhook: hook.id, ...(page.status ? { status: page.status } : {}), ...afterCursor(page.after) },
      { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], limit: page.limit + 1 },
    );
    return keysetPage(rows, page.limit, toDeliveryView, encodeCursor);
  }

  private newSecret(hook: Webhook): string {
    const secret = generateWebhookSecret();
    hook.secretSealed = this.secrets.seal(secret, webhookSecretContext(hook.id));
    return secret;
  }

  /** Applies the fields given; 422 naming every field that is wrong, with nothing changed. */
  private async apply(em: EntityManager, hook: Webhook, body: UpdateWebhookRequest) {
    const errors: FieldError[] = [];
    let url: string | undefined;
    if (body.url !== undefined) {
      const checked = webhookUrlOrError(body.url, this.networks);
      if ('error' in checked) errors.push(checked.error);
      else url = checked.url;
    }
    let campaign: Campaign | null | undefined;
    if (body.campaignId !== undefined && body.campaignId !== null) {
      // Your own campaign, also for an administrator: events are matched by the calls' owner.
      campaign = isUuid(body.campaignId) ? await em.findOne(Campaign, { id: body.campaignId }) : null;
      if (!campaign || campaign.owner.id !== hook.owner.id) {
        errors.push({ field: 'body.campaignId', message: 'no such campaign of yours' });
      }
    } else if (body.campaignId === null) campaign = null;
    if (errors.length > 0) throw new ValidationError(errors);
    if (url !== undefined) hook.url = url;
    if (campaign !== undefined) hook.campaign = campaign;
    if (body.events !== undefined) hook.events = WEBHOOK_EVENTS.filter((e) => body.events?.includes(e));
    if (body.active !== undefined) hook.active = body.active;
  }

  private async find(em: EntityManager, principal: Principal, id: string, access: Access = 'change'): Promise<Webhook> {
    const hook = isUuid(id) ? await em.findOne(Webhook, { id }) : null;
    return (access === 'read' ? readableBy : changeableBy)(principal, hook, `Webhook ${id}`);
  }
}
