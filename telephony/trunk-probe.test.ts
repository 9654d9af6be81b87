import { createServer, type AddressInfo, type Socket } from 'node:net';
import { authVerdict, combineAuth, optionsVerdict, probeTrunk, registrationVerdict, type Answer } from './trunk-probe';

const response = (code: number, challenged = false, reason = 'Reason'): Answer => ({
  kind: 'response',
  code,
  reason,
  challenged,
  rttMs: 12.3,
});

describe('authVerdict', () => {
  test.each([
    [200, false, null],
    [404, false, null],
    [405, false, null],
    [403, false, null], // refused without a challenge: says nothing about credentials (e.g. IP not allowed)
    [401, false, false], // asked for credentials we did not give (or sip.js could not use the challenge)
    [407, false, false],
    [200, true, true],
    [404, true, true], // past the authentication, refused for another reason
    [401, true, false], // challenged again after our digest
    [407, true, false],
    [403, true, false],
  ])('%i (challenged: %s) → %s', (code, challenged, expected) => {
    expect(authVerdict(response(code, challenged))).toBe(expected);
  });

  test('no response says nothing', () => {
    expect(authVerdict({ kind: 'timeout' })).toBeNull();
    expect(authVerdict({ kind: 'failed', error: 'x' })).toBeNull();
  });
});

test('combineAuth: a refusal anywhere wins, then an acceptance anywhere', () => {
  expect(combineAuth(null, null)).toBeNull();
  expect(combineAuth(true, null)).toBe(true);
  expect(combineAuth(null, true)).toBe(true);
  expect(combineAuth(true, false)).toBe(false);
  expect(combineAuth(false, true)).toBe(false);
  expect(combineAuth(null, false)).toBe(false);
});

describe('optionsVerdict', () => {
  test('any response means reachable, with its code, reason and RTT', () => {
    expect(optionsVerdict(response(405, false, 'Method Not Allowed'))).toEqual({
      reachable: true,
      authenticated: null,
      rttMs: 12.3,
      sipCode: 405,
      sipReason: 'Method Not Allowed',
      error: null,
    });
  });

  test('a timeout or a transport failure means unreachable, with the reason', () => {
    expect(optionsVerdict({ kind: 'timeout' })).toEqual({
      reachable: false,
      authenticated: null,
      rttMs: null,
      sipCode: null,
      sipReason: null,
      error: 'timeout',
    });
    expect(optionsVerdict({ kind: 'failed', error: 'connect ECONNREFUSED 127.0.0.1:5060' })).toMatchObject({
      reachable: false,
      error: 'connect ECONNREFUSED 127.0.0.1:5060',
    });
  });
});

describe('registrationVerdict', () => {
  test('a 2xx listing our Contact is a registration', () => {
    expect(registrationVerdict(response(200, true, 'OK'), true)).toEqual({
      registration: { registered: true, sipCode: 200, sipReason: 'OK' },
      error: null,
    });
  });

  test('a 2xx without our Contact is not, and says why', () => {
    expect(registrationVerdict(response(200, false, 'OK'), false)).toEqual({
      registration: { registered: false, sipCode: 200, sipReason: 'OK' },
      error: 'the registrar answered without a binding for our Contact',
    });
  });

  test('a refusal carries its code; no answer carries an error', () => {
    expect(registrationVerdict(response(403, true, 'Forbidden'), false)).toEqual({
      registration: { registered: false, sipCode: 403, sipReason: 'Forbidden' },
      error: null,
    });
    expect(registrationVerdict({ kind: 'timeout' }, false)).toEqual({
      registration: { registered: false, sipCode: null, sipReason: null },
      error: 'REGISTER timed out',
    });
    expect(registrationVerdict({ kind: 'failed', error: 'TCP connection closed by the peer' }, false).error).toBe(
      'REGISTER failed: TCP connection closed by the peer',
    );
  });
});

describe('probeTrunk writes no caller-chosen header lines (F1)', () => {
  /** A TCP listener on 127.0.0.1 that keeps every byte sent to it and never answers. */
  async function captureServer() {
    const chunks: Buffer[] = [];
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      text: () => Buffer.concat(chunks).toString('latin1'),
      close: () => {
        for (const socket of sockets) socket.destroy();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  const probe = (port: number, displayName: string) =>
    probeTrunk(
      {
        id: `inject-${port}`,
        host: '127.0.0.1',
        port,
        transport: 'tcp',
        callerId: { number: '+4930123', displayName },
        register: false,
      },
      { bindAddress: '127.0.0.1', userAgentString: 'voicecast-test' },
      { timeoutMs: 800 },
    );

  test('a display name with CR/LF: refused before anything is sent, no injected line', async () => {
    const server = await captureServer();
    try {
      const result = await probe(server.port, 'a\r\nX-Injected: 1');
      expect(server.text()).not.toMatch(/^X-Injected: 1/m);
      expect(result).toMatchObject({
        reachable: false,
        error: expect.stringMatching(/caller ID name contains a control character/) as unknown,
      });
    } finally {
      await server.close();
    }
  });

  test('a display name with " and \\ is sent as one RFC 3261 quoted-string', async () => {
    const server = await captureServer();
    try {
      const result = await probe(server.port, 'Ann "The Dialler" \\o/');
      expect(result).toMatchObject({ reachable: false });
      const from = server
        .text()
        .split('\r\n')
        .filter((line) => /^From:/i.test(line));
      expect(from).toEqual([
        expect.stringMatching(/^From: "Ann \\"The Dialler\\" \\\\o\/" <sip:\+4930123@127\.0\.0\.1>;tag=/),
      ]);
    } finally {
      await server.close();
    }
  });
});
