/**
 * Where webhooks may POST to. A webhook URL is chosen by any user, and its POST leaves from
 * the worker, inside the operator's network: without a check, a user could make the worker
 * reach the database's neighbours or the cloud's metadata service (169.254.169.254) and read
 * their answers' status codes in the delivery log. So addresses that are not the public
 * internet (loopback, RFC 1918, carrier-grade NAT, link-local, unique-local, multicast,
 * reserved) are refused unless the operator lists their network in
 * WEBHOOK_ALLOWED_NETWORKS, as GitLab and Mattermost do for theirs. The check applies to
 * every address a host name resolves to, at the moment of each POST (a name that later
 * resolves elsewhere gains nothing), and the connection goes to a checked address.
 *
 * IPv6 addresses that carry an IPv4 one are judged by the IPv4 address they reach (F26):
 * IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d` (a DNS64 resolver gives these for
 * IPv4-only hosts, so public ones must pass) and 6to4 `2002:aabb:ccdd::/48`. The transition
 * and special ranges that have no public use for a webhook are refused whatever they
 * embed: IPv4-compatible `::/96`, SIIT `::ffff:0:0:0/96`, local-use NAT64 `64:ff9b:1::/48`,
 * discard-only `100::/64`, Teredo `2001::/32` (its client address is obfuscated IPv4) and
 * the deprecated site-local `fec0::/10`. An operator who needs one lists it.
 */
import { BlockList, isIP } from 'node:net';

/** [network, prefix length]: the ranges that are not the public internet. */
const INTERNAL_V4: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local: cloud metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];
const INTERNAL_V6: readonly (readonly [string, number])[] = [
  ['::', 96], // IPv4-compatible (deprecated), with the unspecified address and ::1
  ['::ffff:0:0:0', 96], // SIIT IPv4-translated
  ['64:ff9b:1::', 48], // local-use NAT64: the operator's own translator
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

const internal = new BlockList();
for (const [network, prefix] of INTERNAL_V4) internal.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of INTERNAL_V6) internal.addSubnet(network, prefix, 'ipv6');

/** `10.1.0.0/16`, `fd00::/8`, or one address. Throws a message naming the entry otherwise. */
function addNetwork(list: BlockList, entry: string): void {
  const [address = '', prefixText, ...rest] = entry.split('/');
  const family = isIP(address);
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!family || rest.length > 0 || !/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max) {
    throw new Error(`"${entry}" is not an IP network (e.g. 10.20.0.0/16, fd00::/8, 192.168.1.10)`);
  }
  list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Checks destination addresses against the internal ranges and the operator's exceptions,
 * listed in the variable `variable` (named in the refusals). Webhooks use it as it is,
 * trunks (trunk-networks.ts) with a few refusals of their own on top.
 */
export class WebhookNetworks {
  private readonly allowed = new BlockList();

  /** `allowedNetworks`: WEBHOOK_ALLOWED_NETWORKS, parsed; throws on an entry that is not a network. */
  constructor(
    readonly allowedNetworks: readonly string[] = [],
    readonly variable = 'WEBHOOK_ALLOWED_NETWORKS',
  ) {
    for (const entry of allowedNetworks) addNetwork(this.allowed, entry);
  }

  /** Why a POST must not go to `address` (an IP literal), or undefined when it may. */
  refusal(address: string): string | undefined {
    if (!this.isInternal(address)) return undefined;
    const ip = embeddedIPv4(address);
    if (this.allowed.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6')) return undefined;
    if (ip !== undefined && this.allowed.check(ip, 'ipv4')) return undefined;
    return `${address} is a private or local address not in ${this.variable}`;
  }

  /** `address` is in a range that is not the public internet (listed or not). */
  isInternal(address: string): boolean {
    const ip = embeddedIPv4(address);
    if (ip !== undefined) return internal.check(ip, 'ipv4');
    return internal.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * For a URL whose host is an IP address (`[…]` for IPv6, as `URL.hostname` gives it): the
   * address and why it is refused, if it is. A host name is checked when it is resolved.
   */
  literalRefusal(hostname: string): { address: string; refusal: string } | undefined {
    const address = hostname.replace(/^\[(.*)\]$/, '$1');
    const refusal = isIP(address) ? this.refusal(address) : undefined;
    return refusal ? { address, refusal } : undefined;
  }
}

/**
 * The IPv4 host an IPv6 address reaches through a translator or tunnel, or undefined:
 * IPv4-mapped `::ffff:0:0/96` (`::ffff:10.0.0.1`, or `::ffff:a00:1` as URLs write it), NAT64
 * `64:ff9b::/96` (RFC 6052: the last 32 bits) and 6to4 `2002::/16` (RFC 3056: bits 16-47).
 */
export function embeddedIPv4(address: string): string | undefined {
  const words = ipv6Words(address);
  if (!words) return undefined;
  const zero = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  const dotted = (high: number, low: number) => [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  if (zero(0, 5) && words[5] === 0xffff) return dotted(words[6], words[7]);
  if (words[0] === 0x64 && words[1] === 0xff9b && zero(2, 6)) return dotted(words[6], words[7]);
  if (words[0] === 0x2002) return dotted(words[1], words[2]);
  return undefined;
}

/** An IPv6 address as its eight 16-bit words (a trailing dotted IPv4 is two), or undefined. */
export function ipv6Words(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) is not part of the address
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const part = (s: string | undefined) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const [before, after] = [part(head), part(tail)];
  const fill = tail === undefined ? [] : new Array<number>(8 - before.length - after.length).fill(0);
  const words = [...before, ...fill, ...after];
  return words.length === 8 ? words : undefined;
}

/** WEBHOOK_ALLOWED_NETWORKS as configured: comma-separated, blanks ignored; throws naming a bad entry. */
export function parseAllowedNetworks(value: string): string[] {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  new WebhookNetworks(entries); // validates
  return entries;
}
