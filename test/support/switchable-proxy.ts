/**
 * A TCP forwarder on a loopback port of its own to a real service (the stack's MinIO), that a
 * test switches off and on: off, the port refuses connections and every open one is cut,
 * exactly what a process pointed at it sees when the service goes down; on, the same port
 * forwards again. Lets a test take object storage away from one worker without stopping the
 * stack's MinIO, which other test files use at the same time.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { freePort } from '../../scripts/services/ports';

export interface SwitchableProxy {
  /** `http://127.0.0.1:<port>`: the endpoint to give the worker. */
  readonly url: string;
  up(): Promise<void>;
  down(): Promise<void>;
  /**
   * Cuts the open connections, then accepts new ones but forwards nothing until `up()`
   * (then they go through as if slow): a request in flight while the service does not
   * answer, without an error.
   */
  stall(): Promise<void>;
  close(): Promise<void>;
}

export async function switchableProxy(target: URL): Promise<SwitchableProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let stalled: (() => void)[] | undefined;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const up = async () => {
    if (server) return;
    const s = createServer((client) => {
      track(client);
      if (stalled) {
        client.pause();
        stalled.push(() => forward(client));
        return;
      }
      forward(client);
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    server = s;
  };
  const forward = (client: Socket) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.resume();
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  };
  const release = () => {
    const waiting = stalled ?? [];
    stalled = undefined;
    for (const go of waiting) go();
  };
  const stall = async () => {
    await up();
    stalled ??= [];
    for (const socket of sockets) socket.destroy(); // kept-alive connections would bypass the stall
  };
  const down = async () => {
    stalled = undefined;
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  const upAndRelease = async () => {
    await up();
    release();
  };
  await up();
  return { url: `http://127.0.0.1:${port}`, up: upAndRelease, down, stall, close: down };
}
