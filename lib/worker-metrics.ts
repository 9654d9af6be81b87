/**
 * The worker's Prometheus endpoint: `GET /metrics` on WORKER_METRICS_HOST:WORKER_METRICS_PORT
 * (default 127.0.0.1:9464; unset port = none).
 *
 * What the worker alone knows, and the API's /metrics cannot show: what the SIP transports
 * dropped or answered by themselves (datagrams from strangers, unsolicited requests: review
 * F3, telephony/sip/request-guard.ts), and how full the worker's call slots are (F13,
 * activities/call-slots.ts), besides the process figures.
 *
 * Who may read it (F25): with METRICS_TOKEN set, only a request carrying it as a bearer
 * token (401 otherwise). Without METRICS_TOKEN the endpoint is served only on a loopback
 * address; asked to listen elsewhere without a token, the worker refuses to serve it and says
 * why in its log. A port already taken is logged too: the worker carries calls without
 * metrics rather than not at all.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIPv4, isIPv6, type AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { stepTotals } from './step-times.js';

/** What the SIP transports counted (telephony/sip/request-guard.ts's SipGuardStats). */
export interface SipGuardCounts {
  readonly foreignDropped: number;
  readonly outOfDialogAnswered: number;
  readonly outOfDialogDropped: number;
}

/** Where the figures come from; read at each scrape. */
export interface WorkerMetricsSources {
  readonly sipGuard: () => SipGuardCounts;
  /** The call slots in use, the worker's slots (WORKER_MAX_CALLS), owners refused a slot lately. */
  readonly callSlots: () => { readonly used: number; readonly slots: number; readonly waitingOwners: number };
  /** The media threads' heaps in bytes (telephony/rtp/media-threads.ts); absent or empty: none running. */
  readonly mediaHeaps?: () => Promise<
    readonly { readonly thread: number; readonly used: number; readonly total: number; readonly external: number }[]
  >;
  /** OPTIONS probes of trunks held down (activities/trunk-prober.ts); absent: probing is off. */
  readonly trunkProbes?: () => { readonly sent: number; readonly up: number };
}

/** Where and for whom a registry is served (`serveMetrics`). */
export interface MetricsEndpoint {
  readonly host: string;
  /** 0: a port the kernel picks (the tests); the one taken is logged and returned. */
  readonly port: number;
  /** The bearer token a scrape must carry; without one, only a loopback host is served. */
  readonly token?: string;
  /** The setting the token comes from, named in refusals and logs (default METRICS_TOKEN). */
  readonly tokenSetting?: string;
  readonly logger: MetricsLogger;
}

/** What the endpoint logs through (a pino logger is one). */
export interface MetricsLogger {
  info(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export interface WorkerMetricsOptions extends MetricsEndpoint {
  readonly sources: WorkerMetricsSources;
}

export interface WorkerMetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** A counter whose value is read from `read()` at each scrape (the sources only ever grow). */
export function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** A gauge read from `read()` at each scrape. */
export function gauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** The worker's registry: process figures (`voicecast_worker_*`), the SIP guard, the call slots and the calls' steps. */
export function workerMetricsRegistry(sources: WorkerMetricsSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'voicecast_worker_' });
  const guard = sources.sipGuard;
  mirroredCounter(
    registry,
    'voicecast_sip_foreign_dropped_total',
    "SIP datagrams dropped because their source is not a trunk's next hop or outbound proxy",
    () => guard().foreignDropped,
  );
  mirroredCounter(
    registry,
    'voicecast_sip_out_of_dialog_answered_total',
    'Requests outside any dialog answered without transaction state (OPTIONS 200, INVITE 486, …)',
    () => guard().outOfDialogAnswered,
  );
  mirroredCounter(
    registry,
    'voicecast_sip_out_of_dialog_dropped_total',
    'Requests outside any dialog dropped: ACKs, over the rate limit, or too broken to answer',
    () => guard().outOfDialogDropped,
  );
  gauge(
    registry,
    'voicecast_worker_calls_active',
    'Call slots in use (live call attempts)',
    () => sources.callSlots().used,
  );
  gauge(
    registry,
    'voicecast_worker_call_slots',
    'Call slots of this worker (WORKER_MAX_CALLS)',
    () => sources.callSlots().slots,
  );
  gauge(
    registry,
    'voicecast_worker_owners_waiting',
    'Owners refused a call slot lately for being over their fair share',
    () => sources.callSlots().waitingOwners,
  );
  // Where the calls' time goes, step by step (lib/step-times.ts): make bench-campaign's per-call costs.
  new Counter({
    name: 'voicecast_call_step_seconds_total',
    help: 'Wall-clock seconds campaign calls spent in each step (claim, setup, admit, leases, pacing, ledger, sip, journal, upload, webhooks)',
    labelNames: ['step'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { step, seconds } of stepTotals()) this.inc({ step }, seconds);
    },
  });
  new Counter({
    name: 'voicecast_call_step_runs_total',
    help: 'How often each step of a campaign call ran (claim: once per claim of due contacts)',
    labelNames: ['step'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { step, runs } of stepTotals()) this.inc({ step }, runs);
    },
  });
  // The main thread's heap is in collectDefaultMetrics; each media thread has its own isolate.
  const mediaHeaps = sources.mediaHeaps;
  if (mediaHeaps) {
    new Gauge({
      name: 'voicecast_worker_media_thread_heap_bytes',
      help: "Heap of each RTP media thread (used, total reserved, external buffers), beside the main thread's voicecast_worker_nodejs_heap_*",
      labelNames: ['thread', 'kind'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const heap of await mediaHeaps()) {
          const thread = String(heap.thread);
          this.set({ thread, kind: 'used' }, heap.used);
          this.set({ thread, kind: 'total' }, heap.total);
          this.set({ thread, kind: 'external' }, heap.external);
        }
      },
    });
  }
  const probes = sources.trunkProbes;
  if (probes) {
    mirroredCounter(
      registry,
      'voicecast_trunk_probes_total',
      'OPTIONS probes this worker sent to trunks held down by their circuit breaker',
      () => probes().sent,
    );
    mirroredCounter(
      registry,
      'voicecast_trunk_probes_up_total',
      'OPTIONS probes answered so that their trunk was brought up before its hold was over',
      () => probes().up,
    );
  }
  return registry;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIPv4(host)) return host.startsWith('127.');
  return isIPv6(host) && (host === '::1' || /^::ffff:127\./i.test(host));
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const match = /^Bearer ([^\s]+)$/i.exec(req.headers.authorization ?? '');
  // Hashed first: timingSafeEqual needs equal lengths, and the length is no secret to leak.
  return match !== null && timingSafeEqual(digest(match[1]), digest(token));
}

function answer(res: ServerResponse, status: number, headers: Record<string, string>, body = ''): void {
  res.writeHead(status, { 'cache-control': 'no-store', ...headers });
  res.end(body);
}

function handler(registry: Registry, token: string | undefined, tokenSetting: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return answer(res, 404, { 'content-type': 'text/plain' }, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return answer(res, 405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }, 'method not allowed\n');
    }
    if (!authorized(req, token)) {
      return answer(res, 401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' }, `send ${tokenSetting}\n`);
    }
    registry.metrics().then(
      (text) => answer(res, 200, { 'content-type': registry.contentType }, req.method === 'HEAD' ? '' : text),
      () => answer(res, 500, { 'content-type': 'text/plain' }, 'metrics could not be collected\n'),
    );
  };
}

/** The worker's endpoint: {@link workerMetricsRegistry} served by {@link serveMetrics}. */
export function startWorkerMetrics(options: WorkerMetricsOptions): Promise<WorkerMetricsServer | undefined> {
  return serveMetrics(workerMetricsRegistry(options.sources), options);
}

/**
 * Serves `registry` on `GET /metrics` (also for voicecast-agent), or logs why not and
 * resolves `undefined`: no token for a non-loopback address, or the port is taken.
 */
export async function serveMetrics(
  registry: Registry,
  endpoint: MetricsEndpoint,
): Promise<WorkerMetricsServer | undefined> {
  const { host, port, token, logger, tokenSetting = 'METRICS_TOKEN' } = endpoint;
  if (token === undefined && !isLoopback(host)) {
    logger.error(
      { host, port },
      `metrics not served: the host is not a loopback address and ${tokenSetting} is not set`,
    );
    return undefined;
  }
  const server: Server = createServer(handler(registry, token, tokenSetting));
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 50;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    logger.error({ host, port, error: String(err) }, 'metrics not served: the port could not be taken');
    return undefined;
  }
  const bound = (server.address() as AddressInfo).port;
  logger.info({ host, port: bound }, 'metrics on /metrics');
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
