import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AudioConverter } from '../../audio/audio-converter.js';
import { AudioRejectedError } from '../../audio/audio-error.js';
import { CONTENT_TYPES, EXTENSIONS, PREPARED_CONTENT_TYPE, PREPARED_SAMPLE_RATE } from '../../audio/formats.js';
import type { PreparedAudio } from '../../audio/prepare.js';
import { PoolBusyError } from '../../audio/worker-pool.js';
import type { Principal } from '../../auth/principal.js';
import { AudioMessage, User } from '../../db/entities/index.js';
import { AppError, NotFoundError, PayloadTooLargeError, UpstreamError, ValidationError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { Storage } from '../../lib/storage.js';
import { assertNotUsedByActiveCampaign } from '../campaigns/campaign-usage.js';
import { isUuid, newestFirstPage } from '../keyset-cursor.js';
import { changeableBy, ownerFilter, readableBy, type Access } from '../ownership.js';
import { audioProblem } from './audio-errors.js';
import type { AudioPage, AudioVariant, AudioView } from './audio.dto.js';
import { attachmentDisposition } from './audio-http.js';
import type { DownloadFormat } from '../downloads/format-negotiation.js';
import { MP3_CONTENT_TYPE, mp3KeyOf, type Mp3Cache } from '../downloads/mp3-cache.js';
import { isMissingObject, openStored, type StoredDownload } from '../downloads/stored-download.js';

const MAX_NAME = 200;

const toView = (a: AudioMessage): AudioView => ({
  id: a.id,
  ownerId: a.owner.id,
  shared: a.departmentId !== null && a.departmentId !== undefined,
  name: a.name,
  durationMs: a.durationMs,
  original: {
    format: a.originalFormat,
    contentType: CONTENT_TYPES[a.originalFormat],
    sampleRate: a.originalSampleRate,
    channels: a.originalChannels,
    size: a.originalSize,
    sha256: a.originalSha256,
  },
  prepared: {
    contentType: PREPARED_CONTENT_TYPE,
    sampleRate: PREPARED_SAMPLE_RATE,
    channels: 1,
    bitsPerSample: 16,
    size: a.preparedSize,
    durationMs: a.preparedDurationMs,
    // MikroORM types double precision as number | string; pg parses it to a number.
    loudnessLufs: a.loudnessLufs == null ? null : Number(a.loudnessLufs),
    gainDb: Number(a.gainDb),
  },
  createdAt: a.createdAt,
});

export interface AudioDownload {
  readonly file: StoredDownload;
  readonly contentType: string;
  readonly disposition: string;
}

export interface AudioServiceDeps {
  readonly em: EntityManager;
  readonly storage: Storage;
  readonly bucket: string;
  readonly converter: AudioConverter;
  /** MP3s of prepared forms, kept beside them in `bucket`. */
  readonly mp3: Mp3Cache;
  readonly maxUploadBytes: number;
  readonly logger: Logger;
}

/**
 * Audio messages: an upload is converted once (off the event loop), both files go to MinIO,
 * then the row is written; if any step fails, what was stored is removed again.
 */
export class AudioService {
  constructor(private readonly deps: AudioServiceDeps) {}

  async upload(principal: Principal, file: Express.Multer.File | undefined, name?: string): Promise<AudioView> {
    if (!file) throw new ValidationError([{ field: 'body.file', message: 'an audio file is required' }]);
    const title = this.messageName(name, file.originalname);
    if (file.size > this.deps.maxUploadBytes) {
      const detail = `The file has ${file.size} bytes; audio uploads may have at most ${this.deps.maxUploadBytes}.`;
      throw new PayloadTooLargeError(detail, [{ field: 'body.file', message: 'file too large' }]);
    }
    const prepared = await this.convert(file.path);
    const id = randomUUID();
    const prefix = `${principal.userId}/${id}`;
    const keys = { original: `${prefix}/original.${EXTENSIONS[prepared.format]}`, prepared: `${prefix}/prepared.wav` };
    try {
      await this.store(file.path, prepared, keys);
      const em = this.deps.em.fork();
      const audio = em.create(AudioMessage, {
        id,
        owner: em.getReference(User, principal.userId),
        name: title,
        durationMs: prepared.durationMs,
        originalFormat: prepared.format,
        originalSampleRate: prepared.sampleRate,
        originalChannels: prepared.channels,
        originalSize: prepared.originalSize,
        originalSha256: prepared.sha256,
        originalKey: keys.original,
        preparedSize: prepared.wav.byteLength,
        preparedDurationMs: Math.round((prepared.preparedSamples * 1000) / PREPARED_SAMPLE_RATE),
        preparedKey: keys.prepared,
        loudnessLufs: prepared.loudnessLufs,
        gainDb: prepared.gainDb,
      });
      await em.flush();
      return toView(audio);
    } catch (err) {
      await this.removeObjects([keys.original, keys.prepared]).catch((cleanupErr: unknown) =>
        this.deps.logger.error({ err: cleanupErr, keys }, 'could not remove the objects of a failed audio upload'),
      );
      throw err;
    }
  }

  async list(principal: Principal, limit: number, after?: string): Promise<AudioPage> {
    return newestFirstPage(this.deps.em, AudioMessage, ownerFilter(principal), { limit, after }, toView);
  }

  async get(principal: Principal, id: string): Promise<AudioView> {
    return toView(await this.find(this.deps.em.fork(), principal, id, 'read'));
  }

  /**
   * The original upload, or the prepared form as WAV or MP3 (encoded on first download and
   * kept beside the WAV); whole or the byte range `range` asks for.
   */
  async download(
    principal: Principal,
    id: string,
    variant: AudioVariant,
    format: DownloadFormat | undefined,
    range?: string,
  ): Promise<AudioDownload> {
    const audio = await this.find(this.deps.em.fork(), principal, id, 'read');
    const { bucket, storage, mp3 } = this.deps;
    if (variant === 'original') {
      if (format !== undefined) {
        throw new ValidationError([
          { field: 'format', message: 'the original is sent as uploaded; a format applies to the prepared form only' },
        ]);
      }
      return {
        file: await this.storageCall(() => openStored(storage, bucket, audio.originalKey, range), 'read', id),
        contentType: CONTENT_TYPES[audio.originalFormat],
        disposition: attachmentDisposition(`${audio.name}.${EXTENSIONS[audio.originalFormat]}`),
      };
    }
    const asMp3 = format === 'mp3';
    const key = asMp3
      ? await this.storageCall(() => mp3.ensure(bucket, audio.preparedKey), 'read', id)
      : audio.preparedKey;
    return {
      file: await this.storageCall(() => openStored(storage, bucket, key, range), 'read', id),
      contentType: asMp3 ? MP3_CONTENT_TYPE : PREPARED_CONTENT_TYPE,
      disposition: attachmentDisposition(`${audio.name} (8 kHz).${asMp3 ? 'mp3' : 'wav'}`),
    };
  }

  /**
   * Deletes the row and its objects (the MP3 made from the prepared form too) in one
   * transaction: if MinIO refuses, the row stays and the client can retry (deleting an
   * already deleted object succeeds). 409 while a running or paused campaign plays it.
   */
  async delete(principal: Principal, id: string): Promise<void> {
    await this.deps.em.fork().transactional(async (em) => {
      const audio = await this.find(em, principal, id);
      await assertNotUsedByActiveCampaign(em, 'audio', audio.id, `Audio ${id}`, principal);
      em.remove(audio);
      await em.flush();
      const keys = [audio.originalKey, audio.preparedKey, mp3KeyOf(audio.preparedKey)];
      await this.storageCall(() => this.removeObjects(keys), 'delete', id);
    });
  }

  private async find(
    em: EntityManager,
    principal: Principal,
    id: string,
    access: Access = 'change',
  ): Promise<AudioMessage> {
    const audio = isUuid(id) ? await em.findOne(AudioMessage, { id }) : null;
    return (access === 'read' ? readableBy : changeableBy)(principal, audio, `Audio ${id}`);
  }

  private messageName(name: string | undefined, fileName: string): string {
    if (name !== undefined) {
      const trimmed = name.trim();
      if (trimmed.length === 0 || trimmed.length > MAX_NAME) {
        throw new ValidationError([{ field: 'body.name', message: `must be 1–${MAX_NAME} characters` }]);
      }
      return trimmed;
    }
    // Default: the file name without its extension (it says nothing about the format anyway).
    const base = fileName.replace(/\.[^.]{1,10}$/, '').trim();
    return (base || 'audio').slice(0, MAX_NAME);
  }

  private async convert(path: string): Promise<PreparedAudio> {
    try {
      return await this.deps.converter.convert(path);
    } catch (err) {
      if (err instanceof AudioRejectedError) throw audioProblem(err);
      if (err instanceof PoolBusyError) {
        throw new UpstreamError('Audio conversion', 'Too many uploads are being converted; try again shortly.');
      }
      throw err;
    }
  }

  private async store(path: string, prepared: PreparedAudio, keys: { original: string; prepared: string }) {
    const { bucket, storage } = this.deps;
    const { wav } = prepared;
    const results = await Promise.allSettled([
      storage.putObject(bucket, keys.original, createReadStream(path), prepared.originalSize, {
        'Content-Type': CONTENT_TYPES[prepared.format],
      }),
      storage.putObject(
        bucket,
        keys.prepared,
        Buffer.from(wav.buffer, wav.byteOffset, wav.byteLength),
        wav.byteLength,
        {
          'Content-Type': PREPARED_CONTENT_TYPE,
        },
      ),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) await this.storageCall(() => Promise.reject(failed.reason as Error), 'write', keys.prepared);
  }

  private async removeObjects(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.deps.storage.removeObject(this.deps.bucket, key)));
  }

  /**
   * Runs a MinIO call; an object gone on reading is 404 (the message was deleted meanwhile),
   * any other failure a logged 503 (the client may retry). AppErrors pass as they are.
   */
  private async storageCall<T>(call: () => Promise<T>, action: string, id: string): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (action === 'read' && isMissingObject(err)) throw new NotFoundError(`Audio ${id}`);
      this.deps.logger.warn({ err, action }, 'object storage call failed');
      throw new UpstreamError('Object storage', `Could not ${action} the audio in object storage; try again later.`);
    }
  }
}
