/**
 * What the transports do with incoming SIP before sip.js sees it (review F3): our user
 * agents only place calls, so a request from the network is either part of one of our
 * dialogs (BYE, re-INVITE, INFO, OPTIONS: it carries a To tag) or unsolicited.
 *
 * - Every incoming request gets the packet's real source stamped into its top Via as
 *   `received` and `rport` (RFC 3261 §18.2.1, RFC 3581 §4, what Asterisk calls
 *   `force_rport`), replacing whatever the sender wrote there: the response goes back where
 *   the request came from, never to a host named in the request.
 * - Out-of-dialog requests (no To tag) never reach sip.js, which would keep an INVITE
 *   server transaction for 32 s for each (timer H) and scan all of them for every new one
 *   (its merged-request check). They are answered here without any state (RFC 3261 §8.2.7:
 *   the same request always gets the same response, To tag included): CANCEL 481; a
 *   Request-URI that does not name one of our users 404 (RFC 3261 §8.2.2.1, as sip.js
 *   did); else OPTIONS 200 (trunks ping us), INVITE 486 (what sip.js answered), anything
 *   else 405. ACKs (to those 486s) are absorbed. At most {@link OUT_OF_DIALOG_BURST} answers, refilled at
 *   {@link OUT_OF_DIALOG_PER_SECOND} a second, per transport; the rest are dropped.
 *
 * - A request that is malformed in a way no gateway gets wrong (the RFC 4475 §3.1.2 kinds:
 *   a bad start line or version, a CSeq that is too large or names another method, a
 *   Content-Length beyond the datagram or negative, Max-Forwards over 255, an unterminated
 *   quoted string in From or To, a head over {@link MAX_HEAD_CHARS}) is answered 400 (513 for
 *   the size), within the same rate limit, or dropped when it cannot be answered; it never
 *   reaches sip.js, in a dialog or not.
 *
 * The functions scan the head with indexOf and small regular expressions anchored to a
 * line: they run for every request, before any full parse.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { HostPort } from './addressing.js';

/** A request head longer than this is refused before anything parses it (a SIP head is rarely over 4 KB). */
export const MAX_HEAD_CHARS = 16 * 1024;

/** Stateless answers per transport: the bucket's size, and how fast it refills. */
export const OUT_OF_DIALOG_BURST = 20;
export const OUT_OF_DIALOG_PER_SECOND = 10;

/** What the transports of one engine count; the worker can export these as metrics. */
export class SipGuardStats {
  /** Datagrams whose source is not the trunk (next hop or outbound proxy) of the user agent. */
  foreignDropped = 0;
  /** Out-of-dialog requests answered statelessly. */
  outOfDialogAnswered = 0;
  /** Out-of-dialog requests dropped: ACKs, over the rate limit, or too broken to answer. */
  outOfDialogDropped = 0;

  snapshot(): { foreignDropped: number; outOfDialogAnswered: number; outOfDialogDropped: number } {
    return {
      foreignDropped: this.foreignDropped,
      outOfDialogAnswered: this.outOfDialogAnswered,
      outOfDialogDropped: this.outOfDialogDropped,
    };
  }
}

/** A token bucket: `take()` is true while tokens remain. */
export class RateLimit {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
  ) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * Calls `log(suppressed)` at most once per `intervalMs` for a kind of event, with how many
 * of them were not logged since the last time.
 */
export class IntervalLog {
  private lastAt = -Infinity;
  private suppressed = 0;

  constructor(private readonly intervalMs: number) {}

  note(log: (suppressed: number) => void): void {
    const now = performance.now();
    if (now - this.lastAt < this.intervalMs) {
      this.suppressed += 1;
      return;
    }
    const suppressed = this.suppressed;
    this.lastAt = now;
    this.suppressed = 0;
    log(suppressed);
  }
}

function headEnd(message: string): number {
  const end = message.indexOf('\r\n\r\n');
  return end < 0 ? message.length : end;
}

/** The method of a request (its first token), or undefined for a response or garbage. */
export function requestMethod(message: string): string | undefined {
  if (message.startsWith('SIP/2.0 ')) return undefined;
  const space = message.indexOf(' ');
  if (space < 1 || space > 32) return undefined;
  const method = message.slice(0, space);
  return /^[A-Za-z0-9!%*_+`'~.-]+$/.test(method) ? method.toUpperCase() : undefined;
}

/** Header lines of the head (folded continuation lines joined to theirs), without the start line. */
function headerLines(message: string): string[] {
  const head = message.slice(0, headEnd(message));
  const lines: string[] = [];
  for (const line of head.split('\r\n').slice(1)) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length > 0) lines[lines.length - 1] += `\r\n${line}`;
    else if (line !== '') lines.push(line);
  }
  return lines;
}

const headerName = (line: string) =>
  line
    .slice(0, Math.max(0, line.indexOf(':')))
    .trim()
    .toLowerCase();
const headerValue = (line: string) => line.slice(line.indexOf(':') + 1).trim();

const NAMES: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id' };
const canonical = (name: string) => NAMES[name] ?? name;

/** Whether a To (or From) value carries a tag parameter (a header parameter, not one inside the URI). */
function hasTag(value: string): boolean {
  const close = value.lastIndexOf('>');
  const params = value.includes('<') ? value.slice(close + 1) : value;
  return /;\s*tag\s*=/i.test(params);
}

const TOP_VIA = /^((?:via|v)[ \t]*:[ \t]*SIP[ \t]*\/[ \t]*2\.0[ \t]*\/[ \t]*[A-Za-z]+[ \t]+[^;,\r\n]+)([^,\r\n]*)/im;

/**
 * The request with `received` and `rport` of its top Via set to `source` (any the sender
 * wrote are replaced); undefined when it has no Via to answer along.
 */
export function stampVia(message: string, source: HostPort): string | undefined {
  let end = headEnd(message);
  const head = message.slice(0, end);
  if (/\r\n[ \t]/.test(head)) {
    // Folded lines (RFC 3261 §7.3.1: the same as one space): unfolded, so a folded Via is found and stamped.
    message = head.replace(/\r\n[ \t]+/g, ' ') + message.slice(end);
    end = headEnd(message);
  }
  const via = TOP_VIA.exec(message.slice(0, end));
  if (!via) return undefined;
  const params = via[2]
    .split(';')
    .slice(1)
    .filter((param) => !/^\s*(received|rport)\s*(=|$)/i.test(param));
  const stamped = [...params, `received=${source.host}`, `rport=${source.port}`].map((p) => `;${p.trim()}`).join('');
  const at = via.index + via[1].length;
  return message.slice(0, at) + stamped + message.slice(at + via[2].length);
}

/** Whether a request belongs to a dialog (its To has a tag). Requests without a To header are treated as outside one. */
export function inDialog(message: string): boolean {
  const to = headerLines(message).find((line) => canonical(headerName(line)) === 'to');
  return to !== undefined && hasTag(headerValue(to));
}

/** Answers to unsolicited requests (see the module notes). */
const ANSWERS: Record<string, readonly [number, string]> = {
  OPTIONS: [200, 'OK'],
  CANCEL: [481, 'Call/Transaction Does Not Exist'],
  INVITE: [486, 'Busy Here'],
};
const NOT_OURS = [404, 'Not Found'] as const;
const ALLOW = 'Allow: INVITE, ACK, CANCEL, BYE, INFO, OPTIONS';

const START_LINE = /^[^ ]+ [A-Za-z][A-Za-z0-9+.-]*:[^ \t<>]+ SIP\/2\.0$/i;

/**
 * The status a malformed request gets (see the module notes), or undefined when nothing is
 * wrong with it that we check. Cheap: one pass over the head's lines.
 */
export function requestDefect(message: string, method: string): readonly [number, string] | undefined {
  const end = headEnd(message);
  if (end > MAX_HEAD_CHARS) return [513, 'Message Too Large'];
  const lineEnd = message.indexOf('\r\n');
  if (!START_LINE.test(message.slice(0, lineEnd < 0 ? end : lineEnd))) return [400, 'Bad Request Line'];
  const seen = new Set<string>();
  for (const line of headerLines(message)) {
    const name = canonical(headerName(line));
    const value = headerValue(line).replace(/\r\n[ \t]+/g, ' ');
    if (name === 'cseq') {
      const cseq = /^(\d{1,10})\s+(\S+)$/.exec(value);
      if (!cseq || Number(cseq[1]) >= 2 ** 31 || cseq[2] !== method) return [400, 'Bad CSeq'];
    } else if (name === 'content-length' || name === 'l') {
      const body = Buffer.byteLength(message.slice(Math.min(message.length, end + 4)), 'utf8');
      if (!/^\d{1,10}$/.test(value) || Number(value) > body) return [400, 'Bad Content-Length'];
    } else if (name === 'max-forwards') {
      if (!/^\d{1,10}$/.test(value) || Number(value) > 255) return [400, 'Bad Max-Forwards'];
    } else if (name === 'from' || name === 'to') {
      if ((value.replace(/\\[^]/g, '').match(/"/g)?.length ?? 0) % 2 !== 0) return [400, 'Unterminated Quoted String'];
    } else continue;
    if (seen.has(name)) return [400, `Duplicate ${name}`];
    seen.add(name);
  }
  if (!seen.has('cseq')) return [400, 'Missing CSeq'];
  return undefined;
}

/** The user part of the Request-URI, unescaped ('' when there is none). */
function requestUser(message: string): string {
  const uri = message.slice(message.indexOf(' ') + 1, message.indexOf('\r\n'));
  const user = /^sips?:([^@;?>\s]*)@/i.exec(uri)?.[1] ?? '';
  try {
    return decodeURIComponent(user);
  } catch {
    return user;
  }
}

/** Keyed per process: the To tag of a stateless answer is the same for every retransmission, and nobody else can compute it. */
const TAG_KEY = randomBytes(32);

/**
 * The stateless answer to an out-of-dialog request (already stamped), or undefined when it
 * gets none: an ACK, or a request missing a header a response must copy.
 */
export function statelessAnswer(
  message: string,
  method: string,
  users?: readonly string[],
  status?: readonly [number, string],
): string | undefined {
  if (method === 'ACK') return undefined;
  const copied: string[] = [];
  const seen = new Set<string>();
  let toLine: string | undefined;
  for (const line of headerLines(message)) {
    const name = canonical(headerName(line));
    if (name === 'via') copied.push(line);
    else if (name === 'from' || name === 'call-id' || name === 'cseq') {
      if (seen.has(name)) return undefined;
      copied.push(line);
    } else if (name === 'to') {
      if (toLine) return undefined;
      toLine = line;
    } else continue;
    seen.add(name);
  }
  if (!toLine || !['via', 'from', 'call-id', 'cseq'].every((name) => seen.has(name))) return undefined;
  const [code, reason] =
    status ??
    (method !== 'CANCEL' && users && !users.includes(requestUser(message))
      ? NOT_OURS
      : (ANSWERS[method] ?? [405, 'Method Not Allowed']));
  const tag = createHmac('sha256', TAG_KEY)
    .update(message.slice(0, headEnd(message)))
    .digest('hex')
    .slice(0, 16);
  const head = [
    `SIP/2.0 ${code} ${reason}`,
    ...copied,
    `${toLine};tag=${tag}`,
    ...(code === 405 || method === 'OPTIONS' ? [ALLOW] : []),
    'Content-Length: 0',
  ];
  return `${head.join('\r\n')}\r\n\r\n`;
}
