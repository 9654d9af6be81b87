import { buildAnswer, buildOffer, parseAnswer, SdpError, type LocalMedia, type OfferedMedia } from './sdp.js';
import { mulberry32 } from './test-support.js';

const crlf = (...lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');

const OFFERED: OfferedMedia = { codecs: ['PCMU', 'PCMA'], telephoneEventPayloadType: 101 };
const LOCAL: LocalMedia = {
  sessionId: 4242,
  sessionVersion: 1,
  address: '127.0.0.1',
  port: 40000,
  codecs: ['PCMU', 'PCMA'],
};

/** What test/sipp/uas-*.xml send, after sipp substituted [local_ip] and [media_port]. */
const SIPP_ANSWER = crlf(
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
);

/** Captured from baresip 1.0.0 (Debian) answering our exact offer, account audio_codecs=PCMA,PCMU: it keeps our order. */
const BARESIP_ANSWER = crlf(
  'v=0',
  'o=- 3206496128 2138764525 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'a=tool:baresip 1.0.0',
  'm=audio 14434 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'a=label:1',
  'a=ssrc:1219380094 cname:sip:bob@127.0.0.1:25070',
  'a=minptime:20',
  'a=ptime:20',
);

/** Asterisk style: session-level c=, only the chosen codec, telephone-event on 96, ptime 30. */
const ASTERISK_ANSWER = crlf(
  'v=0',
  'o=Asterisk 1234 1235 IN IP4 10.0.0.1',
  's=Asterisk',
  'c=IN IP4 10.0.0.1',
  't=0 0',
  'm=audio 17234 RTP/AVP 8 96',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:96 telephone-event/8000',
  'a=fmtp:96 0-16',
  'a=ptime:30',
  'a=maxptime:150',
  'a=sendrecv',
);

/** FreeSWITCH style: media-level c= overriding the session one, telephone-event on 98, a=rtcp. */
const FREESWITCH_ANSWER = crlf(
  'v=0',
  'o=FreeSWITCH 1700000000 1700000001 IN IP4 192.0.2.10',
  's=FreeSWITCH',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 24680 RTP/AVP 0 98',
  'c=IN IP4 192.0.2.11',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:98 telephone-event/8000',
  'a=fmtp:98 0-16',
  'a=ptime:20',
  'a=rtcp:24681 IN IP4 192.0.2.11',
);

describe('buildOffer', () => {
  it('writes the exact offer text with CRLF line endings', () => {
    expect(buildOffer(LOCAL)).toBe(
      'v=0\r\n' +
        'o=- 4242 1 IN IP4 127.0.0.1\r\n' +
        's=Voicecast\r\n' +
        'c=IN IP4 127.0.0.1\r\n' +
        't=0 0\r\n' +
        'm=audio 40000 RTP/AVP 0 8 101\r\n' +
        'a=rtpmap:0 PCMU/8000\r\n' +
        'a=rtpmap:8 PCMA/8000\r\n' +
        'a=rtpmap:101 telephone-event/8000\r\n' +
        'a=fmtp:101 0-16\r\n' +
        'a=ptime:20\r\n' +
        'a=sendrecv\r\n',
    );
  });

  it('honours codec order, telephone-event type, ptime, direction and IPv6', () => {
    const sdp = buildOffer({
      ...LOCAL,
      sessionId: '99',
      address: '2001:db8::1',
      codecs: ['PCMA'],
      telephoneEventPayloadType: 96,
      ptime: 30,
      direction: 'sendonly',
    });
    expect(sdp).toContain('o=- 99 1 IN IP6 2001:db8::1\r\ns=Voicecast\r\nc=IN IP6 2001:db8::1\r\n');
    expect(sdp).toContain('m=audio 40000 RTP/AVP 8 96\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:96 telephone-event/8000\r\n');
    expect(sdp).toContain('a=fmtp:96 0-16\r\na=ptime:30\r\na=sendonly\r\n');
    expect(buildOffer({ ...LOCAL, codecs: ['PCMA', 'PCMU'] })).toContain('m=audio 40000 RTP/AVP 8 0 101\r\n');
  });

  it('rejects bad local settings with a RangeError naming them', () => {
    expect(() => buildOffer({ ...LOCAL, port: 0 })).toThrow(/port 0/);
    expect(() => buildOffer({ ...LOCAL, codecs: [] })).toThrow(RangeError);
    expect(() => buildOffer({ ...LOCAL, sessionId: 'abc' })).toThrow(/sessionId/);
    expect(() => buildOffer({ ...LOCAL, telephoneEventPayloadType: 8 })).toThrow(/telephoneEventPayloadType/);
    expect(() => buildOffer({ ...LOCAL, address: '1.2.3.4\r\nm=x' })).toThrow(/address/);
  });

  it('is read back by parseAnswer', () => {
    expect(parseAnswer(buildOffer(LOCAL), OFFERED)).toEqual({
      address: '127.0.0.1',
      port: 40000,
      codec: 'PCMU',
      payloadType: 0,
      telephoneEventPayloadType: 101,
      ptime: 20,
      direction: 'sendrecv',
      onHold: false,
    });
  });
});

describe('parseAnswer', () => {
  it('reads the answer our sipp scenarios send', () => {
    expect(parseAnswer(SIPP_ANSWER, OFFERED)).toEqual({
      address: '127.0.0.1',
      port: 6000,
      codec: 'PCMU',
      payloadType: 0,
      telephoneEventPayloadType: 101,
      ptime: 20,
      direction: 'sendrecv',
      onHold: false,
    });
  });

  it("reads baresip's answer (session attributes, ssrc, minptime), also with LF line endings", () => {
    const expected = {
      address: '127.0.0.1',
      port: 14434,
      codec: 'PCMU',
      payloadType: 0,
      telephoneEventPayloadType: 101,
      ptime: 20,
      direction: 'sendrecv',
      onHold: false,
    };
    expect(parseAnswer(BARESIP_ANSWER, OFFERED)).toEqual(expected);
    expect(parseAnswer(BARESIP_ANSWER.replaceAll('\r\n', '\n'), OFFERED)).toEqual(expected);
    expect(parseAnswer(BARESIP_ANSWER, { ...OFFERED, codecs: ['PCMA'] })).toMatchObject({
      codec: 'PCMA',
      payloadType: 8,
    });
  });

  it('reads an Asterisk-style answer: session-level c=, PCMA, telephone-event 96, ptime 30', () => {
    expect(parseAnswer(ASTERISK_ANSWER, OFFERED)).toEqual({
      address: '10.0.0.1',
      port: 17234,
      codec: 'PCMA',
      payloadType: 8,
      telephoneEventPayloadType: 96,
      ptime: 30,
      direction: 'sendrecv',
      onHold: false,
    });
  });

  it('reads a FreeSWITCH-style answer: media-level c= wins, telephone-event 98', () => {
    expect(parseAnswer(FREESWITCH_ANSWER, OFFERED)).toMatchObject({
      address: '192.0.2.11',
      port: 24680,
      codec: 'PCMU',
      telephoneEventPayloadType: 98,
    });
  });

  it("takes the far end's codec order over ours", () => {
    const answer = SIPP_ANSWER.replace('RTP/AVP 0 8 101', 'RTP/AVP 8 0 101');
    expect(parseAnswer(answer, OFFERED)).toMatchObject({ codec: 'PCMA', payloadType: 8 });
  });

  it('matches codecs by rtpmap name case-insensitively, including dynamic numbers', () => {
    const answer = SIPP_ANSWER.replace('RTP/AVP 0 8 101', 'RTP/AVP 18 110 100').replace(
      'a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000',
      'a=rtpmap:18 G729/8000\r\na=rtpmap:110 pcma/8000\r\na=rtpmap:100 Telephone-Event/8000',
    );
    expect(parseAnswer(answer, OFFERED)).toMatchObject({
      codec: 'PCMA',
      payloadType: 110,
      telephoneEventPayloadType: 100,
    });
  });

  it('leaves telephone-event out when the answer has none, and only offered codecs count', () => {
    const answer = crlf(
      'v=0',
      'o=- 1 1 IN IP4 10.1.1.1',
      's=-',
      'c=IN IP4 10.1.1.1',
      't=0 0',
      'm=audio 5004 RTP/AVP 8',
    );
    const media = parseAnswer(answer, OFFERED);
    expect(media).toMatchObject({ codec: 'PCMA', payloadType: 8 });
    expect(media.telephoneEventPayloadType).toBeUndefined();
    expect(() => parseAnswer(answer, { ...OFFERED, codecs: ['PCMU'] })).toThrow(/no common codec.*PCMU.*8/);
  });

  it('ignores an rtpmap of a codec at another clock rate or channel count', () => {
    const answer = SIPP_ANSWER.replace('RTP/AVP 0 8 101', 'RTP/AVP 96 8').replace(
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:96 PCMU/16000',
    );
    expect(parseAnswer(answer, OFFERED)).toMatchObject({ codec: 'PCMA', payloadType: 8 });
  });

  it.each([
    ['a=sendonly', 'sendonly'],
    ['a=recvonly', 'recvonly'],
    ['a=inactive', 'inactive'],
  ])('reports hold for %s', (line, direction) => {
    expect(parseAnswer(SIPP_ANSWER + `${line}\r\n`, OFFERED)).toMatchObject({ direction, onHold: true });
  });

  it('reports hold for the RFC 2543 address 0.0.0.0 and takes a session-level direction', () => {
    expect(parseAnswer(SIPP_ANSWER.replace('c=IN IP4 127.0.0.1', 'c=IN IP4 0.0.0.0'), OFFERED)).toMatchObject({
      address: '0.0.0.0',
      direction: 'sendrecv',
      onHold: true,
    });
    const sessionLevel = SIPP_ANSWER.replace('t=0 0\r\n', 't=0 0\r\na=inactive\r\n');
    expect(parseAnswer(sessionLevel, OFFERED)).toMatchObject({ direction: 'inactive', onHold: true });
    expect(parseAnswer(sessionLevel + 'a=sendrecv\r\n', OFFERED)).toMatchObject({
      direction: 'sendrecv',
      onHold: false,
    });
  });

  it('reports an IPv6 address as given', () => {
    const v6 = SIPP_ANSWER.replace('c=IN IP4 127.0.0.1', 'c=IN IP6 2001:db8::7');
    expect(parseAnswer(v6, OFFERED)).toMatchObject({ address: '2001:db8::7', onHold: false });
    expect(parseAnswer(SIPP_ANSWER.replace('c=IN IP4 127.0.0.1', 'c=IN IP6 ::'), OFFERED).onHold).toBe(true);
  });

  it('takes the first audio stream after a video one', () => {
    const answer = crlf(
      'v=0',
      'o=- 1 1 IN IP4 10.1.1.1',
      's=-',
      't=0 0',
      'm=video 9000 RTP/AVP 96',
      'c=IN IP4 10.9.9.9',
      'a=rtpmap:96 H264/90000',
      'm=audio 9002 RTP/AVP 0',
      'c=IN IP4 10.1.1.2',
      'm=audio 9004 RTP/AVP 8',
      'c=IN IP4 10.1.1.3',
    );
    expect(parseAnswer(answer, OFFERED)).toMatchObject({ address: '10.1.1.2', port: 9002, codec: 'PCMU' });
  });

  it.each([
    ['no audio stream', SIPP_ANSWER.replace('m=audio', 'm=video'), /no audio stream/],
    ['a rejected stream (port 0)', SIPP_ANSWER.replace('m=audio 6000', 'm=audio 0'), /rejected the audio stream/],
    ['no common codec', SIPP_ANSWER.replace('RTP/AVP 0 8 101', 'RTP/AVP 18 101'), /no common codec/],
    ['no c= line', SIPP_ANSWER.replace('c=IN IP4 127.0.0.1\r\n', ''), /no connection address/],
    ['SRTP only', SIPP_ANSWER.replace('RTP/AVP', 'RTP/SAVP'), /unsupported audio transport/],
    ['an empty body', '', /empty/],
    ['no v=0 first', SIPP_ANSWER.replace('v=0\r\n', ''), /v=0/],
    ['a line without type', SIPP_ANSWER + 'garbage\r\n', /malformed SDP line 11/],
    ['a bad m= port', SIPP_ANSWER.replace('m=audio 6000', 'm=audio 70000'), /malformed m= line/],
    ['a short m= line', SIPP_ANSWER.replace('m=audio 6000 RTP/AVP 0 8 101', 'm=audio 6000 RTP/AVP'), /malformed m=/],
    ['a bad c= line', SIPP_ANSWER.replace('c=IN IP4 127.0.0.1', 'c=IN IPX 127.0.0.1'), /malformed c= line/],
    ['a bad rtpmap', SIPP_ANSWER.replace('a=rtpmap:8 PCMA/8000', 'a=rtpmap:8 PCMA'), /malformed a=rtpmap/],
    ['a bad ptime', SIPP_ANSWER + 'a=ptime:fast\r\n', /malformed a=ptime/],
    ['a huge body', 'v=0\r\n' + 'a=x\r\n'.repeat(20_000), /too large/],
  ])('throws SdpError on %s', (_what, sdp, message) => {
    const attempt = (): unknown => parseAnswer(sdp, OFFERED);
    expect(attempt).toThrow(SdpError);
    expect(attempt).toThrow(message);
  });

  it('lets only SdpError escape on random bytes and on mutated answers', () => {
    const random = mulberry32(0x5eed);
    const samples = [SIPP_ANSWER, BARESIP_ANSWER, ASTERISK_ANSWER, FREESWITCH_ANSWER];
    const alphabet = 'v=0mcaIN P4 RTP/AVP:0123456789\r\n.-/';
    let parsed = 0;
    for (let i = 0; i < 20_000; i++) {
      let input: string;
      if (i % 2 === 0) {
        const bytes = Buffer.from(Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256)));
        input = (random() < 0.5 ? 'v=0\r\n' : '') + bytes.toString(random() < 0.5 ? 'latin1' : 'utf8');
      } else {
        const chars = [...samples[i % samples.length]];
        for (let n = 1 + Math.floor(random() * 4); n > 0; n--) {
          const at = Math.floor(random() * chars.length);
          const op = random();
          if (op < 0.4) chars[at] = alphabet[Math.floor(random() * alphabet.length)];
          else if (op < 0.7) chars.splice(at, 1 + Math.floor(random() * 10));
          else chars.splice(at, 0, String.fromCharCode(Math.floor(random() * 0x3000)));
        }
        input = chars.join('');
      }
      try {
        parseAnswer(input, OFFERED);
        buildAnswer(input, LOCAL);
        parsed++;
      } catch (err) {
        if (!(err instanceof SdpError))
          throw new Error(`${String(err)} for input ${JSON.stringify(input)}`, { cause: err });
      }
    }
    expect(parsed).toBeGreaterThan(100); // the mutations also exercise the success path
  });
});

describe('buildAnswer', () => {
  it('answers a sipp-style offer with the first common codec and keeps its telephone-event type', () => {
    const offer = SIPP_ANSWER.replace('RTP/AVP 0 8 101', 'RTP/AVP 8 0 96').replace(
      'a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15',
      'a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15',
    );
    const { sdp, media } = buildAnswer(offer, { ...LOCAL, sessionVersion: 3 });
    expect(sdp).toBe(
      crlf(
        'v=0',
        'o=- 4242 3 IN IP4 127.0.0.1',
        's=Voicecast',
        'c=IN IP4 127.0.0.1',
        't=0 0',
        'm=audio 40000 RTP/AVP 8 96',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:96 telephone-event/8000',
        'a=fmtp:96 0-16',
        'a=ptime:20',
        'a=sendrecv',
      ),
    );
    expect(media).toEqual({
      address: '127.0.0.1',
      port: 6000,
      codec: 'PCMA',
      payloadType: 8,
      telephoneEventPayloadType: 96,
      ptime: 20,
      direction: 'sendrecv',
      onHold: false,
    });
    expect(parseAnswer(sdp, { codecs: ['PCMA'], telephoneEventPayloadType: 96 })).toMatchObject({ port: 40000 });
  });

  it.each([
    ['sendonly', 'recvonly'],
    ['recvonly', 'sendonly'],
    ['inactive', 'inactive'],
    ['sendrecv', 'sendrecv'],
  ])('mirrors an offer that says %s with %s', (offered, answered) => {
    const { sdp, media } = buildAnswer(SIPP_ANSWER + `a=${offered}\r\n`, LOCAL);
    expect(sdp).toMatch(new RegExp(`a=${answered}\\r\\n$`));
    expect(media.onHold).toBe(offered !== 'sendrecv');
  });

  it('narrows the mirrored direction by our own, and holds for c=0.0.0.0', () => {
    expect(buildAnswer(SIPP_ANSWER, { ...LOCAL, direction: 'sendonly' }).sdp).toContain('a=sendonly\r\n');
    expect(buildAnswer(SIPP_ANSWER + 'a=sendonly\r\n', { ...LOCAL, direction: 'sendonly' }).sdp).toContain(
      'a=inactive\r\n',
    );
    const held = buildAnswer(SIPP_ANSWER.replace('c=IN IP4 127.0.0.1', 'c=IN IP4 0.0.0.0'), LOCAL);
    expect(held.media).toMatchObject({ address: '0.0.0.0', onHold: true });
  });

  it('declines other streams with port 0 and keeps the m= line count', () => {
    const offer = crlf(
      'v=0',
      'o=- 1 1 IN IP4 10.1.1.1',
      's=-',
      'c=IN IP4 10.1.1.1',
      't=0 0',
      'm=video 9000 RTP/AVP 96',
      'a=rtpmap:96 H264/90000',
      'm=audio 9002 RTP/SAVP 0',
      'm=audio 9004 RTP/AVP 18 0',
      'a=rtpmap:18 G729/8000',
    );
    const { sdp, media } = buildAnswer(offer, LOCAL);
    expect(sdp.split('\r\n').filter((l) => l.startsWith('m='))).toEqual([
      'm=video 0 RTP/AVP 96',
      'm=audio 0 RTP/SAVP 0',
      'm=audio 40000 RTP/AVP 0',
    ]);
    expect(sdp).not.toContain('telephone-event');
    expect(media).toMatchObject({ port: 9004, codec: 'PCMU', payloadType: 0 });
  });

  it('throws SdpError when nothing can be accepted', () => {
    expect(() => buildAnswer(SIPP_ANSWER.replace('RTP/AVP 0 8 101', 'RTP/AVP 18'), LOCAL)).toThrow(
      /no common codec: we support PCMU, PCMA; the far end has 18/,
    );
    expect(() => buildAnswer(SIPP_ANSWER.replace('m=audio 6000', 'm=audio 0'), LOCAL)).toThrow(/no usable audio/);
    expect(() => buildAnswer(SIPP_ANSWER.replace('m=audio', 'm=video'), LOCAL)).toThrow(/no audio stream/);
    expect(() => buildAnswer('not sdp', LOCAL)).toThrow(SdpError);
  });
});
