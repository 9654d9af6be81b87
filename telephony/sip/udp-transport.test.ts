import { createSocket, type Socket } from 'node:dgram';
import { TransportState } from 'sip.js';
import type { Logger } from 'sip.js/lib/core/log/logger.js';
import { freePort } from '../../scripts/services/ports.js';
import { UdpTransport } from './udp-transport.js';

const bound = (port: number): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve(socket));
  });

const transportIn = (min: number, max: number) =>
  new UdpTransport({} as Logger, {
    nextHop: { host: '127.0.0.1', port: 9 },
    bindAddress: '127.0.0.1',
    bindPort: 0,
    bindPorts: { min, max },
    placeholder: 'vc-test.invalid',
  });

describe('UdpTransport with a port range', () => {
  it('takes the first port of the range nobody holds, and says so when all are taken', async () => {
    const first = await freePort('127.0.0.1');
    const squatter = await bound(first); // another worker on this host holds the first port
    const transport = transportIn(first, first + 1);
    const full = transportIn(first, first + 1);
    try {
      await transport.connect();
      expect(transport.state).toBe(TransportState.Connected);
      expect((transport as unknown as { socket: Socket }).socket.address().port).toBe(first + 1);
      await expect(full.connect()).rejects.toThrow(`no free UDP port for SIP in ${first}-${first + 1}`);
    } finally {
      await Promise.all([transport.disconnect(), full.disconnect()]);
      squatter.close();
    }
  });
});
