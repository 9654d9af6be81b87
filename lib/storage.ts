/**
 * MinIO (S3) access: one client, buckets ensured at start-up.
 */
import * as Minio from 'minio';
import type { Config } from './config.js';

export type Storage = Minio.Client;

export function createStorage(config: Config['minio']): Storage {
  return new Minio.Client({
    endPoint: config.endPoint,
    port: config.port,
    useSSL: config.useSSL,
    accessKey: config.accessKey,
    secretKey: config.secretKey,
    region: config.region,
  });
}

/** Creates every configured bucket that does not exist yet. Idempotent; safe with several processes. */
export async function ensureBuckets(storage: Storage, config: Config['minio']): Promise<void> {
  for (const bucket of Object.values(config.buckets)) {
    if (await storage.bucketExists(bucket)) continue;
    try {
      await storage.makeBucket(bucket, config.region);
    } catch (err) {
      // Another process may have created it between the check and the call.
      const code = (err as { code?: string }).code;
      if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err;
    }
  }
}
