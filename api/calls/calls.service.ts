import { isAdmin, type Principal } from '../../auth/principal.js';
import type { Pool } from '../../db/sql.js';
import { AppError, ForbiddenError, NotFoundError, UpstreamError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { Storage } from '../../lib/storage.js';
import { isUuid, keysetPage } from '../keyset-cursor.js';
import { visibleTo } from '../ownership.js';
import type { DownloadFormat } from '../downloads/format-negotiation.js';
import type { Mp3Cache } from '../downloads/mp3-cache.js';
import { isMissingObject, openStored, type StoredDownload } from '../downloads/stored-download.js';
import { encodeCallCursor, parseCallQuery, type CallQueryInput } from './call-query.js';
import { searchCallsSql, selectCall, selectRecording, updateCallMarks } from '../../db/call-records.js';
import { toCallView, type CallRow } from './call-rows.js';
import { parseCallUpdate } from './call-update.js';
import type { CallPage, CallView, UpdateCallRequest } from './calls.dto.js';

/** A recording to send: the whole file, or one byte range of it; or the size when the range cannot be served. */
export type RecordingDownload =
  | StoredDownload
  /** Not in object storage yet (recording_state `pending`): ask again in `retryAfterSeconds`. */
  | { readonly kind: 'pending'; readonly retryAfterSeconds: number };

/** Retry-After of a pending recording whose next upload try is not known (or overdue). */
const PENDING_RETRY_AFTER_SECONDS = 5;

interface RecordingRow {
  owner_id: string;
  recording_key: string | null;
  recording_private: boolean;
  recording_state: string;
  recording_error: string | null;
  /** Seconds until the outbox's next upload try, when there is one. */
  next_try_in: number | null;
}

export interface CallsServiceDeps {
  readonly pool: Pool;
  readonly storage: Storage;
  /** The recordings bucket. */
  readonly bucket: string;
  /** MP3s of recordings, kept beside them in `bucket`. */
  readonly mp3: Mp3Cache;
  readonly logger: Logger;
}

/** The call journal: search, one call, its recording, its tags and private flag. */
export class CallsService {
  constructor(private readonly deps: CallsServiceDeps) {}

  async list(principal: Principal, input: CallQueryInput): Promise<CallPage> {
    const query = parseCallQuery(input);
    const { text, values } = searchCallsSql(query, isAdmin(principal) ? undefined : principal.userId);
    const { rows } = await this.deps.pool.query<CallRow>(text, values);
    return keysetPage(rows, query.limit, toCallView, (row) =>
      encodeCallCursor({ inviteAt: row.invite_exact, id: row.id }),
    );
  }

  async get(principal: Principal, id: string): Promise<CallView> {
    const row = isUuid(id) ? await selectCall<CallRow>(this.deps.pool, id) : undefined;
    return toCallView(visibleTo(principal, row ?? null, (r) => r.owner_id, `Call ${id}`));
  }

  /** Sets the fields given, in one statement; another owner's call is 404 like a missing one. */
  async update(principal: Principal, id: string, body: UpdateCallRequest): Promise<CallView> {
    const change = parseCallUpdate(body);
    const owner = isAdmin(principal) ? null : principal.userId;
    const row = isUuid(id)
      ? await updateCallMarks<CallRow>(
          this.deps.pool,
          id,
          { tags: change.tags ?? null, private: change.private ?? null },
          owner,
        )
      : undefined;
    if (!row) throw new NotFoundError(`Call ${id}`);
    return toCallView(row);
  }

  /**
   * The recording, or the part `range` (an HTTP Range header) asks for. 404 without a
   * recording (or a lost one), 403 while the call is private (for everyone, its owner
   * included), `pending` while it waits in a worker's spool. As MP3, encoded on the first
   * download and kept beside the WAV (see Mp3Cache).
   */
  async recording(
    principal: Principal,
    id: string,
    range: string | undefined,
    format: DownloadFormat = 'wav',
  ): Promise<RecordingDownload> {
    const found = isUuid(id) ? await selectRecording<RecordingRow>(this.deps.pool, id) : undefined;
    const call = visibleTo(principal, found ?? null, (r) => r.owner_id, `Call ${id}`);
    if (call.recording_state === 'lost') {
      throw new AppError(404, 'not-found', 'Not found', `The recording of call ${id} is lost: ${call.recording_error}`);
    }
    const key = call.recording_key;
    if (key === null || call.recording_state === 'none') throw new NotFoundError(`The recording of call ${id}`);
    if (call.recording_private) {
      throw new ForbiddenError('The recording of this call is private; clear the private flag to download it.');
    }
    if (call.recording_state === 'pending') {
      const next = call.next_try_in;
      return { kind: 'pending', retryAfterSeconds: next !== null && next >= 1 ? next : PENDING_RETRY_AFTER_SECONDS };
    }
    const { bucket, storage, mp3 } = this.deps;
    const stored = format === 'mp3' ? await this.storageCall(() => mp3.ensure(bucket, key), id) : key;
    return this.storageCall(() => openStored(storage, bucket, stored, range), id);
  }

  /** A MinIO call: a missing object is 404; any other failure a logged 503 (the client may retry). */
  private async storageCall<T>(call: () => Promise<T>, id: string): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (isMissingObject(err)) throw new NotFoundError(`The recording of call ${id}`);
      this.deps.logger.warn({ err, callId: id }, 'object storage call failed');
      throw new UpstreamError('Object storage', 'Could not read the recording from object storage; try again later.');
    }
  }
}
