import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AUDIO_FORMATS } from '../../audio/formats.js';
import { User } from './user.entity.js';

/**
 * An uploaded audio message: the original as uploaded and the prepared playback form
 * (8 kHz mono 16-bit PCM WAV) are objects in MinIO (`originalKey`, `preparedKey`); this row
 * describes both. Deleting the owner deletes the rows (the API deletes the objects).
 */
export const AudioMessage = defineEntity({
  name: 'AudioMessage',
  tableName: 'audio_message',
  indexes: [{ properties: ['owner', 'createdAt'] }],
  properties: {
    /** Chosen by the service before the upload, so the object keys can carry it. */
    id: p.uuid().primary(),
    owner: () => p.manyToOne(User).deleteRule('cascade'),
    /** The owner's department this is shared with (issue 25); null: not shared. */
    departmentId: p.uuid().nullable(),
    name: p.string().length(200),
    /** Duration of the original, milliseconds. */
    durationMs: p.integer(),
    originalFormat: p.enum(AUDIO_FORMATS),
    originalSampleRate: p.integer(),
    originalChannels: p.smallint(),
    /** Bytes of the upload. */
    originalSize: p.bigint('number'),
    /** Hex SHA-256 of the upload. */
    originalSha256: p.string().length(64),
    originalKey: p.string().length(300),
    preparedSize: p.bigint('number'),
    preparedDurationMs: p.integer(),
    preparedKey: p.string().length(300),
    /** BS.1770 integrated loudness of the 8 kHz signal before normalisation; null for silence. */
    loudnessLufs: p.double().nullable(),
    /** Gain applied by loudness normalisation (0 when it is off). */
    gainDb: p.double(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type AudioMessage = InferEntity<typeof AudioMessage>;
