/**
 * The recording outbox: a recorded call's WAV is spooled on the worker's disk
 * (recording-spool.ts), its journal row says `recording_state = 'pending'`, and a
 * `recording_upload` row is committed with it. The upload is tried once right away (the
 * common case: the recording is stored before the call activity completes); when object
 * storage refuses it, the worker's {@link RecordingUploader} retries it with back-off, without
 * limit, until it is stored (`stored`, spool file deleted) or its spool file turns out to be
 * gone (`lost`, with the reason).
 *
 *   spool + fsync ─▶ journal row `pending` + outbox row (one transaction) ─▶ upload
 *                                                            ok ─▶ `stored`, outbox row and spool file deleted
 *                                               storage error ─▶ retried with back-off (no limit)
 *                                           spool file missing ─▶ `lost` (the reason in `recording_error`)
 *
 * Why a loop in the worker and not a Temporal workflow per upload (as webhooks have): the
 * file is on one worker's disk, so only that worker (or one restarted on the same spool
 * directory) can upload it. A Temporal activity would need a task queue per spool and keeps
 * nothing the outbox row does not; it would also stop uploads during a Temporal outage,
 * while this needs only PostgreSQL and MinIO. Uploads are claimed with `FOR UPDATE SKIP
 * LOCKED` and a lease (`next_try_at` pushed out), so processes sharing a spool never upload
 * one twice at once, and a claim of a process that died is taken up again after the lease, or
 * at once by a process started on the same spool. The statements are db/recording-uploads.ts.
 */
import { randomUUID } from 'node:crypto';
import { settleRecording } from '../db/call-records.js';
import {
  claimDueUploads,
  claimFirstTry,
  deleteRecordingUpload,
  insertRecordingUpload,
  makeSpoolDue,
  makeUploadsDue,
  msUntilNextUpload,
  scheduleUploadRetry,
  type ClaimedUpload,
} from '../db/recording-uploads.js';
import type { Pool, PoolClient } from '../db/sql.js';
import { inTransaction } from '../db/sql.js';
import type { Logger } from '../lib/logger.js';
import type { Storage } from '../lib/storage.js';
import type { WebhookDispatcher } from './webhook-dispatch.js';
import { enqueueCallEvents } from './webhook-outbox.js';
import type { RecordingSpool, SpooledRecording } from './recording-spool.js';

/** How long a claimed upload is left to its claimer before another process may take it over. */
const LEASE_MS = 10 * 60_000;
/** Uploads in flight at once per process. */
const CONCURRENCY = 4;
/** The longest the loop sleeps without looking (others sharing the spool may add uploads). */
const IDLE_POLL_MS = 30_000;
/** How long a call activity waits for the first try before leaving it to the loop. */
const FIRST_TRY_WAIT_MS = 15_000;

export interface RecordingUploaderOptions {
  readonly pool: Pool;
  readonly storage: Pick<Storage, 'putObject'>;
  readonly bucket: string;
  readonly spool: RecordingSpool;
  /** Back-off between tries: doubles from `initialRetryMs` up to `maxRetryIntervalMs`. */
  readonly retry: { readonly initialRetryMs: number; readonly maxRetryIntervalMs: number };
  /** Starts the `recording.uploaded` deliveries a stored recording enqueued. */
  readonly webhooks: Pick<WebhookDispatcher, 'dispatchCampaign'>;
  readonly logger?: Logger;
}

/**
 * Writes the outbox row of a spooled recording, in the transaction that journals its call
 * (whose row, by `attemptId`, is already written). Its first try is the call activity's
 * own, right after the commit; the loop takes it from `holdMs` on (a worker that died in
 * between).
 */
export async function enqueueRecordingUpload(
  client: PoolClient,
  attemptId: string,
  upload: SpooledRecording & { readonly holdMs: number },
): Promise<void> {
  await insertRecordingUpload(client, attemptId, {
    id: randomUUID(),
    spoolId: upload.spoolId,
    spoolFile: upload.spoolFile,
    key: upload.key,
    bytes: upload.bytes,
    holdMs: upload.holdMs,
  });
}

export class RecordingUploader {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Campaigns whose webhook deliveries could not be started yet (Temporal away). */
  private readonly undispatched = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  /**
   * Claimed uploads whose try ended while PostgreSQL was away, so that neither their result
   * nor their next try could be written: their claim would hold them for the whole lease
   * (10 minutes). Made due again as soon as the database answers.
   */
  private readonly unscheduled = new Set<string>();

  constructor(private readonly options: RecordingUploaderOptions) {}

  get spool(): RecordingSpool {
    return this.options.spool;
  }

  /** Spools a call's recording: on disk and fsynced when this resolves. */
  async spoolRecording(key: string, wav: Uint8Array): Promise<SpooledRecording & { readonly holdMs: number }> {
    const spooled = await this.options.spool.write(key, wav);
    return { ...spooled, holdMs: this.options.retry.initialRetryMs };
  }

  /**
   * The first try of a just-journalled upload, by the call activity. Never throws: whatever
   * goes wrong is the loop's to retry. Waits at most {@link FIRST_TRY_WAIT_MS} (a try that
   * hangs goes on in the background, under its lease).
   */
  async firstTry(attemptId: string): Promise<void> {
    const attempt = this.track(
      (async () => {
        const rows = await claimFirstTry(this.options.pool, this.options.spool.id, LEASE_MS, attemptId);
        // The call activity starts the webhook deliveries right after this (place-call.ts).
        await Promise.all(rows.map((row) => this.upload(row, false)));
        // A failed try has set its retry: the loop, idle for up to IDLE_POLL_MS since nothing was
        // due when it last looked, looks again now, so that the retry follows the back-off.
        if (rows.length > 0) this.wake?.();
      })().catch((err: unknown) => this.options.logger?.warn({ err, attemptId }, 'recording upload: first try failed')),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([attempt, new Promise<void>((resolve) => (timer = setTimeout(resolve, FIRST_TRY_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** Drops a spooled recording whose call was not journalled (its attempt was taken over). */
  async discard(spoolFile: string): Promise<void> {
    await this.options.spool.remove(spoolFile);
  }

  /** Starts the loop that uploads this spool's due recordings (those of a previous run too). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Stops the loop; waits for the uploads in flight, at most `graceMs` (what is not done
   * stays in the spool and the outbox, under its lease, for the next run).
   */
  async stop(graceMs = 5000): Promise<void> {
    this.running = false;
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.allSettled([this.loop, ...this.inFlight]), grace]);
    clearTimeout(timer);
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }

  private async run(): Promise<void> {
    const { pool, spool, retry, logger } = this.options;
    logger?.info({ spoolDir: spool.dir, spoolId: spool.id }, 'recording uploader started');
    let resumed = false;
    while (this.running) {
      let pauseMs: number;
      try {
        if (!resumed) {
          // A process that died mid-upload left its lease on this spool's uploads: the spool is
          // this process's now, so they are due at once, not when the lease runs out (an upload
          // done twice puts the same bytes under the same key).
          await makeSpoolDue(pool, spool.id);
          resumed = true;
        }
        await this.rescheduleUnscheduled();
        await this.dispatchLeftovers();
        const rows = await claimDueUploads(pool, spool.id, LEASE_MS, CONCURRENCY);
        await Promise.all(rows.map((row) => this.track(this.upload(row, true))));
        if (rows.length === CONCURRENCY) continue;
        pauseMs = await this.untilNextDue();
        if (this.unscheduled.size > 0) pauseMs = Math.min(pauseMs, retry.initialRetryMs);
      } catch (err) {
        logger?.warn({ err }, 'recording uploader: cannot read the outbox; retrying');
        pauseMs = retry.initialRetryMs;
      }
      await this.pause(pauseMs);
    }
  }

  /** Makes the uploads whose try could not be written due now (their lease is this process's). */
  private async rescheduleUnscheduled(): Promise<void> {
    if (this.unscheduled.size === 0) return;
    const ids = [...this.unscheduled];
    await makeUploadsDue(this.options.pool, ids);
    for (const id of ids) this.unscheduled.delete(id);
  }

  /** Milliseconds until this spool's next upload is due (at most {@link IDLE_POLL_MS}). */
  private async untilNextDue(): Promise<number> {
    const ms = await msUntilNextUpload(this.options.pool, this.options.spool.id);
    return ms === null || ms === undefined ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, Math.max(10, Math.ceil(ms)));
  }

  private pause(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /**
   * One try of a claimed upload; settles the outbox row whatever happens (never throws).
   * `dispatch`: start the webhook deliveries a stored recording enqueued.
   */
  private async upload(row: ClaimedUpload, dispatch: boolean): Promise<void> {
    const { storage, bucket, spool, logger } = this.options;
    const log = logger?.child({ callId: row.call_id, key: row.object_key, tries: row.tries });
    try {
      const file = await spool.openFile(row.spool_file);
      if (!file) {
        await this.settle(row, {
          state: 'lost',
          error: `the spooled recording ${row.spool_file} is gone from the worker's spool ${spool.id} (${spool.dir})`,
        });
        log?.error({ spoolDir: spool.dir }, 'recording lost: its spool file is gone');
        return;
      }
      // The stream closes the file when it ends, fails or is destroyed; its errors reach putObject.
      const stream = file.createReadStream();
      stream.on('error', () => undefined);
      try {
        const size = (await file.stat()).size;
        await storage.putObject(bucket, row.object_key, stream, size, { 'Content-Type': 'audio/wav' });
      } finally {
        stream.destroy();
      }
      await this.settle(row, { state: 'stored' });
      await spool.remove(row.spool_file);
      if (dispatch && row.campaign_id !== null) await this.dispatch(row.campaign_id);
      log?.debug('recording stored');
    } catch (err) {
      const delayMs = this.backoffMs(row.tries);
      log?.warn({ err, delayMs }, 'recording upload failed; retrying');
      await scheduleUploadRetry(
        this.options.pool,
        row.id,
        delayMs,
        err instanceof Error ? err.message : String(err),
      ).catch((e: unknown) => {
        this.unscheduled.add(row.id);
        log?.warn(
          { err: e },
          'recording upload: could not schedule the retry; it is retried once the database answers',
        );
      });
    }
  }

  /** Capped exponential back-off after the `tries`-th try. */
  private backoffMs(tries: number): number {
    const { initialRetryMs, maxRetryIntervalMs } = this.options.retry;
    return Math.min(maxRetryIntervalMs, initialRetryMs * 2 ** Math.min(30, Math.max(0, tries - 1)));
  }

  /**
   * Writes the recording's final state with the events it raises, and drops the outbox row,
   * in one transaction.
   */
  private async settle(row: ClaimedUpload, outcome: { state: 'stored' } | { state: 'lost'; error: string }) {
    await inTransaction(this.options.pool, async (client) => {
      const settled = await settleRecording(
        client,
        row.call_id,
        outcome.state,
        outcome.state === 'lost' ? outcome.error.slice(0, 500) : null,
      );
      if (settled && outcome.state === 'stored' && row.campaign_id !== null) {
        const attempt = { ownerId: row.owner_id, campaignId: row.campaign_id, attemptId: row.attempt_id };
        await enqueueCallEvents(client, { ...attempt, recordingBytes: Number(row.bytes) }, ['recording.uploaded']);
      }
      await deleteRecordingUpload(client, row.id);
    });
  }

  private async dispatch(campaignId: string): Promise<void> {
    try {
      await this.options.webhooks.dispatchCampaign(campaignId);
      this.undispatched.delete(campaignId);
    } catch (err) {
      // Started by the loop's next round (or the campaign's next claim).
      this.undispatched.add(campaignId);
      this.options.logger?.warn({ err, campaignId }, 'recording uploader: cannot start webhook deliveries yet');
    }
  }

  private async dispatchLeftovers(): Promise<void> {
    for (const campaignId of [...this.undispatched]) await this.dispatch(campaignId);
  }
}
