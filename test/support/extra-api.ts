/**
 * A second, private API process sharing the test stack's PostgreSQL and Temporal but with
 * its own MinIO and any variables changed — for tests that must stop a dependency or use
 * other limits without disturbing the shared API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePorts,
  httpProbe,
  repoRoot,
  startMinio,
  startNodeApp,
  type MinioServer,
  type NodeApp,
} from '../../scripts/services';
import { readStack } from './stack';

export interface ExtraApi {
  readonly url: string;
  /** Its gRPC port (GRPC_PORT), on 127.0.0.1. */
  readonly grpcPort: number;
  /** Everything the API process wrote. */
  readonly logFile: string;
  readonly minio: MinioServer;
  stop(): Promise<void>;
}

/**
 * `port` pins the API's port (and so its issuer URL), e.g. so tokens outlive a restart;
 * by default a free one.
 */
export async function startExtraApi(
  overrides: Record<string, string> = {},
  options: { port?: number } = {},
): Promise<ExtraApi> {
  const stack = readStack();
  const dir = mkdtempSync(join(tmpdir(), 'voicecast-extra-api-'));
  const [freeApiPort, minioPort, grpcPort] = await freePorts(3);
  const apiPort = options.port ?? freeApiPort;
  const minio = await startMinio({
    dataDir: join(dir, 'minio'),
    port: minioPort,
    consolePort: null,
    accessKey: stack.minio.accessKey,
    secretKey: stack.minio.secretKey,
    persistent: false,
    logFile: join(dir, 'minio.log'),
  });
  const url = `http://127.0.0.1:${apiPort}`;
  const logFile = join(dir, 'api.log');
  let api: NodeApp;
  try {
    api = await startNodeApp({
      name: 'extra-api',
      script: join(repoRoot(), 'dist', 'api', 'main.js'),
      env: {
        ...stack.env,
        API_PORT: String(apiPort),
        // Its own gRPC port: the stack's API holds the stack's.
        GRPC_PORT: String(grpcPort),
        PUBLIC_URL: url,
        MINIO_ENDPOINT: minio.endpoint,
        SHUTDOWN_GRACE_SECONDS: '2',
        ...overrides,
      },
      log: { file: logFile },
      ready: httpProbe(`${url}/readyz`),
      readyWhat: 'ready (GET /readyz)',
      stopGraceMs: 10_000,
    });
  } catch (err) {
    await minio.stop();
    throw err;
  }
  return {
    url,
    grpcPort,
    logFile,
    minio,
    async stop() {
      await api.stop();
      await minio.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
