import { Grammar, NameAddrHeader, URI } from 'sip.js';
import { fastParse, grammarParse, installFastGrammar } from './fast-grammar.js';
import { mulberry32 } from './test-support.js';

interface MultiHeader {
  position: number;
  offset: number;
  parsed: NameAddrHeader;
}

describe('fastParse', () => {
  it('reads a Via as the grammar lays it out, later via-parms overwriting earlier fields', () => {
    expect(fastParse('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1;rport=5062;received=192.0.2.7;x;Y=Z', 'Via')).toEqual({
      protocol: 'SIP',
      transport: 'UDP',
      host_type: 'IPv4',
      host: '10.0.0.1',
      port: 5060,
      branch: 'z9hG4bK-1',
      rport: '5062',
      received: '192.0.2.7',
      params: { x: undefined, y: 'Z' },
    });
    const two = fastParse('SIP/2.0/UDP a.example.com:5060;branch=z1, SIP/2.0/TCP b.example.com;rport', 'Via');
    expect(two).toMatchObject({
      transport: 'TCP',
      host: 'b.example.com',
      host_type: 'domain',
      port: 5060,
      branch: 'z1',
    });
  });

  it('reads From and To into a NameAddrHeader with the tag set last and escapes kept raw', () => {
    const from = fastParse('"Voicecast \\"Test\\"" <sip:100@127.0.0.1:5060;transport=udp>;x;tag=3s1l', 'From');
    expect(from).toBeInstanceOf(NameAddrHeader);
    const header = from as NameAddrHeader;
    expect(header.displayName).toBe('Voicecast \\"Test\\"');
    expect(header.parameters).toEqual({ x: null, tag: '3s1l' });
    expect(Object.keys(header.parameters)).toEqual(['x', 'tag']);
    expect(header.uri).toBeInstanceOf(URI);
    expect(header.uri.toString()).toBe('sip:100@127.0.0.1:5060;transport=udp');
    const bare = fastParse('sip:alice@example.com;tag=1', 'To') as NameAddrHeader;
    expect([bare.displayName, bare.uri.toString(), bare.getParam('tag')]).toEqual([
      undefined,
      'sip:alice@example.com',
      '1',
    ]);
  });

  it('reads a Contact list with where each entry starts and ends, q and expires as the grammar converts them', () => {
    const value = '<sip:a@b>  , Bob <sip:c@d:5>;expires=0060;q=0.50';
    const list = fastParse(value, 'Contact') as MultiHeader[];
    expect(list.map((c) => value.substring(c.position, c.offset))).toEqual([
      '<sip:a@b>  ',
      'Bob <sip:c@d:5>;expires=0060;q=0.50',
    ]);
    expect(list[1].parsed.displayName).toBe('Bob');
    expect(list[1].parsed.parameters).toEqual({ expires: '60', q: '0.5' });
  });

  it('reads start lines, keeping the grammar’s stray password of a Request-URI without user', () => {
    expect(fastParse('SIP/2.0 486 Busy Here', 'Request_Response')).toEqual({
      sip_version: 'SIP/2.0',
      status_code: 486,
      reason_phrase: 'Busy Here',
    });
    const bye = fastParse('BYE sip:127.0.0.1:5060;transport=UDP SIP/2.0', 'Request_Response') as Record<
      string,
      unknown
    >;
    expect(Object.keys(bye)).toEqual(['method', 'password', 'uri', 'sip_version']);
    expect(bye.password).toBe('5060');
    expect(String(bye.uri)).toBe('sip:127.0.0.1:5060;transport=udp');
  });

  it('reads the simple headers', () => {
    expect(fastParse('0jfer08fmbj4ok8i7gi5@host', 'Call_ID')).toBe('0jfer08fmbj4ok8i7gi5@host');
    expect(fastParse('0009  INVITE', 'CSeq')).toEqual({ value: 9, method: 'INVITE' });
    expect(fastParse('0241', 'Content_Length')).toBe(241);
    expect(fastParse('70', 'Max_Forwards')).toBe(70);
    expect(fastParse('application/sdp ; charset="utf-8"', 'Content_Type')).toBe('application/sdp ; charset="utf-8"');
  });

  it.each([
    ['Via', 'SIP/2.0/UDP host;\r\n branch=z9'],
    ['From', '<sip:a%40b@c>'],
    ['To', '<sip:a@b?subject=x>'],
    ['Contact', '*'],
    ['Contact', '<sip:a@b>;q=0.1234'],
    ['Request_Response', 'OPTIONS sip:a@b;ttl=5 SIP/2.0'],
    ['Request_Response', 'INVITE tel:+1234 SIP/2.0'],
    ['CSeq', '1 INVITEX'],
    ['Via', 'SIP/2.0/UDP 1.2.3.4;received=host.example.com'],
    ['WWW_Authenticate', 'Digest realm="x", nonce="y"'],
  ])('leaves %s %j to the grammar', (rule, value) => {
    expect(fastParse(value, rule)).toBeUndefined();
  });

  it('never throws, whatever it is given', () => {
    const rules = [
      'Request_Response',
      'Via',
      'From',
      'Contact',
      'Record_Route',
      'CSeq',
      'Call_ID',
      'Content_Type',
      'SIP_URI',
    ];
    const next = mulberry32(7);
    for (let n = 0; n < 1000; n++) {
      const junk = String.fromCharCode(
        ...Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 0x1ff)),
      );
      for (const rule of rules) expect(() => fastParse(junk, rule)).not.toThrow();
    }
    expect(() => fastParse(undefined as unknown as string, 'Via')).not.toThrow();
  });
});

describe('installFastGrammar', () => {
  afterEach(() => installFastGrammar(false));

  it('puts the fast parser in front of sip.js’s Grammar.parse, the grammar still answering the rest', () => {
    installFastGrammar();
    const via = 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-1';
    expect(Grammar.parse(via, 'Via')).toEqual(grammarParse(via, 'Via'));
    expect(Grammar.parse('sip:a@b;lr', 'SIP_URI')).toBeInstanceOf(URI);
    expect(Grammar.parse('Digest realm="x", nonce="y"', 'WWW_Authenticate')).toEqual({ realm: 'x', nonce: 'y' });
    expect(Grammar.parse('1 INVITEX', 'CSeq')).toBe(-1);
  });

  it('restores the grammar alone with false', () => {
    installFastGrammar();
    installFastGrammar(false);
    expect(Grammar.parse).toBe(grammarParse);
  });
});
