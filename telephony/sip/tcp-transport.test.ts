import { TransportState } from 'sip.js';
import type { Logger } from 'sip.js/lib/core/log/logger.js';
import { freePort } from '../../scripts/services/ports.js';
import { TcpTransport } from './tcp-transport.js';

describe('TcpTransport', () => {
  it('refuses a connection that came back to itself (TCP simultaneous open on a local port nobody listens on)', async () => {
    // Binding the source to the destination port forces what the kernel does now and then on
    // its own when a trunk on this host has a port in the ephemeral range and nothing listens.
    const port = await freePort('127.0.0.1');
    const transport = new TcpTransport({} as Logger, {
      nextHop: { host: '127.0.0.1', port },
      bindAddress: '127.0.0.1',
      bindPort: port,
      placeholder: 'vc-test.invalid',
    });
    try {
      await expect(transport.connect()).rejects.toThrow(/ECONNREFUSED .*came back to itself/);
      expect(transport.state).toBe(TransportState.Disconnected);
    } finally {
      await transport.disconnect(); // a transport that did connect to itself must not keep the run alive
    }
  });
});
