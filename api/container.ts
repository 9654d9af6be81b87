/**
 * The API's dependencies, built once in main.ts and handed to tsoa through `app.locals`,
 * so controllers get services by constructor and nothing is a module-level singleton.
 *
 * Services are built once; controllers are built per request. A tsoa `Controller` keeps the
 * status and headers a handler sets (`setStatus`, `setHeader`) on the instance, and tsoa's
 * generated routes only reset the status, so a shared controller would hand one request's
 * `Content-Disposition`, `Content-Range` or `Location` (or, mid-await, its status) to the next
 * request of any user. A fresh instance per request shares nothing by construction.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client as TemporalClient } from '@temporalio/client';
import type { KeyMaterial } from '../auth/keys.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import type { TokenVerifier } from '../auth/token-verifier.js';
import type { Pool } from '../db/sql.js';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import { SecretBox } from '../lib/secret-box.js';
import type { Storage } from '../lib/storage.js';
import { stackServicePorts, TrunkNetworks } from '../lib/trunk-networks.js';
import { WebhookNetworks } from '../lib/webhook-networks.js';
import { AudioConverter } from '../audio/audio-converter.js';
import { Mp3Encoder } from '../audio/mp3-encoder.js';
import { Mp3Cache } from './downloads/mp3-cache.js';
import { AudioController } from './audio/audio.controller.js';
import { AudioService } from './audio/audio.service.js';
import { AuditController } from './audit/audit.controller.js';
import { AuditService } from './audit/audit.service.js';
import { BlocklistUploadService } from './blocklist/blocklist-upload.service.js';
import { BlocklistController } from './blocklist/blocklist.controller.js';
import { BlocklistService } from './blocklist/blocklist.service.js';
import { CallsController } from './calls/calls.controller.js';
import { CallsService } from './calls/calls.service.js';
import { CallExportService } from './calls/call-export.service.js';
import { ExternalCallsController } from './calls/external-calls.controller.js';
import { WebhookDispatcher } from '../activities/webhook-dispatch.js';
import { JournalIngestService } from './calls/journal-ingest.service.js';
import { UploadAdmission } from './uploads.js';
import { createImportWorkers } from '../contacts/import-workers.js';
import { CampaignControlService } from './campaigns/campaign-control.service.js';
import { CampaignEventHub } from './campaigns/campaign-event-hub.js';
import { CampaignEventsController } from './campaigns/campaign-events.controller.js';
import { CampaignEventsService } from './campaigns/campaign-events.service.js';
import { CampaignWorkflows, callRetrySetting } from './campaigns/campaign-workflows.js';
import { CampaignsController } from './campaigns/campaigns.controller.js';
import { CampaignResultsController } from './campaigns/campaign-results.controller.js';
import { CampaignsService } from './campaigns/campaigns.service.js';
import { ClientsController } from './clients/clients.controller.js';
import { ClientsService } from './clients/clients.service.js';
import { ContactImportService } from './contact-lists/contact-import.service.js';
import { ContactListsController } from './contact-lists/contact-lists.controller.js';
import { ContactListsService } from './contact-lists/contact-lists.service.js';
import { DepartmentsController } from './departments/departments.controller.js';
import { DepartmentsService } from './departments/departments.service.js';
import { MeController } from './me/me.controller.js';
import { PoliciesController } from './policies/policies.controller.js';
import { PoliciesService } from './policies/policies.service.js';
import { ReservationsController } from './reservations/reservations.controller.js';
import { ReservationsService } from './reservations/reservations.service.js';
import { UserLimitsController } from './policies/user-limits.controller.js';
import { SharingController } from './sharing/sharing.controller.js';
import { SharingService } from './sharing/sharing.service.js';
import { SystemController } from './system/system.controller.js';
import { StatsController } from './stats/stats.controller.js';
import { StatsService } from './stats/stats.service.js';
import { SystemService } from './system/system.service.js';
import { TrunksController } from './trunks/trunks.controller.js';
import { TrunksService, type TrunkProber } from './trunks/trunks.service.js';
import { UsersController } from './users/users.controller.js';
import { UsersService } from './users/users.service.js';
import { WebhooksController } from './webhooks/webhooks.controller.js';
import { WebhooksService } from './webhooks/webhooks.service.js';

export interface Infrastructure {
  readonly config: Config;
  readonly logger: Logger;
  readonly orm: MikroORM;
  readonly pool: Pool;
  readonly storage: Storage;
  readonly temporal: TemporalClient;
  readonly keys: KeyMaterial;
  readonly verifyToken: TokenVerifier;
  /** Trunk tests; the engine behind it is made on first use (api/telephony.ts). */
  readonly telephony: TrunkProber;
}

type Ctor<T> = new (...args: never[]) => T;

export class Container {
  private readonly factories = new Map<Ctor<unknown>, () => unknown>();
  /** Worker threads for audio conversion; started on the first upload. */
  private readonly audioConverter: AudioConverter;
  /** Worker threads for MP3 downloads; started on the first one. */
  private readonly mp3Encoder: Mp3Encoder;
  /** The campaigns' live event streams (GET /campaigns/{id}/events). */
  readonly campaignEvents: CampaignEventHub;
  /** The journal, for the gRPC service as for REST. */
  readonly calls: CallsService;
  /** External calls into the journal (REST and gRPC). */
  readonly journalIngest: JournalIngestService;
  /** Uploads in flight per owner (multipart files and recordings, REST and gRPC alike). */
  readonly uploadAdmission: UploadAdmission;

  constructor(readonly infra: Infrastructure) {
    const users = new UsersService(infra.orm.em, infra.pool, new LoginThrottle(infra.pool, infra.config.auth));
    const clients = new ClientsService(infra.orm.em, infra.keys.clientSecretKey);
    const system = new SystemService(infra.temporal, infra.config.temporal.taskQueue);
    const trunks = new TrunksService(
      infra.orm.em,
      new SecretBox(infra.config.encryptionKeys),
      infra.telephony,
      infra.config.telephony.trunkTestTimeoutSeconds * 1000,
      infra.logger.child({ component: 'trunks' }),
      new TrunkNetworks(infra.config.telephony.trunkAllowedNetworks, stackServicePorts(infra.config)),
    );
    const { audio: audioConfig } = infra.config;
    this.audioConverter = new AudioConverter({
      workers: audioConfig.workers,
      prepare: {
        maxDurationSeconds: audioConfig.maxDurationSeconds,
        normalize: audioConfig.normalize,
        loudnessTargetLufs: audioConfig.loudnessTargetLufs,
      },
    });
    this.mp3Encoder = new Mp3Encoder(audioConfig.mp3);
    const mp3 = new Mp3Cache({
      storage: infra.storage,
      encoder: this.mp3Encoder,
      logger: infra.logger.child({ component: 'mp3' }),
    });
    const audio = new AudioService({
      em: infra.orm.em,
      storage: infra.storage,
      bucket: infra.config.minio.buckets.audio,
      converter: this.audioConverter,
      mp3,
      maxUploadBytes: audioConfig.maxUploadBytes,
      logger: infra.logger.child({ component: 'audio' }),
    });
    const { contacts, uploads } = infra.config;
    const importWorkers = createImportWorkers(contacts.importWorkers);
    const contactLists = new ContactListsService(
      infra.orm.em,
      infra.pool,
      uploads.dir,
      // Each invalid line is at most a line of the upload, quoted, plus its number and reason.
      4 * contacts.maxUploadBytes,
    );
    const contactImports = new ContactImportService(infra.orm.em, infra.pool, importWorkers, contacts, uploads.dir);
    const campaignWorkflows = new CampaignWorkflows(
      infra.temporal,
      infra.config.temporal.taskQueue,
      infra.logger.child({ component: 'campaigns' }),
      callRetrySetting(infra.config.api.campaignCallRetry),
    );
    const campaigns = new CampaignsService(infra.orm.em, infra.pool, campaignWorkflows);
    const campaignControl = new CampaignControlService(
      infra.orm.em,
      infra.pool,
      campaignWorkflows,
      infra.logger.child({ component: 'campaigns' }),
      infra.config.api.campaignCopyInlineMax,
    );
    this.register(UsersController, () => new UsersController(users));
    const departments = new DepartmentsService(infra.orm.em, infra.pool);
    this.register(DepartmentsController, () => new DepartmentsController(departments));
    this.register(MeController, () => new MeController(users, departments));
    const sharing = new SharingService(infra.orm.em);
    this.register(SharingController, () => new SharingController(sharing));
    this.register(ClientsController, () => new ClientsController(clients));
    this.register(SystemController, () => new SystemController(system));
    this.register(ContactListsController, () => new ContactListsController(contactLists, contactImports));
    this.register(TrunksController, () => new TrunksController(trunks));
    this.register(AudioController, () => new AudioController(audio));
    this.register(CampaignsController, () => new CampaignsController(campaigns, campaignControl));
    const { events } = infra.config.api;
    this.campaignEvents = new CampaignEventHub({
      pool: infra.pool,
      logger: infra.logger.child({ component: 'campaign-events' }),
      ...events,
    });
    const campaignEvents = new CampaignEventsService({
      em: infra.orm.em,
      pool: infra.pool,
      hub: this.campaignEvents,
      logger: infra.logger.child({ component: 'campaign-events' }),
      maxStreamMs: infra.config.auth.accessTokenTtlSeconds * 1000,
    });
    this.register(CampaignEventsController, () => new CampaignEventsController(campaignEvents));
    const stats = new StatsService(infra.orm.em, infra.pool);
    this.register(StatsController, () => new StatsController(stats));
    const webhooks = new WebhooksService(
      infra.orm.em,
      new SecretBox(infra.config.encryptionKeys),
      new WebhookNetworks(infra.config.webhooks.allowedNetworks),
      infra.pool,
      infra.config.policies,
    );
    this.register(WebhooksController, () => new WebhooksController(webhooks));
    const blocklist = new BlocklistService(infra.orm.em, infra.pool, infra.logger.child({ component: 'blocklist' }));
    const blocklistUploads = new BlocklistUploadService(infra.pool, importWorkers, contacts);
    this.register(BlocklistController, () => new BlocklistController(blocklist, blocklistUploads));
    const policies = new PoliciesService(infra.pool, infra.config.policies);
    this.register(PoliciesController, () => new PoliciesController(policies));
    const reservations = new ReservationsService(infra.pool);
    this.register(ReservationsController, () => new ReservationsController(reservations));
    this.register(UserLimitsController, () => new UserLimitsController(policies));
    const calls = new CallsService({
      pool: infra.pool,
      storage: infra.storage,
      bucket: infra.config.minio.buckets.recordings,
      mp3,
      logger: infra.logger.child({ component: 'calls' }),
    });
    const exports = new CallExportService({
      pool: infra.pool,
      publicUrl: infra.config.api.publicUrl,
      logger: infra.logger.child({ component: 'call-export' }),
    });
    this.register(CallsController, () => new CallsController(calls, exports));
    this.calls = calls;
    this.journalIngest = new JournalIngestService({
      pool: infra.pool,
      storage: infra.storage,
      bucket: infra.config.minio.buckets.recordings,
      logger: infra.logger.child({ component: 'journal-ingest' }),
      // External calls' webhook deliveries, started by the API right after their commit.
      webhooks: new WebhookDispatcher(infra.pool, infra.temporal, {
        taskQueue: infra.config.webhooks.taskQueue,
        policy: infra.config.webhooks.policy,
      }),
    });
    this.uploadAdmission = new UploadAdmission({ pool: infra.pool, defaults: infra.config.policies });
    const recordingLimits = { dir: uploads.dir, maxBytes: infra.config.ingest.recordingMaxBytes };
    this.register(
      ExternalCallsController,
      () => new ExternalCallsController(this.journalIngest, calls, recordingLimits, this.uploadAdmission),
    );
    this.register(CampaignResultsController, () => new CampaignResultsController(exports));
    const audit = new AuditService(infra.orm.em);
    this.register(AuditController, () => new AuditController(audit));
  }

  /** Stops what the container started (the event streams, the audio and MP3 worker threads). */
  async close(): Promise<void> {
    this.campaignEvents.close();
    await Promise.all([this.audioConverter.close(), this.mp3Encoder.close()]);
  }

  private register<T>(ctor: Ctor<T>, make: () => T): void {
    this.factories.set(ctor, make);
  }

  /** A new controller for one request; its services are the shared ones. */
  get<T>(ctor: Ctor<T>): T {
    const make = this.factories.get(ctor);
    if (!make) throw new Error(`no controller registered for ${ctor.name}`);
    return make() as T;
  }
}
