/**
 * The prepared messages a worker plays, decoded once per audio id and kept: a campaign plays
 * the same message on every call. Prepared audio never changes under its id (a new upload
 * is a new id), so entries need no invalidation; the cache holds the few messages of the
 * campaigns this worker serves.
 */
import type { Storage } from '../lib/storage.js';
import { decodeWav } from '../telephony/media/wav.js';

/** Entries kept before the oldest is dropped. */
const MAX_ENTRIES = 32;

export class AudioCache {
  private readonly entries = new Map<string, Promise<Int16Array>>();

  constructor(
    private readonly storage: Storage,
    private readonly bucket: string,
  ) {}

  /** The message's 8 kHz mono 16-bit samples. */
  get(audioId: string, key: string): Promise<Int16Array> {
    const cached = this.entries.get(audioId);
    if (cached) return cached;
    const loading = this.load(key);
    this.entries.set(audioId, loading);
    loading.catch(() => this.entries.delete(audioId));
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    return loading;
  }

  private async load(key: string): Promise<Int16Array> {
    const stream = await this.storage.getObject(this.bucket, key);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const wav = decodeWav(Buffer.concat(chunks));
    if (wav.sampleRate !== 8000 || wav.channels !== 1) {
      throw new Error(`prepared audio ${key} is ${wav.sampleRate} Hz × ${wav.channels}, not 8000 Hz mono`);
    }
    return wav.samples;
  }
}
