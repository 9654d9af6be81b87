import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { CallRecord } from './call-record.entity.js';

/**
 * The recording outbox: one row per recording spooled on a worker's disk and not yet in
 * object storage, written in the transaction that journals its call (`recording_state =
 * 'pending'`). Only a worker whose spool directory has the id `spoolId` can upload it
 * (activities/recording-outbox.ts); it deletes the row when the recording is stored or lost.
 */
export const RecordingUpload = defineEntity({
  name: 'RecordingUpload',
  tableName: 'recording_upload',
  indexes: [{ properties: ['spoolId', 'nextTryAt'] }],
  properties: {
    id: p.uuid().primary(),
    call: () => p.oneToOne(CallRecord).owner().deleteRule('cascade'),
    /** The id of the spool directory holding the file (its `spool-id` file). */
    spoolId: p.string().length(64),
    /** The file's name in that directory. */
    spoolFile: p.string().length(300),
    objectKey: p.string().length(300),
    bytes: p.bigint('number'),
    tries: p.integer().default(0),
    /** Due for its next try; a claimed upload is pushed out by its lease meanwhile. */
    nextTryAt: p.datetime(),
    lastError: p.string().length(500).nullable(),
    createdAt: p.datetime(),
  },
});
export type RecordingUpload = InferEntity<typeof RecordingUpload>;
