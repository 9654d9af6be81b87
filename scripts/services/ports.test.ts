/**
 * Free-port picking for the private stacks: ports come from below the kernel's ephemeral
 * range, so an outgoing connection can never hold one between the pick and the bind.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { SERVICE_PORT_BAND, freePorts, isPortFree } from './ports';

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(server));
  });
}

describe('freePorts', () => {
  it('returns distinct, bindable ports inside the service band', async () => {
    const ports = await freePorts(20);
    expect(new Set(ports).size).toBe(20);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(SERVICE_PORT_BAND.min);
      expect(port).toBeLessThanOrEqual(SERVICE_PORT_BAND.max);
      expect(await isPortFree(port)).toBe(true);
    }
  });

  it('keeps the band clear of the kernel ephemeral range', () => {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    expect(SERVICE_PORT_BAND.max).toBeLessThan(low);
  });

  it('never returns a port another listener holds', async () => {
    // Occupy a block of the band, then ask for many ports: none may come from the block.
    const held: Server[] = [];
    const taken = new Set<number>();
    try {
      for (const port of await freePorts(200)) {
        try {
          held.push(await listenOn(port));
          taken.add(port);
        } catch {
          // taken by someone else in the meantime: fine, it is busy either way
        }
      }
      const ports = await freePorts(300);
      expect(ports.filter((p) => taken.has(p))).toEqual([]);
    } finally {
      await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
    }
  });
});
