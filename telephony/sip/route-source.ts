/**
 * Which local address the kernel would send from to reach a peer. With SIP bound to the
 * wildcard (`0.0.0.0` / `::`) and no public address configured, this is what goes into
 * Via, Contact and SDP: `0.0.0.0` there would be useless (in SDP it even means "hold").
 * A connected UDP socket asks the routing table without sending anything.
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';

export function isUnspecified(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '';
}

/** The source address for `host:port` (resolved like a send would), e.g. `192.0.2.10`. */
export function routeSource(host: string, port: number, family: 4 | 6 = isIP(host) === 6 ? 6 : 4): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    const done = (err?: Error) => {
      let address: string | undefined;
      if (!err) address = socket.address().address;
      socket.close();
      if (err) reject(err);
      else resolve(address!);
    };
    socket.once('error', done);
    socket.connect(port, host, () => done());
  });
}
