/**
 * Where SIP messages go and how they name us — the part of RFC 3261 §18 that sip.js leaves
 * to the transport.
 *
 * sip.js writes a placeholder host (`viaHost`) without a port into Via and Contact, and
 * drops responses whose top Via differs from it. The transport therefore rewrites, on the
 * way out, the placeholder to our reachable `host:port` (the configured public address for
 * NAT, else the bound address) and adds `rport` (RFC 3581) to Via; on the way in, it puts
 * the placeholder back into the top Via of responses. Requests go to the next hop (the
 * trunk, or its outbound proxy); responses go where the request's top Via says: `received`
 * / `rport` when present, else the sent-by host and port.
 */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The patterns below depend only on a user agent's placeholder and address, yet every
 * message needs them: compiled once per source (a few per trunk; the map is emptied should
 * it ever grow past a bound). Global regexps are safe to share with `replace`, which starts
 * them from 0.
 */
const patterns = new Map<string, RegExp>();
function pattern(source: string): RegExp {
  let compiled = patterns.get(source);
  if (!compiled) {
    if (patterns.size >= 256) patterns.clear();
    compiled = new RegExp(source, 'g');
    patterns.set(source, compiled);
  }
  return compiled;
}

/** Rewrites our placeholder in the Via and Contact headers of an outgoing message. */
export function rewriteOutgoing(message: string, placeholder: string, self: HostPort): string {
  const headEnd = message.indexOf('\r\n\r\n');
  const head = headEnd < 0 ? message : message.slice(0, headEnd);
  const body = headEnd < 0 ? '' : message.slice(headEnd);
  const host = escape(placeholder);
  const sentBy = `${sipHost(self.host)}:${self.port}`;
  const lines = head.split('\r\n').map((line) => {
    if (/^(via|v)\s*:/i.test(line)) {
      return line.replace(pattern(`(SIP/2\\.0/[A-Za-z]+ )${host}(?=[;\\s,]|$)`), `$1${sentBy};rport`);
    }
    if (/^(contact|m)\s*:/i.test(line)) return line.replace(pattern(`@${host}(?=[;>:\\s]|$)`), `@${sentBy}`);
    return line;
  });
  return lines.join('\r\n') + body;
}

/**
 * Puts the placeholder back into the top Via of an incoming response (sip.js checks it),
 * keeping every parameter, and into Contacts that name us as `self` (the address we
 * advertised): a registrar's 200 lists our binding, and sip.js only accepts the REGISTER
 * when it recognises its own Contact there. Requests are returned unchanged.
 */
export function rewriteIncomingResponse(message: string, placeholder: string, self?: HostPort): string {
  if (!message.startsWith('SIP/2.0 ')) return message;
  const rewritten = message.replace(
    /^((?:via|v)\s*:\s*SIP\/2\.0\/[A-Za-z]+\s+)(\[[^\]]+\]|[^;\s,:]+)(:\d+)?/im,
    `$1${placeholder}`,
  );
  if (!self) return rewritten;
  const headEnd = rewritten.indexOf('\r\n\r\n');
  const head = headEnd < 0 ? rewritten : rewritten.slice(0, headEnd);
  const ours = pattern(`@${escape(`${sipHost(self.host)}:${self.port}`)}(?=[;>\\s,]|$)`);
  const lines = head
    .split('\r\n')
    .map((line) => (/^(contact|m)\s*:/i.test(line) ? line.replace(ours, `@${placeholder}`) : line));
  return lines.join('\r\n') + (headEnd < 0 ? '' : rewritten.slice(headEnd));
}

/** RFC 3261 §18.2.2 / RFC 3581 §4: where to send a response to a request with this top Via. */
export function responseDestination(message: string, defaultPort = 5060): HostPort | undefined {
  const via = /^(?:via|v)\s*:\s*SIP\/2\.0\/[A-Za-z]+\s+(\[[^\]]+\]|[^;\s,:]+)(?::(\d+))?([^,\r\n]*)/im.exec(message);
  if (!via) return undefined;
  const params = via[3] ?? '';
  const received = /;\s*received=([^;\s,]+)/i.exec(params)?.[1];
  const rport = /;\s*rport=(\d+)/i.exec(params)?.[1];
  const host = (received ?? via[1] ?? '').replace(/^\[|\]$/g, '');
  const port = Number(rport ?? via[2] ?? defaultPort);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

/** A host as it goes into a SIP URI or a sent-by: an IPv6 literal in brackets, anything else as it is. */
export function sipHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
