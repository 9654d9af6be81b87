/**
 * External calls into the journal (issue 24): one service behind both the REST routes
 * (external-calls.controller.ts) and the gRPC service (grpc/), so the rules and the SQL are
 * written once.
 *
 * - A call is idempotent on (owner, source, externalId): the insert does nothing on a
 *   conflict, and the row found instead answers the resend when the data is the same (by
 *   the digest of the call as first sent), else a 409. A PATCH of tags or `private` later
 *   does not change the digest: the PBX resending its original still gets a 200.
 * - A recording is checked as WAV on a spooled copy, stored in the recordings bucket under a
 *   key named by its SHA-256, and recorded with a conditional update (`recording_state =
 *   'none'`): of two uploads at once, one wins; the same bytes again are a 200, others a 409.
 * - Webhooks (docs/webhooks.md): the first store of a call enqueues `call.ingested`, that of
 *   its recording `recording.uploaded`, in the transaction of the write (the outbox), for the
 *   owner's owner-wide webhooks; a resend writes nothing, so it raises nothing. Their delivery
 *   workflows are started after the commit; should that fail (Temporal down, the process
 *   dying), the worker's sweep of the outbox starts them (activities/webhook-dispatch.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../auth/principal.js';
import { AudioRejectedError } from '../../audio/audio-error.js';
import { fileSource } from '../../audio/byte-source.js';
import { parseWavHeader } from '../../audio/wav-header.js';
import { enqueueExternalCallEvent } from '../../activities/webhook-outbox.js';
import type { WebhookDispatcher } from '../../activities/webhook-dispatch.js';
import {
  insertExternalCall,
  selectExternalCall,
  selectRecordingDigest,
  selectRecordingTarget,
  storeExternalRecording,
  type RecordingTarget,
} from '../../db/external-calls.js';
import { inTransaction, type Pool } from '../../db/sql.js';
import { AppError, ConflictError, UpstreamError, ValidationError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { Storage } from '../../lib/storage.js';
import { isUuid } from '../keyset-cursor.js';
import { visibleTo } from '../ownership.js';
import { toCallView, type CallRow } from './call-rows.js';
import type { ExternalCall } from './external-call-input.js';
import type { IngestedCall } from './external-call.dto.js';

/** `end_reason` of every external call: the PBX's own reason is in its fields, if it sent one. */
export const EXTERNAL_END_REASON = 'external call';

export interface JournalIngestDeps {
  readonly pool: Pool;
  readonly storage: Storage;
  /** The recordings bucket (the same as our own calls'). */
  readonly bucket: string;
  readonly logger: Logger;
  /** Starts the webhook deliveries a write enqueued, once it is committed. */
  readonly webhooks: Pick<WebhookDispatcher, 'dispatch'>;
}

/** A recording spooled to a local file, with its size. */
export interface SpooledRecording {
  readonly path: string;
  readonly size: number;
}

/** The call an upload is for (db/external-calls.ts). */
export type TargetRow = RecordingTarget;

export class JournalIngestService {
  constructor(private readonly deps: JournalIngestDeps) {}

  /** Stores the call for the caller (an administrator's own calls too), or finds it again. */
  async addCall(principal: Principal, call: ExternalCall): Promise<IngestedCall> {
    const owner = principal.userId;
    const stored = await inTransaction(this.deps.pool, async (client) => {
      const row = await insertExternalCall<CallRow>(client, {
        id: randomUUID(),
        ownerId: owner,
        phoneE164: call.phoneE164,
        startAt: call.startAt.text,
        answerAt: call.answerAt?.text ?? null,
        endAt: call.endAt.text,
        outcome: call.outcome,
        endReason: EXTERNAL_END_REASON,
        talkMs: call.talkMs,
        tags: call.tags,
        private: call.private,
        source: call.source,
        externalId: call.externalId,
        direction: call.direction,
        from: call.from,
        to: call.to,
        fieldsJson: JSON.stringify(call.fields),
        digest: call.digest,
      });
      if (!row) return undefined;
      const deliveries = await enqueueExternalCallEvent(client, { ownerId: owner, callId: row.id }, 'call.ingested');
      return { row, deliveries };
    });
    if (stored) {
      await this.startDeliveries(stored.deliveries, stored.row.id);
      return { call: toCallView(stored.row), created: true };
    }
    const existing = await selectExternalCall<CallRow>(this.deps.pool, owner, call.source, call.externalId);
    // Gone between the two statements (its owner deleted): say so rather than pretend.
    if (!existing) throw new ConflictError('The call was removed while it was being stored; send it again.');
    if (existing.external_digest !== call.digest) {
      throw new ConflictError(
        `A call with source ${call.source} and externalId ${call.externalId} exists with other data (call ${existing.id}); ` +
          'a stored external call is not changed by a resend.',
        [{ field: 'externalId', message: 'already stored with other data' }],
      );
    }
    return { call: toCallView(existing), created: false };
  }

  /**
   * Stores the spooled WAV as the external call's recording. `created` false: the same
   * recording was already stored. 404 for a call the caller cannot see, 409 for one of ours
   * (its recording comes from the worker) or one that has another recording, 422 (field
   * `fieldName`) for bytes that are not a WAV file we can read.
   */
  async storeRecording(
    principal: Principal,
    id: string,
    file: SpooledRecording,
    fieldName = 'body',
  ): Promise<{ created: boolean }> {
    const target = await this.uploadTarget(principal, id);
    checkWav(file.path, fieldName);
    const digest = await sha256(file.path);
    if (target.recording_state !== 'none') return this.again(id, target.recording_digest, digest);
    const key = `external/${target.owner_id}/${id}/${digest}.wav`;
    await this.put(key, file);
    const deliveries = await inTransaction(this.deps.pool, async (client) => {
      if (!(await storeExternalRecording(client, id, key, digest))) return undefined;
      const call = { ownerId: target.owner_id, callId: id };
      return enqueueExternalCallEvent(client, call, 'recording.uploaded', file.size);
    });
    if (deliveries) {
      await this.startDeliveries(deliveries, id);
      return { created: true };
    }
    // Another upload won the race: ours is not referenced (unless it was the same bytes).
    const winner = await selectRecordingDigest(this.deps.pool, id);
    if (winner !== digest) await this.deps.storage.removeObject(this.deps.bucket, key).catch(() => undefined);
    return this.again(id, winner, digest);
  }

  /**
   * The call an upload is for, checked before a byte of it is read (404 for a call the caller
   * cannot see, 409 `not-external` for one of ours) and again when it is stored.
   */
  async uploadTarget(principal: Principal, id: string): Promise<TargetRow> {
    const row = isUuid(id) ? await selectRecordingTarget(this.deps.pool, id) : undefined;
    const target = visibleTo(principal, row ?? null, (r) => r.owner_id, `Call ${id}`);
    if (target.source === null) {
      throw new AppError(
        409,
        'not-external',
        'Not an external call',
        `Call ${id} was placed by Voicecast: its recording comes from the worker, not an upload.`,
      );
    }
    return target;
  }

  /**
   * Starts the committed deliveries. A failure is not the client's: its call is stored and
   * the deliveries are in the outbox, where the worker's sweep finds them.
   */
  private async startDeliveries(ids: string[], callId: string): Promise<void> {
    try {
      await this.deps.webhooks.dispatch(ids);
    } catch (err) {
      this.deps.logger.warn({ err, callId, deliveries: ids.length }, 'webhook deliveries left to the sweep');
    }
  }

  private again(id: string, stored: string | null, digest: string): { created: boolean } {
    if (stored === digest) return { created: false };
    throw new ConflictError(`Call ${id} already has another recording; a stored recording is not replaced.`);
  }

  private async put(key: string, file: SpooledRecording): Promise<void> {
    try {
      await this.deps.storage.putObject(this.deps.bucket, key, createReadStream(file.path), file.size, {
        'Content-Type': 'audio/wav',
      });
    } catch (err) {
      if (err instanceof AppError) throw err;
      this.deps.logger.warn({ err, key }, 'object storage upload failed');
      throw new UpstreamError('Object storage', 'Could not store the recording; try again later.');
    }
  }
}

/** A RIFF/WAVE file whose header we read, with audio in it; else a 422 naming `field`. */
function checkWav(path: string, field: string): void {
  const source = fileSource(path);
  try {
    const head = Buffer.from(source.read(0, 12));
    if (head.length < 12 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') {
      throw new ValidationError(
        [{ field, message: 'not a WAV file (no RIFF/WAVE header)' }],
        'The recording is not a WAV file.',
      );
    }
    const header = parseWavHeader(source);
    if (header.frames === 0) throw new ValidationError([{ field, message: 'the WAV file holds no audio' }]);
  } catch (err) {
    if (err instanceof AudioRejectedError) {
      throw new ValidationError([{ field, message: err.message }], 'The recording is not a readable WAV file.');
    }
    throw err;
  } finally {
    source.close();
  }
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
