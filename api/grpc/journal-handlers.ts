/**
 * The `voicecast.journal.v1.Journal` RPCs: each authenticates the bearer token in the
 * metadata with the REST API's verifier, then calls the same services the REST controllers
 * call (JournalIngestService, CallsService), so validation, ownership, idempotency and the
 * `private` rule are the REST API's. Streams honour back-pressure (a slow reader slows the
 * search down instead of filling memory).
 */
import { once } from 'node:events';
import {
  type Metadata,
  type sendUnaryData,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Principal } from '../../auth/principal.js';
import type { TokenVerifier } from '../../auth/token-verifier.js';
import { AppError, UnauthorizedError, ValidationError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { bearerToken } from '../authentication.js';
import { MAX_PAGE_SIZE } from '../calls/call-query.js';
import type { CallView } from '../calls/calls.dto.js';
import type { CallsService } from '../calls/calls.service.js';
import { parseExternalCall } from '../calls/external-call-input.js';
import type { JournalIngestService } from '../calls/journal-ingest.service.js';
import { RecordingSpool } from '../calls/recording-spool.js';
import type { UploadAdmission } from '../uploads.js';
import { grpcError } from './grpc-errors.js';

export interface JournalHandlerDeps {
  readonly verifyToken: TokenVerifier;
  readonly ingest: JournalIngestService;
  readonly calls: CallsService;
  /** Where uploads are spooled, and the largest recording. */
  readonly recordings: { readonly dir: string; readonly maxBytes: number };
  /** The owner's uploads in flight, shared with REST (429 there, RESOURCE_EXHAUSTED here). */
  readonly admission: UploadAdmission;
  readonly logger: Logger;
}

/** A journal view as the proto's `Call` (empty strings for nulls, as proto3 has no null). */
export function toProtoCall(c: CallView): Record<string, unknown> {
  return {
    id: c.id,
    ownerId: c.ownerId,
    source: c.source ?? '',
    externalId: c.externalId ?? '',
    direction: c.direction ?? '',
    from: c.from ?? '',
    to: c.to ?? '',
    phone: c.phone,
    campaignId: c.campaignId ?? '',
    startAt: c.inviteAt,
    answerAt: c.answerAt ?? '',
    endAt: c.endAt,
    outcome: c.outcome,
    talkMs: c.talkMs ?? 0,
    tags: c.tags,
    private: c.private,
    recordingState: c.recordingState,
    fields: c.fields ?? {},
  };
}

const opt = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

export function journalHandlers(deps: JournalHandlerDeps): UntypedServiceImplementation {
  const authenticate = async (metadata: Metadata): Promise<Principal> => {
    const header = metadata.get('authorization')[0];
    const token = bearerToken(typeof header === 'string' ? header : undefined);
    if (token === undefined) throw new UnauthorizedError('Send the access token as "authorization: Bearer <token>".');
    try {
      return await deps.verifyToken(token);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new UnauthorizedError('The access token is invalid, expired or revoked.');
    }
  };
  const fail = (err: unknown, rpc: string) => {
    if (!(err instanceof AppError) || err.status >= 500) deps.logger.warn({ err, rpc }, 'gRPC call failed');
    return grpcError(err);
  };
  /** Unary RPCs: the answer or the error as a status. */
  const unary =
    <Req>(rpc: string, run: (principal: Principal, request: Req) => Promise<unknown>) =>
    (call: ServerUnaryCall<Req, unknown>, callback: sendUnaryData<unknown>) => {
      authenticate(call.metadata)
        .then((principal) => run(principal, call.request))
        .then(
          (answer) => callback(null, answer),
          (err: unknown) => callback(fail(err, rpc)),
        );
    };
  /** Server streams: writes each item, waiting for the reader; ends, or ends with the error. */
  const serverStream =
    <Req>(
      rpc: string,
      run: (principal: Principal, request: Req, write: (m: unknown) => Promise<void>) => Promise<void>,
    ) =>
    (call: ServerWritableStream<Req, unknown>) => {
      const write = async (message: unknown) => {
        if (call.cancelled) throw new AppError(499, 'cancelled', 'Cancelled');
        if (!call.write(message)) await once(call, 'drain');
      };
      authenticate(call.metadata)
        .then((principal) => run(principal, call.request, write))
        .then(
          () => call.end(),
          (err: unknown) => {
            // grpc-js sends a server stream's status from an 'error' event (destroy would not).
            if (!call.cancelled) call.emit('error', fail(err, rpc));
          },
        );
    };

  return {
    AddCall: unary<Record<string, unknown>>('AddCall', async (principal, request) => {
      const result = await deps.ingest.addCall(principal, parseExternalCall(request));
      return { call: toProtoCall(result.call), created: result.created };
    }),

    UploadRecording: (
      call: ServerReadableStream<{ callId?: string; data?: Buffer }, unknown>,
      callback: sendUnaryData<unknown>,
    ) => {
      uploadRecording(call, authenticate(call.metadata), deps).then(
        (answer) => callback(null, answer),
        (err: unknown) => callback(fail(err, 'UploadRecording')),
      );
    },

    SearchByNumber: serverStream<Record<string, unknown>>('SearchByNumber', async (principal, r, write) => {
      if (!opt(r.phone)) throw new ValidationError([{ field: 'phone', message: 'required' }]);
      const filters = { phone: opt(r.phone), defaultCountry: opt(r.defaultCountry), from: opt(r.from), to: opt(r.to) };
      await searchAll(deps.calls, principal, filters, Number(r.limit ?? 0), write);
    }),

    SearchByInterval: serverStream<Record<string, unknown>>('SearchByInterval', async (principal, r, write) => {
      const missing = (['from', 'to'] as const).filter((f) => !opt(r[f]));
      if (missing.length > 0) throw new ValidationError(missing.map((field) => ({ field, message: 'required' })));
      await searchAll(deps.calls, principal, { from: opt(r.from), to: opt(r.to) }, Number(r.limit ?? 0), write);
    }),

    DownloadRecording: serverStream<{ callId?: string }>('DownloadRecording', async (principal, r, write) => {
      const download = await deps.calls.recording(principal, r.callId ?? '', undefined, 'wav');
      if (download.kind === 'pending') {
        throw new AppError(
          409,
          'recording-pending',
          'Recording not stored yet',
          'The recording is not stored yet; retry later.',
        );
      }
      if (download.kind !== 'full') throw new AppError(500, 'internal', 'Unexpected download');
      for await (const chunk of download.stream) await write({ data: chunk as Buffer });
    }),
  };
}

/** Every page of the search, item by item; `limit` 0: all. */
async function searchAll(
  calls: CallsService,
  principal: Principal,
  filters: { phone?: string; defaultCountry?: string; from?: string; to?: string },
  limit: number,
  write: (message: unknown) => Promise<void>,
): Promise<void> {
  let left = limit > 0 ? limit : Number.POSITIVE_INFINITY;
  let after: string | undefined;
  do {
    const page = await calls.list(principal, { ...filters, limit: Math.min(MAX_PAGE_SIZE, left), after });
    for (const item of page.items) await write(toProtoCall(item));
    left -= page.items.length;
    after = page.nextCursor;
  } while (after !== undefined && left > 0);
}

/**
 * A client stream of chunks: the first names the call (checked before the data is spooled,
 * so another owner's call ends the upload at once), every chunk's data is spooled under the
 * size limit, and the finished file goes through the REST API's checks and storage.
 */
async function uploadRecording(
  call: ServerReadableStream<{ callId?: string; data?: Buffer }, unknown>,
  principalReady: Promise<Principal>,
  deps: JournalHandlerDeps,
): Promise<{ callId: string; created: boolean }> {
  const principal = await principalReady;
  let spool: RecordingSpool | undefined;
  let release: (() => void) | undefined;
  let callId: string | undefined;
  try {
    for await (const message of call as AsyncIterable<{ callId?: string; data?: Buffer }>) {
      if (callId === undefined) {
        callId = message.callId ?? '';
        if (callId === '') throw new ValidationError([{ field: 'call_id', message: 'required in the first message' }]);
        await deps.ingest.uploadTarget(principal, callId);
        release = await deps.admission.admit(principal.userId);
        spool = new RecordingSpool(deps.recordings.dir, deps.recordings.maxBytes);
      }
      if (message.data && message.data.length > 0) await spool?.write(message.data);
    }
    if (callId === undefined || !spool) {
      throw new ValidationError([{ field: 'call_id', message: 'required in the first message' }]);
    }
    const file = await spool.finish();
    const { created } = await deps.ingest.storeRecording(principal, callId, file, 'data');
    return { callId, created };
  } finally {
    await spool?.discard();
    release?.();
  }
}
