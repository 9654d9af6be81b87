/**
 * The Temporal dev server (`temporal server start-dev`, built by `scripts/setup.sh`), with
 * the search attributes the campaign workflow uses registered at start.
 */
import { startProcess, type ManagedProcess } from './managed-process';
import { freePorts } from './ports';
import { requireTool, toolPaths } from './paths';
import { allProbes, httpProbe, type Probe } from './probes';

/** Search attributes registered on the dev server (name → type). */
export const SEARCH_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({
  CampaignId: 'Keyword',
  OwnerId: 'Keyword',
  CampaignStatus: 'Keyword',
});

export interface TemporalOptions {
  /** Front-end gRPC port (TEMPORAL_ADDRESS). */
  readonly port: number;
  /** Bind address of the server and UI. Default 127.0.0.1. */
  readonly host?: string;
  /** Web UI port, or `null` for a headless server. */
  readonly uiPort: number | null;
  /** Port of the HTTP API, used for readiness checks. Default: a free port. */
  readonly httpPort?: number;
  /** SQLite file for persistent state, or `null` to keep everything in memory. */
  readonly dbFile: string | null;
  /** Namespace created at start ("default" always exists). */
  readonly namespace?: string;
  readonly logFile: string;
  readonly detached?: boolean;
  readonly readyTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface TemporalServer {
  readonly name: 'temporal';
  readonly process: ManagedProcess;
  /** gRPC `host:port` for clients and workers. */
  readonly address: string;
  readonly namespace: string;
  /** Base URL of the HTTP API (`/api/v1/...`). */
  readonly httpUrl: string;
  /** Web UI URL, or `null` when headless. */
  readonly uiUrl: string | null;
  stop(): Promise<void>;
}

/** Starts the dev server and resolves once the namespace answers over the HTTP API (and the UI, if any). */
export async function startTemporal(options: TemporalOptions): Promise<TemporalServer> {
  const host = options.host ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const [httpPort, metricsPort] = await freePorts(2, host);
  const http = options.httpPort ?? httpPort;
  const args = [
    'server',
    'start-dev',
    '--ip',
    host,
    '--port',
    String(options.port),
    '--http-port',
    String(http),
    '--metrics-port',
    String(metricsPort),
    ...(options.uiPort === null ? ['--headless'] : ['--ui-port', String(options.uiPort)]),
    ...(options.dbFile === null ? [] : ['--db-filename', options.dbFile]),
    '--namespace',
    namespace,
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    '--log-level',
    'warn',
  ];
  const proc = await startProcess({
    name: 'temporal',
    command: requireTool(toolPaths.temporal(), 'the Temporal CLI'),
    args,
    log: { file: options.logFile },
    detached: options.detached,
    stopGraceMs: 15_000,
  });
  const httpUrl = `http://${host}:${http}`;
  const uiUrl = options.uiPort === null ? null : `http://${host}:${options.uiPort}`;
  const stop = async (): Promise<void> => {
    await proc.stop();
  };
  const probes: Probe[] = [httpProbe(`${httpUrl}/api/v1/namespaces/${encodeURIComponent(namespace)}`)];
  if (uiUrl) probes.push(httpProbe(`${uiUrl}/`));
  try {
    await proc.waitUntilReady(allProbes(...probes), {
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      signal: options.signal,
      what: `serving namespace "${namespace}"`,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { name: 'temporal', process: proc, address: `${host}:${options.port}`, namespace, httpUrl, uiUrl, stop };
}

/**
 * Ready when at least one worker polls `taskQueue` for workflow tasks, as reported by
 * the server's HTTP API (`DescribeTaskQueue`). With `pid`, only a poller of that process
 * counts (worker.ts's identity `voicecast-worker@<host>:<pid>`): the server lists a dead
 * worker's poller for minutes, so a restarted worker needs this.
 */
export function taskQueuePollerProbe(httpUrl: string, namespace: string, taskQueue: string, pid?: number): Probe {
  const url =
    `${httpUrl}/api/v1/namespaces/${encodeURIComponent(namespace)}/task-queues/${encodeURIComponent(taskQueue)}` +
    '?taskQueueType=TASK_QUEUE_TYPE_WORKFLOW';
  return httpProbe(url, {
    accept: (body) => {
      const pollers = (JSON.parse(body) as { pollers?: { identity?: string }[] }).pollers;
      if (!Array.isArray(pollers)) return false;
      return pid === undefined ? pollers.length > 0 : pollers.some((p) => p.identity?.endsWith(`:${pid}`));
    },
  });
}
