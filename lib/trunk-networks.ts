/**
 * Where SIP and RTP may go (F2). A trunk's host, its outbound proxy and the media address a
 * trunk answers with (SDP `c=`) are chosen by any user, and the API (trunk test) and the
 * worker (calls, 50 RTP packets a second each) send to them from inside the operator's
 * network. So they get the webhooks' network policy (webhook-networks.ts, the same ranges):
 * addresses that are not the public internet are refused unless TRUNK_ALLOWED_NETWORKS lists
 * their network — self-hosted operators often have their SBC on 10.x, and say so there. On
 * top of that, whatever is listed:
 *
 * - cloud metadata services (169.254.169.254, fd00:ec2::254), multicast, the unspecified
 *   and reserved ranges are never a trunk;
 * - the stack's own service ports (PostgreSQL, Temporal, MinIO, the API, …) on an internal
 *   address are refused, so a listed 10.0.0.0/8 does not open the database to SIP lines.
 *
 * A host name is checked on every address it resolves to, when it is used (telephony layer,
 * through the predicate {@link TrunkNetworks.refusal}); an IP literal also when it is saved.
 */
import { BlockList, isIP } from 'node:net';
import type { Config } from './config.js';
import { embeddedIPv4, WebhookNetworks } from './webhook-networks.js';

export const TRUNK_NETWORKS_VARIABLE = 'TRUNK_ALLOWED_NETWORKS';

const never = new BlockList();
never.addAddress('169.254.169.254', 'ipv4'); // AWS, GCP, Azure, OpenStack metadata
never.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
never.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6
never.addSubnet('0.0.0.0', 8, 'ipv4');
never.addSubnet('224.0.0.0', 4, 'ipv4'); // multicast
never.addSubnet('240.0.0.0', 4, 'ipv4'); // reserved, broadcast
never.addAddress('::', 'ipv6');
never.addSubnet('ff00::', 8, 'ipv6'); // multicast

/** A port of one of this stack's own services, and its name for the refusal. */
export interface ServicePort {
  readonly port: number;
  readonly service: string;
}

export class TrunkNetworks {
  private readonly networks: WebhookNetworks;

  /** `allowedNetworks`: TRUNK_ALLOWED_NETWORKS, parsed. */
  constructor(
    allowedNetworks: readonly string[] = [],
    private readonly servicePorts: readonly ServicePort[] = [],
  ) {
    this.networks = new WebhookNetworks(allowedNetworks, TRUNK_NETWORKS_VARIABLE);
  }

  /**
   * Why SIP or RTP must not go to `address` (an IP literal) port `port`, or undefined when it
   * may. The reason says how to allow a private network.
   */
  refusal(address: string, port?: number): string | undefined {
    const ip = embeddedIPv4(address) ?? address;
    const family = isIP(ip);
    if (!family) return `${address} is not an IP address`;
    if (never.check(ip, family === 4 ? 'ipv4' : 'ipv6')) {
      return `${address} is a cloud metadata, multicast or reserved address, never a SIP trunk`;
    }
    if (this.networks.refusal(ip)) {
      return (
        `${address} is a private or local address: to allow it, add its network to ` +
        `${TRUNK_NETWORKS_VARIABLE} (e.g. ${example(ip, family)})`
      );
    }
    const service = port === undefined ? undefined : this.servicePorts.find((s) => s.port === port);
    if (service && this.networks.isInternal(ip)) {
      return `port ${port} is this stack's ${service.service}, never a SIP trunk`;
    }
    return undefined;
  }

  /**
   * For a host as stored (a name or an IP literal): why it is refused, if it is an IP
   * literal the policy refuses. A name is checked when it is resolved.
   */
  literalRefusal(host: string, port?: number): string | undefined {
    return isIP(host) ? this.refusal(host, port) : undefined;
  }
}

/** The network to list for `ip`: its /24 (IPv4) or /64 (IPv6). */
function example(ip: string, family: number): string {
  if (family === 4) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  return `${ip}/64`;
}

/** The ports this stack's own services listen on, from the configuration. */
export function stackServicePorts(config: Config): ServicePort[] {
  const ports: ServicePort[] = [
    { port: config.api.port, service: 'API' },
    { port: config.minio.port, service: 'MinIO' },
    { port: config.stack.minioConsolePort, service: 'MinIO console' },
    { port: config.stack.temporalUiPort, service: 'Temporal UI' },
  ];
  const { port: metrics } = config.telephony.metrics;
  if (metrics) ports.push({ port: metrics, service: 'worker metrics' });
  const database = portOf(() => new URL(config.database.url).port, 5432);
  if (database) ports.push({ port: database, service: 'PostgreSQL' });
  const temporal = portOf(() => /:(\d+)$/.exec(config.temporal.address)?.[1] ?? '', 7233);
  if (temporal) ports.push({ port: temporal, service: 'Temporal' });
  return ports;
}

function portOf(read: () => string, fallback: number): number | undefined {
  try {
    const text = read();
    return text ? Number(text) : fallback;
  } catch {
    return undefined;
  }
}
