import { responseDestination, rewriteIncomingResponse, rewriteOutgoing } from './addressing';

const INVITE = [
  'INVITE sip:+4930123@gw.example:5060 SIP/2.0',
  'Via: SIP/2.0/UDP vc-abc.invalid;branch=z9hG4bK123',
  'Max-Forwards: 70',
  'To: <sip:+4930123@gw.example>',
  'From: "Voicecast" <sip:100@gw.example>;tag=x',
  'Call-ID: c1',
  'CSeq: 1 INVITE',
  'Contact: <sip:k8s2@vc-abc.invalid;transport=udp>',
  'Content-Length: 4',
  '',
  'body',
].join('\r\n');

describe('rewriteOutgoing', () => {
  it('puts our address and rport into Via and our address into Contact, nothing else', () => {
    const out = rewriteOutgoing(INVITE, 'vc-abc.invalid', { host: '203.0.113.5', port: 5070 });
    expect(out).toContain('Via: SIP/2.0/UDP 203.0.113.5:5070;rport;branch=z9hG4bK123');
    expect(out).toContain('Contact: <sip:k8s2@203.0.113.5:5070;transport=udp>');
    expect(out).toContain('To: <sip:+4930123@gw.example>');
    expect(out.endsWith('\r\n\r\nbody')).toBe(true);
  });

  it('brackets IPv6 and leaves foreign Via headers alone', () => {
    const response =
      'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKx\r\nContent-Length: 0\r\n\r\n';
    expect(rewriteOutgoing(response, 'vc-abc.invalid', { host: '::1', port: 5070 })).toBe(response);
    expect(rewriteOutgoing(INVITE, 'vc-abc.invalid', { host: '::1', port: 5070 })).toContain(
      'SIP/2.0/UDP [::1]:5070;rport;',
    );
  });
});

describe('rewriteIncomingResponse', () => {
  const SELF = { host: '203.0.113.5', port: 5070 };
  const ringing = (sentBy: string) =>
    `SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP ${sentBy};rport=40000;received=192.0.2.1;branch=z9hG4bK123\r\nContent-Length: 0\r\n\r\n`;

  it('restores the placeholder in the top Via when its sent-by is our advertised address, keeping parameters', () => {
    expect(rewriteIncomingResponse(ringing('203.0.113.5:5070'), 'vc-abc.invalid', SELF)).toContain(
      'Via: SIP/2.0/UDP vc-abc.invalid;rport=40000;received=192.0.2.1;branch=z9hG4bK123',
    );
  });

  it('leaves a top Via that is not ours alone, so sip.js drops the response (F4)', () => {
    for (const sentBy of [
      '198.51.100.7:5070',
      '203.0.113.5:5071',
      '203.0.113.5',
      '203.0.113.50:5070',
      'evil.example',
    ]) {
      expect(rewriteIncomingResponse(ringing(sentBy), 'vc-abc.invalid', SELF)).toBe(ringing(sentBy));
    }
  });

  it('leaves requests unchanged', () => {
    expect(rewriteIncomingResponse(INVITE, 'x.invalid', SELF)).toBe(INVITE);
  });
});

describe('responseDestination', () => {
  const req = (via: string) => `BYE sip:a@b SIP/2.0\r\nVia: ${via}\r\nContent-Length: 0\r\n\r\n`;
  it('uses received and rport when present (RFC 3581)', () => {
    expect(responseDestination(req('SIP/2.0/UDP 10.0.0.1:5062;received=198.51.100.9;rport=4000;branch=z'))).toEqual({
      host: '198.51.100.9',
      port: 4000,
    });
  });
  it('falls back to the sent-by host and port, then 5060', () => {
    expect(responseDestination(req('SIP/2.0/UDP 10.0.0.1:5062;branch=z'))).toEqual({ host: '10.0.0.1', port: 5062 });
    expect(responseDestination(req('SIP/2.0/UDP gw.example;branch=z'))).toEqual({ host: 'gw.example', port: 5060 });
    expect(responseDestination(req('SIP/2.0/UDP [2001:db8::1]:5080;branch=z'))).toEqual({
      host: '2001:db8::1',
      port: 5080,
    });
  });
  it('reads a sent-protocol with whitespace in it (RFC 4475 wsinv)', () => {
    expect(responseDestination(req('SIP  /   2.0  /UDP     192.0.2.2;branch=3;received=127.0.0.1;rport=4000'))).toEqual(
      {
        host: '127.0.0.1',
        port: 4000,
      },
    );
  });
  it('uses the top Via only, and rejects garbage', () => {
    const two =
      'BYE x SIP/2.0\r\nVia: SIP/2.0/UDP a.example:1;branch=1\r\nVia: SIP/2.0/UDP b.example:2;branch=2\r\n\r\n';
    expect(responseDestination(two)).toEqual({ host: 'a.example', port: 1 });
    expect(responseDestination('garbage')).toBeUndefined();
    expect(responseDestination(req('SIP/2.0/UDP h:99999;branch=z'))).toBeUndefined();
  });
});

describe('rewriteIncomingResponse: our Contact in a registrar 200', () => {
  test('the advertised host:port becomes the placeholder again; other contacts and the body stay', () => {
    const response = [
      'SIP/2.0 200 OK',
      'Via: SIP/2.0/UDP 203.0.113.7:5062;rport=5062;branch=z9hG4bK1',
      'Contact: <sip:abc@203.0.113.7:5062;transport=udp>;expires=120, <sip:other@203.0.113.7:5099>;expires=30',
      'm: <sip:abc@203.0.113.7:5062>;expires=120',
      'Content-Length: 25',
      '',
      'sip:abc@203.0.113.7:5062',
    ].join('\r\n');
    const out = rewriteIncomingResponse(response, 'ph.invalid', { host: '203.0.113.7', port: 5062 });
    expect(out.split('\r\n')).toEqual([
      'SIP/2.0 200 OK',
      'Via: SIP/2.0/UDP ph.invalid;rport=5062;branch=z9hG4bK1',
      'Contact: <sip:abc@ph.invalid;transport=udp>;expires=120, <sip:other@203.0.113.7:5099>;expires=30',
      'm: <sip:abc@ph.invalid>;expires=120',
      'Content-Length: 25',
      '',
      'sip:abc@203.0.113.7:5062',
    ]);
  });
});
