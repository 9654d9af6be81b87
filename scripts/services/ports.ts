/**
 * Port helpers for the local stack: free-port finding for tests and in-use checks for
 * `make run`.
 */
import { createServer, type Server } from 'node:net';

function listen(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * The band test services listen in: below Linux's ephemeral range (32768–60999 by
 * default), so no outgoing connection can hold one of these ports as its local port
 * between our check and the service's bind. Picking with port 0 drew from the ephemeral
 * range, and a busy run (many short client connections) once took Temporal's HTTP port in
 * that gap: "bind: address already in use". UDP RTP ranges (20000+) are a separate space.
 */
export const SERVICE_PORT_BAND = { min: 12_000, max: 19_999 } as const;

/**
 * Returns `count` distinct ports from {@link SERVICE_PORT_BAND} that were free on `host` a
 * moment ago, picked at random so parallel test workers rarely try the same one. All are
 * held open until every one is chosen, so they never repeat; another of our own processes
 * may still take one before the caller binds it, which the random pick makes unlikely.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  const tried = new Set<number>();
  const size = SERVICE_PORT_BAND.max - SERVICE_PORT_BAND.min + 1;
  try {
    while (servers.length < count) {
      if (tried.size >= size)
        throw new Error(`no ${count} free TCP ports on ${host} in ${SERVICE_PORT_BAND.min}-${SERVICE_PORT_BAND.max}`);
      const port = SERVICE_PORT_BAND.min + Math.floor(Math.random() * size);
      if (tried.has(port)) continue;
      tried.add(port);
      try {
        servers.push(await listen(port, host));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EADDRINUSE' && code !== 'EACCES') throw err;
      }
    }
    return servers.map((s) => {
      const address = s.address();
      if (address === null || typeof address === 'string') throw new Error('unexpected server address');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map(close));
  }
}

/** One free port on `host`; see {@link freePorts}. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, host);
  return port;
}

/**
 * Whether `host:port` can be bound right now. On Linux a listener on the wildcard address
 * also makes this false, which is what we want: the service would fail to start.
 */
export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  try {
    await close(await listen(port, host));
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') return false;
    throw err;
  }
}
