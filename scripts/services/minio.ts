/**
 * A local MinIO server (built by `scripts/setup.sh`), single drive, root credentials from
 * the application's MinIO access/secret key.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, type ManagedProcess } from './managed-process';
import { requireTool, toolPaths } from './paths';
import { httpProbe } from './probes';

export interface MinioOptions {
  /** Holds the object data (`data/`) and MinIO's own config (`home/`, `certs/`). */
  readonly dataDir: string;
  readonly port: number;
  /** Console (web UI) port, or `null` to disable the console. */
  readonly consolePort: number | null;
  /** Bind address. Default 127.0.0.1. */
  readonly host?: string;
  /** Root user and password (MINIO_ROOT_USER / MINIO_ROOT_PASSWORD; at least 3 / 8 characters). */
  readonly accessKey: string;
  readonly secretKey: string;
  /** `false` deletes `dataDir` on `stop()`. */
  readonly persistent: boolean;
  readonly logFile: string;
  readonly detached?: boolean;
  readonly readyTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface MinioServer {
  readonly name: 'minio';
  readonly process: ManagedProcess;
  /** S3 endpoint URL (MINIO_ENDPOINT). */
  readonly endpoint: string;
  readonly consoleUrl: string | null;
  stop(): Promise<void>;
}

/** Starts MinIO and resolves once `/minio/health/live` answers 200. */
export async function startMinio(options: MinioOptions): Promise<MinioServer> {
  const host = options.host ?? '127.0.0.1';
  const dataDir = join(options.dataDir, 'data');
  const home = join(options.dataDir, 'home');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home, // MinIO creates ~/.minio; keep it out of the real home
    MINIO_ROOT_USER: options.accessKey,
    MINIO_ROOT_PASSWORD: options.secretKey,
    MINIO_BROWSER: options.consolePort === null ? 'off' : 'on',
    MINIO_UPDATE: 'off',
  };
  const proc = await startProcess({
    name: 'minio',
    command: requireTool(toolPaths.minio(), 'MinIO'),
    args: [
      'server',
      dataDir,
      '--address',
      `${host}:${options.port}`,
      ...(options.consolePort === null ? [] : ['--console-address', `${host}:${options.consolePort}`]),
      '--certs-dir',
      join(options.dataDir, 'certs'),
    ],
    env,
    log: { file: options.logFile },
    detached: options.detached,
  });
  const stop = async (): Promise<void> => {
    await proc.stop();
    if (!options.persistent) rmSync(options.dataDir, { recursive: true, force: true });
  };
  const endpoint = `http://${host}:${options.port}`;
  try {
    await proc.waitUntilReady(httpProbe(`${endpoint}/minio/health/live`), {
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      signal: options.signal,
      what: 'live',
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const consoleUrl = options.consolePort === null ? null : `http://${host}:${options.consolePort}`;
  return { name: 'minio', process: proc, endpoint, consoleUrl, stop };
}
