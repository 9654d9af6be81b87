/**
 * Pretend hosts for the multi-host test: network namespaces on a Linux bridge, each with
 * its own address on a veth pair (`ip netns`, root only). The bridge is a private /24 of
 * 10.231.0.0/16 picked at random, so parallel runs do not meet; nothing is routed off the
 * machine. The stack's services listen on 127.0.0.1, which a namespace cannot reach: a TCP
 * forwarder on the bridge's address relays each of their ports (PostgreSQL, Temporal, MinIO)
 * to loopback, as a host's address would reach them on a real network.
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface PretendHost {
  /** The namespace's name, for `ip netns exec`. */
  readonly namespace: string;
  /** Its address on the bridge. */
  readonly address: string;
}

export interface HostNetwork {
  /** The bridge's own address: where the namespaces reach this host (and its forwarders). */
  readonly gateway: string;
  /** The /24, for TRUNK_ALLOWED_NETWORKS. */
  readonly cidr: string;
  readonly hosts: readonly PretendHost[];
  /** Relays `gateway:port` to `127.0.0.1:port` for each port. */
  forward(ports: readonly number[]): Promise<void>;
  /** Removes the forwarders, namespaces and bridge (idempotent). */
  remove(): Promise<void>;
}

const ip = (...args: string[]): void => {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
};

/** `count` namespaces on a new bridge; throws (with `ip`'s message) where namespaces cannot be made. */
export function createHostNetwork(count: number): HostNetwork {
  const tag = randomInt(0x1000, 0xffff).toString(16);
  const subnet = `10.231.${randomInt(1, 255)}`;
  const bridge = `vcbr${tag}`;
  const hosts: PretendHost[] = [];
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  let removed = false;
  const remove = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    for (const host of hosts) {
      try {
        ip('netns', 'del', host.namespace);
      } catch {
        // already gone
      }
    }
    try {
      ip('link', 'del', bridge);
    } catch {
      // already gone
    }
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${subnet}.1/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    for (let i = 1; i <= count; i++) {
      const namespace = `vc${tag}h${i}`;
      const [outside, inside] = [`vc${tag}o${i}`, `vc${tag}i${i}`];
      ip('netns', 'add', namespace);
      hosts.push({ namespace, address: `${subnet}.${10 + i}` });
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      ip('link', 'set', inside, 'netns', namespace);
      ip('link', 'set', outside, 'master', bridge);
      ip('link', 'set', outside, 'up');
      ip('netns', 'exec', namespace, 'ip', 'addr', 'add', `${subnet}.${10 + i}/24`, 'dev', inside);
      ip('netns', 'exec', namespace, 'ip', 'link', 'set', inside, 'up');
      ip('netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up');
    }
  } catch (err) {
    void remove();
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`could not make network namespaces (root and iproute2 needed): ${stderr ?? String(err)}`, {
      cause: err,
    });
  }
  const gateway = `${subnet}.1`;
  const forward = async (ports: readonly number[]): Promise<void> => {
    for (const port of ports) {
      const server = createServer((client) => {
        const upstream = createConnection({ host: '127.0.0.1', port });
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.once('close', () => sockets.delete(s));
          s.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream);
        upstream.pipe(client);
      });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, gateway, resolve);
      });
    }
  };
  return { gateway, cidr: `${subnet}.0/24`, hosts, forward, remove };
}
