/**
 * sipp (Debian `sip-tester` 3.6.1) as the far end of our calls, for the tests and the SIP
 * benchmark: {@link startSippUas} runs one of the gateway scenarios in `test/sipp/` on free
 * loopback ports, and the test asserts its exit code once our call ended (0 = every call
 * went exactly as the scenario says).
 * {@link startSippUac} runs sipp as the caller, for the scenarios' own self-test.
 *
 * sipp 3.6.1 traps handled here (see also ../shared/sip-testing.md):
 * - without `-i`/`-mi` it writes the machine's external address into Via, Contact and SDP;
 * - it binds a UDP control socket on 0.0.0.0 (default 8888, next free one up): we give it a
 *   free port with `-cp` so parallel runs do not walk the range;
 * - it binds `-mp` and `-mp + 2` (audio and video RTP): both must be free;
 * - `-timeout` counts whole seconds; with `-timeout_error` a timeout exits 255, without it 97.
 * Exit codes: 0 all calls succeeded, 1 at least one failed, 97 stopped by an internal
 * command or `-timeout`, 99 ended without any call, 255 fatal error or timed out.
 */
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { describeExit, startProcess, tailFile, type ExitInfo, type ManagedProcess } from './managed-process';
import { repoRoot } from './paths';
import { freePort } from './ports';
import type { Probe } from './probes';

/** The RFC 4733 digits `uas-answer-dtmf.xml` sends, in order (payload type 101). */
export const SIPP_DTMF_DIGITS: readonly string[] = ['1', '5', '#'];

/** What `uas-answer-play.xml` and `uas-remote-bye.xml` play: sipp's g711a.pcap. */
export const SIPP_PLAYBACK = {
  file: '/usr/share/sip-tester/g711a.pcap',
  codec: 'PCMA',
  payloadType: 8,
  packets: 236,
  packetMs: 30,
  durationMs: 7080,
} as const;

export type SippTransport = 'udp' | 'tcp';

interface CommonOptions {
  /** File name in `test/sipp/`, e.g. `uas-answer.xml` (the `.xml` may be left off), or an absolute path. */
  readonly scenario: string;
  readonly transport: SippTransport;
  /** `-key name value` pairs for `[name]` in the scenario. */
  readonly keys?: Readonly<Record<string, string>>;
  /** `-m`: sipp exits after this many calls. Default 1. */
  readonly calls?: number;
  /** sipp quits with exit 255 (a failure) after this long. Whole seconds; default 30 s. */
  readonly timeoutMs?: number;
  /** No message and scenario logs (`-trace_err` only): for benchmarks, where tracing every message costs sipp most of its time. */
  readonly quiet?: boolean;
  /** False: reaching `timeoutMs` is the planned end (exit 97, as for a timed benchmark run). Default true. */
  readonly timeoutIsError?: boolean;
  readonly extraArgs?: readonly string[];
  /** SIP port on 127.0.0.1 (e.g. a gateway started again where it was); default a free one. */
  readonly port?: number;
  /** IPv4 address sipp binds SIP and RTP to; default 127.0.0.1 (e.g. a test's bridge to network namespaces). */
  readonly host?: string;
}

export interface SippUasOptions extends CommonOptions {
  /** `-d`: the scenarios' ring time (or early-media time) before the answer. Default 200 ms. */
  readonly ringMs?: number;
  /** Key `talk_ms`: how long `uas-remote-bye.xml` talks before its BYE. Default 2000 ms. */
  readonly talkMs?: number;
  /** Keys `user` / `pass` that `uas-401.xml` verifies the digest with. */
  readonly auth?: { readonly username: string; readonly password: string };
}

export interface SippUacOptions extends CommonOptions {
  readonly remote: { readonly host: string; readonly port: number };
  /** `-d`: talk time before the BYE (or ring time before the CANCEL). Default 200 ms. */
  readonly durationMs?: number;
  /** `-au` / `-ap` for `[authentication]`. */
  readonly auth?: { readonly username: string; readonly password: string };
  /** RTP port written into the caller's SDP (key `rtp_port`); default sipp's own `-mp`. */
  readonly rtpPort?: number;
}

/** A running sipp. Read its files before `stop()`, which removes them (failures quote them via `diagnostics()`). */
export interface SippInstance {
  /** SIP port on 127.0.0.1. */
  readonly port: number;
  /** RTP port on 127.0.0.1 (`-mp`; sipp also binds `mediaPort + 2`). */
  readonly mediaPort: number;
  readonly pid: number;
  /** Settles once when sipp has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  /** `-trace_msg`: every SIP message sent and received. */
  readonly traceFile: string;
  /** `-trace_err`: unexpected messages and scenario errors. */
  readonly errorFile: string;
  /** `-trace_logs`: the scenario's `<log>` actions. */
  readonly logFile: string;
  readonly dir: string;
  /** Waits for the exit; rejects with {@link diagnostics} after `timeoutMs` (default 30 s). */
  waitForExit(timeoutMs?: number): Promise<ExitInfo>;
  /** The SIP messages traced so far. */
  messages(): SippMessage[];
  /** The tails of sipp's error, message and output logs, for assertion messages. */
  diagnostics(): string;
  /** Stops sipp if it still runs (SIGTERM, then SIGKILL after 2 s) and removes its directory. */
  stop(): Promise<void>;
}

const SIPP = '/usr/bin/sipp';
const SCENARIO_DIR = join(repoRoot(), 'test', 'sipp');
const LOOPBACK = '127.0.0.1';

/**
 * Starts sipp as the gateway (UAS) on free loopback ports; resolves once sipp itself holds
 * its SIP port. A start that loses the free-port race is retried on new ports.
 */
export async function startSippUas(options: SippUasOptions): Promise<SippInstance> {
  const keys: Record<string, string> = { talk_ms: String(options.talkMs ?? 2000), ...options.keys };
  if (options.auth) Object.assign(keys, { user: options.auth.username, pass: options.auth.password });
  for (let attempt = 1; ; attempt++) {
    const { instance, child } = await launch('uas', options, keys, ['-d', String(options.ringMs ?? 200)]);
    try {
      const host = options.host ?? LOOPBACK;
      await child.waitUntilReady(boundProbe(options.transport, host, instance.port, child.pid), {
        timeoutMs: 10_000,
        intervalMs: 20,
        what: `listening on ${options.transport} ${host}:${instance.port}`,
      });
      return instance;
    } catch (err) {
      const diagnostics = instance.diagnostics();
      await instance.stop();
      if (attempt === 3) throw new Error(`${(err as Error).message}\n${diagnostics}`, { cause: err });
    }
  }
}

/** Starts sipp as the caller (UAC) against `remote`; for the scenarios' own self-test. */
export async function startSippUac(options: SippUacOptions): Promise<SippInstance> {
  const args = ['-d', String(options.durationMs ?? 200)];
  if (options.auth) args.push('-au', options.auth.username, '-ap', options.auth.password);
  const remote = `${options.remote.host}:${options.remote.port}`;
  return (await launch('uac', options, { ...options.keys }, args, options.rtpPort, remote)).instance;
}

async function launch(
  role: 'uas' | 'uac',
  options: CommonOptions,
  keys: Record<string, string>,
  roleArgs: readonly string[],
  rtpPort?: number,
  remote?: string,
): Promise<{ instance: SippInstance; child: ManagedProcess }> {
  const name = options.scenario.endsWith('.xml') ? options.scenario : `${options.scenario}.xml`;
  const scenarioFile = isAbsolute(name) ? name : join(SCENARIO_DIR, name);
  if (!existsSync(scenarioFile)) throw new Error(`no sipp scenario ${scenarioFile}`);
  if (!existsSync(SIPP)) throw new Error(`${SIPP} not found: run scripts/test-tools.sh (Debian package sip-tester)`);
  const host = options.host ?? LOOPBACK;
  const port = options.port ?? (options.transport === 'udp' ? await freeUdpPort(host) : await freePort(host));
  // Each probe frees its port again, so the kernel may hand the same one out twice: sipp
  // then fails to bind its control socket. Keep the three (and the media pair) distinct.
  const taken = new Set([port]);
  const mediaPort = await distinct(freeRtpPort, taken, 2);
  const controlPort = await distinct(() => freeUdpPort('0.0.0.0'), taken);
  if (role === 'uac') keys.rtp_port ??= String(rtpPort ?? mediaPort);
  const dir = mkdtempSync(join(tmpdir(), `voicecast-sipp-${role}-`));
  const [traceFile, errorFile, logFile, outFile] = ['messages.log', 'errors.log', 'scenario.log', 'sipp.out'].map((f) =>
    join(dir, f),
  );
  const args = [
    ...['-sf', scenarioFile, '-t', options.transport === 'udp' ? 'u1' : 't1'],
    ...['-i', host, '-mi', host, '-p', String(port), '-mp', String(mediaPort), '-cp', String(controlPort)],
    ...['-m', String(options.calls ?? 1), '-nostdin'],
    ...['-trace_err', '-error_file', errorFile],
    ...(options.quiet ? [] : ['-trace_msg', '-trace_logs', '-message_file', traceFile, '-log_file', logFile]),
    ...['-timeout', `${Math.ceil((options.timeoutMs ?? 30_000) / 1000)}s`],
    ...(options.timeoutIsError === false ? [] : ['-timeout_error']),
    ...Object.entries(keys).flatMap(([key, value]) => ['-key', key, value]),
    ...roleArgs,
    ...(options.extraArgs ?? []),
    ...(remote ? [remote] : []),
  ];
  const what = `sipp ${role} ${name} (${options.transport})`;
  const child = await startProcess({
    name: what,
    command: SIPP,
    args,
    cwd: dir,
    log: { file: outFile },
    stopGraceMs: 2000,
  });
  const diagnostics = (): string =>
    [
      `${what} on ${host}:${port}, files in ${dir}`,
      `--- ${errorFile}\n${tailFile(errorFile, 20)}`,
      `--- ${traceFile}\n${tailFile(traceFile, 60)}`,
      `--- ${outFile}\n${tailFile(outFile, 15)}`,
    ].join('\n');
  const instance: SippInstance = {
    port,
    mediaPort,
    pid: child.pid,
    exited: child.exited,
    traceFile,
    errorFile,
    logFile,
    dir,
    diagnostics,
    messages: () => (existsSync(traceFile) ? parseSippTrace(readFileSync(traceFile, 'latin1')) : []),
    waitForExit: async (timeoutMs = 30_000) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      const result = await Promise.race([child.exited, timeout]);
      clearTimeout(timer);
      if (result === 'timeout') throw new Error(`sipp did not exit within ${timeoutMs} ms\n${diagnostics()}`);
      return result;
    },
    stop: async () => {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return { instance, child };
}

/** "exited with code 1 (at least one call failed)" */
export function describeSippExit(exit: ExitInfo): string {
  const meaning: Record<number, string> = {
    0: 'all calls succeeded',
    1: 'at least one call failed',
    97: 'stopped by an internal command or -timeout',
    99: 'no call was processed',
    255: 'fatal error or -timeout reached',
  };
  const known = exit.code === null ? undefined : meaning[exit.code];
  return `${describeExit(exit)}${known ? ` (${known})` : ''}`;
}

/** Ready when `sipp` itself (not some other process) holds 127.0.0.1:`port`: its socket inode is among its fds. */
function boundProbe(transport: SippTransport, host: string, port: number, pid: number): Probe {
  const table = transport === 'udp' ? '/proc/net/udp' : '/proc/net/tcp';
  // /proc/net writes an IPv4 address as its four bytes in host (little-endian) order.
  const address = host
    .split('.')
    .reverse()
    .map((b) => Number(b).toString(16).toUpperCase().padStart(2, '0'))
    .join('');
  const local = `${address}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return async () => {
    const inodes = (await readFile(table, 'utf8'))
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[1] === local && (transport === 'udp' || f[3] === '0A'))
      .map((f) => `socket:[${f[9]}]`);
    if (inodes.length === 0) return { ok: false, detail: `${local} not yet in ${table}` };
    try {
      const fds = readdirSync(`/proc/${pid}/fd`).map((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return '';
        }
      });
      const ok = fds.some((link) => inodes.includes(link));
      return { ok, detail: ok ? `bound ${transport} ${port}` : `${transport} ${port} is held by another process` };
    } catch (err) {
      return { ok: false, detail: `cannot read /proc/${pid}/fd: ${(err as Error).message}` };
    }
  };
}

function bindUdp(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind(port, host, () => {
      const bound = socket.address().port;
      socket.close(() => resolve(bound));
    });
  });
}

async function freeUdpPort(host: string): Promise<number> {
  const port = await bindUdp(0, host);
  if (port === undefined) throw new Error(`cannot bind a UDP port on ${host}`);
  return port;
}

/** A port from `pick` not in `taken` (nor `taken` + up to `span`); adds it (and its span) to `taken`. */
async function distinct(pick: () => Promise<number>, taken: Set<number>, span = 0): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await pick();
    const range = Array.from({ length: span + 1 }, (_, i) => port + i);
    if (range.some((p) => taken.has(p))) continue;
    for (const p of range) taken.add(p);
    return port;
  }
  throw new Error('no distinct free port for sipp');
}

/** A UDP port `p` with `p + 2` free as well (sipp binds both for audio and video RTP). */
async function freeRtpPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freeUdpPort(LOOPBACK);
    if (port + 2 <= 65535 && (await bindUdp(port + 2, LOOPBACK)) !== undefined) return port;
  }
  throw new Error('no free UDP port pair for sipp media');
}

// ---------------------------------------------------------------------------------------
// The -trace_msg log and digest checks

/** One SIP message from sipp's `-trace_msg` log. */
export interface SippMessage {
  readonly direction: 'sent' | 'received';
  readonly transport: string;
  /** The request or status line, e.g. `INVITE sip:…` or `SIP/2.0 200 OK`. */
  readonly startLine: string;
  readonly headers: readonly (readonly [name: string, value: string])[];
  readonly body: string;
}

const COMPACT: Readonly<Record<string, string>> = {
  i: 'call-id',
  f: 'from',
  t: 'to',
  v: 'via',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
};

/** The values of header `name` (case-insensitive, compact forms too) in `message`. */
export function headerValues(message: SippMessage, name: string): string[] {
  const wanted = name.toLowerCase();
  return message.headers.filter(([n]) => (COMPACT[n.toLowerCase()] ?? n.toLowerCase()) === wanted).map(([, v]) => v);
}

/** The messages sipp sent or received whose start line begins with `start` (`'BYE '`, `'SIP/2.0 200'`). */
export function sippMessages(
  sipp: Pick<SippInstance, 'messages'>,
  direction: SippMessage['direction'],
  start: string,
): SippMessage[] {
  return sipp.messages().filter((m) => m.direction === direction && m.startLine.startsWith(start));
}

/** The `method` requests sipp received. */
export function receivedRequests(sipp: Pick<SippInstance, 'messages'>, method: string): SippMessage[] {
  return sippMessages(sipp, 'received', `${method} `);
}

/** Splits sipp's `-trace_msg` log into messages (separator lines carry a timestamp). */
export function parseSippTrace(text: string): SippMessage[] {
  const messages: SippMessage[] = [];
  for (const chunk of text.split(/^-{10,} \d{4}-\d\d-\d\d [\d:.]+\r?$/m)) {
    const match = /^\s*(UDP|TCP|TLS|SCTP) message (sent|received)[^\n]*\n\r?\n([\s\S]*)$/.exec(chunk);
    if (!match) continue;
    const [head, ...rest] = match[3].split(/\r?\n\r?\n/);
    const [startLine, ...lines] = head.split(/\r?\n/);
    const headers = lines
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')).trim(), line.slice(line.indexOf(':') + 1).trim()] as const);
    messages.push({
      transport: match[1],
      direction: match[2] as 'sent' | 'received',
      startLine: startLine.trim(),
      headers,
      body: rest.join('\n\n').trim(),
    });
  }
  return messages;
}

/** `Digest a=b, c="d"` → `{ a: 'b', c: 'd' }` (names lower-cased). */
export function parseDigestParams(header: string): Record<string, string> {
  const params: Record<string, string> = {};
  const re = /([A-Za-z-]+)\s*=\s*(?:"([^"]*)"|([^\s,]+))/g;
  for (const m of header.replace(/^\s*Digest\s+/i, '').matchAll(re)) params[m[1].toLowerCase()] = m[2] ?? m[3];
  return params;
}

/** The digest `response` (RFC 2617 / RFC 8760) for MD5 or SHA-256, with or without qop=auth. */
export function digestResponse(p: {
  readonly username: string;
  readonly password: string;
  readonly realm: string;
  readonly method: string;
  readonly uri: string;
  readonly nonce: string;
  readonly qop?: string;
  readonly cnonce?: string;
  readonly nc?: string;
  readonly algorithm?: string;
}): string {
  const hashName = /^sha-?256$/i.test(p.algorithm ?? 'MD5') ? 'sha256' : 'md5';
  const h = (s: string): string => createHash(hashName).update(s).digest('hex');
  const ha1 = h(`${p.username}:${p.realm}:${p.password}`);
  const ha2 = h(`${p.method}:${p.uri}`);
  return p.qop ? h(`${ha1}:${p.nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:${p.qop}:${ha2}`) : h(`${ha1}:${p.nonce}:${ha2}`);
}

/** What {@link checkProxyAuthorization} found. */
export interface DigestCheck {
  /** The digest is right for the password, user, realm and the challenged nonce. */
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly params?: Readonly<Record<string, string>>;
  /** Whether the digest `uri` equals the request's Request-URI (sip.js: yes; sipp's own UAC: no). */
  readonly uriMatchesRequest?: boolean;
}

/**
 * Recomputes the digest of the first received INVITE carrying `header` (default
 * `Proxy-Authorization`, which sipp 3.6.1 cannot verify itself) from a sipp trace, and
 * checks user, realm, the nonce of the challenge sipp sent in the same call, qop=auth
 * parameters and the response against `password`.
 */
export function checkProxyAuthorization(
  messages: readonly SippMessage[],
  expected: { readonly username: string; readonly password: string; readonly realm?: string; readonly header?: string },
): DigestCheck {
  const header = expected.header ?? 'Proxy-Authorization';
  const request = messages.find(
    (m) => m.direction === 'received' && m.startLine.startsWith('INVITE ') && headerValues(m, header).length > 0,
  );
  if (!request) return { ok: false, problems: [`no received INVITE with ${header}`] };
  const params = parseDigestParams(headerValues(request, header)[0]);
  const callId = headerValues(request, 'Call-ID')[0];
  const challengeHeader = header.toLowerCase() === 'authorization' ? 'WWW-Authenticate' : 'Proxy-Authenticate';
  const challenge = messages.find(
    (m) =>
      m.direction === 'sent' && headerValues(m, 'Call-ID')[0] === callId && headerValues(m, challengeHeader).length > 0,
  );
  const challenged = challenge ? parseDigestParams(headerValues(challenge, challengeHeader)[0]) : undefined;
  const problems: string[] = [];
  if (params.username !== expected.username) problems.push(`username ${params.username} ≠ ${expected.username}`);
  const realm = expected.realm ?? challenged?.realm;
  if (realm !== undefined && params.realm !== realm) problems.push(`realm ${params.realm} ≠ ${realm}`);
  if (!challenged) problems.push(`no ${challengeHeader} sent in call ${callId}`);
  else if (params.nonce !== challenged.nonce) problems.push(`nonce ${params.nonce} ≠ challenged ${challenged.nonce}`);
  if (params.qop && (!params.cnonce || !/^[0-9a-f]{8}$/i.test(params.nc ?? ''))) problems.push('qop without cnonce/nc');
  for (const required of ['realm', 'nonce', 'uri', 'response']) if (!params[required]) problems.push(`no ${required}`);
  if (problems.length === 0) {
    const computed = digestResponse({
      username: expected.username,
      password: expected.password,
      realm: params.realm,
      method: 'INVITE',
      uri: params.uri,
      nonce: params.nonce,
      qop: params.qop,
      cnonce: params.cnonce,
      nc: params.nc,
      algorithm: params.algorithm,
    });
    if (computed !== params.response.toLowerCase()) problems.push(`response ${params.response} ≠ expected ${computed}`);
  }
  const requestUri = request.startLine.split(' ')[1];
  return { ok: problems.length === 0, problems, params, uriMatchesRequest: params.uri === requestUri };
}
