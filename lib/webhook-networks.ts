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
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
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
    const ip = mappedIPv4(address) ?? address;
    const family = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
    if (!internal.check(ip, family) || this.allowed.check(ip, family)) return undefined;
    return `${address} is a private or local address not in ${this.variable}`;
  }

  /** `address` is in a range that is not the public internet (listed or not). */
  isInternal(address: string): boolean {
    const ip = mappedIPv4(address) ?? address;
    return internal.check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6');
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
 * The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:10.0.0.1`, or `::ffff:a00:1` as
 * URLs write it), which reaches that IPv4 host; undefined for any other address.
 */
export function mappedIPv4(address: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (dotted) return dotted;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const [high, low] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
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
