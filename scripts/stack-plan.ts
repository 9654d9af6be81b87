/**
 * Turns the application's configuration into what `make run` must start: which ports,
 * which credentials, where the data lives, and which variable moves each port.
 */
import { resolve } from 'node:path';
import type { Config } from '../lib/config';
import { isPortFree } from './services/ports';

/** A port the stack binds, and the variable that sets it. */
export interface PlannedPort {
  readonly what: string;
  readonly host: string;
  readonly port: number;
  readonly variable: string;
}

export interface StackPlan {
  readonly dataDir: string;
  readonly logsDir: string;
  readonly postgres: {
    readonly port: number;
    readonly user: string;
    readonly password: string;
    readonly database: string;
  };
  readonly temporal: {
    readonly port: number;
    readonly uiPort: number;
    readonly namespace: string;
    readonly taskQueue: string;
  };
  readonly minio: {
    readonly port: number;
    readonly consolePort: number;
    readonly accessKey: string;
    readonly secretKey: string;
  };
  readonly api: { readonly host: string; readonly port: number; readonly publicUrl: string; readonly probeUrl: string };
  readonly ports: readonly PlannedPort[];
}

/** Raised for a configuration `make run` cannot serve; lists every problem. */
export class StackPlanError extends Error {
  constructor(readonly problems: string[]) {
    super(`cannot start the local stack with this configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'StackPlanError';
  }
}

/** Where the local services listen: always the IPv4 loopback. */
export const SERVICE_HOST = '127.0.0.1';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function checkLocal(host: string, variable: string, problems: string[]): void {
  if (!LOOPBACK.has(host) && !host.startsWith('127.')) {
    problems.push(
      `${variable} points at ${host}; \`make run\` starts its own server on 127.0.0.1, so use 127.0.0.1 or localhost`,
    );
  }
}

/** Builds the plan; `cwd` anchors a relative VOICECAST_DATA_DIR. */
export function planStack(config: Config, cwd = process.cwd()): StackPlan {
  const problems: string[] = [];
  const db = new URL(config.database.url);
  checkLocal(db.hostname, 'DATABASE_URL', problems);
  const user = decodeURIComponent(db.username);
  const password = decodeURIComponent(db.password);
  const database = decodeURIComponent(db.pathname.replace(/^\//, '')) || user;
  if (!user) problems.push('DATABASE_URL has no user name (postgres://USER:PASSWORD@127.0.0.1:5432/DB)');
  if (!password) problems.push('DATABASE_URL has no password; the local server uses password authentication');

  const temporalMatch = /^(.*):(\d+)$/.exec(config.temporal.address);
  if (!temporalMatch) problems.push(`TEMPORAL_ADDRESS must be host:port, not "${config.temporal.address}"`);
  else checkLocal(temporalMatch[1], 'TEMPORAL_ADDRESS', problems);
  if (config.minio.useSSL) problems.push('MINIO_ENDPOINT uses https; the local MinIO speaks plain http');
  checkLocal(config.minio.endPoint, 'MINIO_ENDPOINT', problems);

  const apiHost = config.api.host;
  const probeHost = apiHost === '0.0.0.0' || apiHost === '::' ? SERVICE_HOST : apiHost;
  const postgresPort = Number(db.port || 5432);
  const temporalPort = Number(temporalMatch?.[2] ?? 7233);
  const ports: PlannedPort[] = [
    { what: 'the API', host: apiHost, port: config.api.port, variable: 'API_PORT' },
    { what: 'PostgreSQL', host: SERVICE_HOST, port: postgresPort, variable: 'DATABASE_URL' },
    { what: 'Temporal', host: SERVICE_HOST, port: temporalPort, variable: 'TEMPORAL_ADDRESS' },
    {
      what: 'the Temporal Web UI',
      host: SERVICE_HOST,
      port: config.stack.temporalUiPort,
      variable: 'TEMPORAL_UI_PORT',
    },
    { what: 'MinIO', host: SERVICE_HOST, port: config.minio.port, variable: 'MINIO_ENDPOINT' },
    {
      what: 'the MinIO console',
      host: SERVICE_HOST,
      port: config.stack.minioConsolePort,
      variable: 'MINIO_CONSOLE_PORT',
    },
  ];
  // The API's gRPC service (api/grpc/) is a port of the API process too, unless GRPC_PORT=off.
  if (config.api.grpc.port !== undefined) {
    ports.push({
      what: 'the gRPC service',
      host: config.api.grpc.host,
      port: config.api.grpc.port,
      variable: 'GRPC_PORT',
    });
  }
  const seen = new Map<number, PlannedPort>();
  for (const p of ports) {
    const other = seen.get(p.port);
    if (other) problems.push(`${p.variable} and ${other.variable} both use port ${p.port}`);
    seen.set(p.port, p);
  }
  if (problems.length > 0) throw new StackPlanError(problems);

  const dataDir = resolve(cwd, config.stack.dataDir);
  return {
    dataDir,
    logsDir: resolve(dataDir, 'logs'),
    postgres: { port: postgresPort, user, password, database },
    temporal: {
      port: temporalPort,
      uiPort: config.stack.temporalUiPort,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
    },
    minio: {
      port: config.minio.port,
      consolePort: config.stack.minioConsolePort,
      accessKey: config.minio.accessKey,
      secretKey: config.minio.secretKey,
    },
    api: {
      host: apiHost,
      port: config.api.port,
      publicUrl: config.api.publicUrl,
      probeUrl: `http://${probeHost.includes(':') ? `[${probeHost}]` : probeHost}:${config.api.port}`,
    },
    ports,
  };
}

/** One message per planned port that something else already uses. */
export async function findBusyPorts(plan: StackPlan): Promise<string[]> {
  const busy: string[] = [];
  for (const p of plan.ports) {
    if (!(await isPortFree(p.port, p.host))) {
      busy.push(`port ${p.port} (${p.what}) is already in use on ${p.host}; free it or change ${p.variable}`);
    }
  }
  return busy;
}
