import {
  dtmfDigitForEvent,
  eventForDtmfDigit,
  parseRtpPacket,
  parseTelephoneEvent,
  serializeRtpPacket,
  serializeTelephoneEvent,
  writeRtpHeader,
} from './packet.js';

const bytes = (...values: number[]): Buffer => Buffer.from(values);

describe('RTP packet layout (RFC 3550 §5.1)', () => {
  it('serialises the fixed header exactly', () => {
    const packet = serializeRtpPacket({
      marker: true,
      payloadType: 0,
      sequenceNumber: 0x1234,
      timestamp: 0xdeadbeef,
      ssrc: 0x01020304,
      payload: bytes(0xff, 0x7f),
    });
    // V=2 P=0 X=0 CC=0 → 0x80; M=1 PT=0 → 0x80.
    expect(packet).toEqual(bytes(0x80, 0x80, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04, 0xff, 0x7f));
  });

  it('serialises CSRCs, an extension and padding exactly', () => {
    const packet = serializeRtpPacket({
      payloadType: 8,
      sequenceNumber: 1,
      timestamp: 160,
      ssrc: 0xffffffff,
      csrcs: [0xaabbccdd, 5],
      extension: { profile: 0xbede, data: bytes(0x10, 0x42, 0, 0) },
      paddingLength: 3,
      payload: bytes(0xd5),
    });
    // prettier-ignore
    expect(packet).toEqual(bytes(
      0xb2, 0x08, 0x00, 0x01,             // V=2 P=1 X=1 CC=2; M=0 PT=8; seq 1
      0x00, 0x00, 0x00, 0xa0,             // timestamp 160
      0xff, 0xff, 0xff, 0xff,             // SSRC
      0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 5, // CSRCs
      0xbe, 0xde, 0x00, 0x01,             // extension profile, length 1 word
      0x10, 0x42, 0x00, 0x00,
      0xd5,                               // payload
      0x00, 0x00, 0x03,                   // padding, count includes itself
    ));
    expect(parseRtpPacket(packet)).toEqual({
      version: 2,
      marker: false,
      payloadType: 8,
      sequenceNumber: 1,
      timestamp: 160,
      ssrc: 0xffffffff,
      csrcs: [0xaabbccdd, 5],
      extension: { profile: 0xbede, data: bytes(0x10, 0x42, 0, 0) },
      paddingLength: 3,
      payload: bytes(0xd5),
    });
  });

  it('wraps the sequence number at 16 bits and the timestamp at 32 bits', () => {
    const packet = serializeRtpPacket({
      payloadType: 0,
      sequenceNumber: 65536 + 7,
      timestamp: 2 ** 32 + 9,
      ssrc: 1,
      payload: bytes(),
    });
    expect(packet.readUInt16BE(2)).toBe(7);
    expect(packet.readUInt32BE(4)).toBe(9);
  });

  it('writes a header in place into a larger buffer', () => {
    const out = Buffer.alloc(16, 0xee);
    writeRtpHeader(out, { marker: false, payloadType: 101, sequenceNumber: 65535, timestamp: 1, ssrc: 2 }, 2);
    expect(out).toEqual(bytes(0xee, 0xee, 0x80, 101, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 2, 0xee, 0xee));
  });

  it('parses what it serialises (round trip of the fixed header)', () => {
    const parsed = parseRtpPacket(
      serializeRtpPacket({
        marker: true,
        payloadType: 101,
        sequenceNumber: 65535,
        timestamp: 4294967295,
        ssrc: 42,
        payload: bytes(1, 2, 3),
      }),
    );
    expect(parsed).toMatchObject({
      marker: true,
      payloadType: 101,
      sequenceNumber: 65535,
      timestamp: 4294967295,
      ssrc: 42,
      csrcs: [],
    });
    expect(parsed?.payload).toEqual(bytes(1, 2, 3));
    expect(parsed?.extension).toBeUndefined();
  });

  it('rejects values it cannot encode', () => {
    const base = { sequenceNumber: 0, timestamp: 0, ssrc: 0, payload: bytes() };
    expect(() => serializeRtpPacket({ ...base, payloadType: 128 })).toThrow(RangeError);
    expect(() => serializeRtpPacket({ ...base, payloadType: 0, csrcs: new Array<number>(16).fill(1) })).toThrow(
      RangeError,
    );
    expect(() => serializeRtpPacket({ ...base, payloadType: 0, extension: { profile: 1, data: bytes(1) } })).toThrow(
      RangeError,
    );
    expect(() => serializeRtpPacket({ ...base, payloadType: 0, paddingLength: 256 })).toThrow(RangeError);
  });
});

describe('parseRtpPacket on malformed input (returns undefined, never throws)', () => {
  const valid = serializeRtpPacket({
    payloadType: 0,
    sequenceNumber: 1,
    timestamp: 2,
    ssrc: 3,
    payload: bytes(1, 2, 3, 4),
  });

  it.each([
    ['empty', bytes()],
    ['shorter than the fixed header', valid.subarray(0, 11)],
    ['version 0', Buffer.from([0x00, ...valid.subarray(1)])],
    ['version 1', Buffer.from([0x40, ...valid.subarray(1)])],
    ['version 3', Buffer.from([0xc0, ...valid.subarray(1)])],
    ['CSRC count past the end', Buffer.from([0x85, ...valid.subarray(1)])],
    ['extension header past the end', bytes(0x90, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde)],
    ['extension data past the end', bytes(0x90, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0, 2, 1, 2, 3, 4)],
    ['padding count of zero', Buffer.from([0xa0, ...valid.subarray(1, 15), 0])],
    ['padding longer than the payload', Buffer.from([0xa0, ...valid.subarray(1, 15), 9])],
    ['padding on a header-only packet', bytes(0xa0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3)],
  ])('%s', (_name, datagram) => {
    expect(parseRtpPacket(datagram)).toBeUndefined();
  });

  it('accepts a header-only packet and padding that exactly fills the payload', () => {
    expect(parseRtpPacket(valid.subarray(0, 12))?.payload.length).toBe(0);
    expect(parseRtpPacket(Buffer.from([0xa0, ...valid.subarray(1, 15), 4]))?.payload.length).toBe(0);
  });

  it('survives 20,000 random datagrams', () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20000; i += 1) {
      const datagram = Buffer.from(Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256)));
      if (datagram.length) datagram[0] = (datagram[0] & 0x3f) | 0x80; // mostly "version 2" to reach the deeper checks
      const parsed = parseRtpPacket(datagram);
      if (parsed) expect(parsed.payload.length).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('RFC 4733 telephone-event payload', () => {
  it('serialises event, end bit, volume and duration exactly', () => {
    expect(serializeTelephoneEvent({ event: 11, end: true, volume: 10, duration: 1000 })).toEqual(
      bytes(11, 0x8a, 0x03, 0xe8),
    );
    expect(serializeTelephoneEvent({ event: 5, end: false, volume: 63, duration: 65535 })).toEqual(
      bytes(5, 0x3f, 0xff, 0xff),
    );
  });

  it('parses the same bytes back, ignoring the reserved bit', () => {
    expect(parseTelephoneEvent(bytes(11, 0x8a, 0x03, 0xe8))).toEqual({
      event: 11,
      end: true,
      volume: 10,
      duration: 1000,
    });
    expect(parseTelephoneEvent(bytes(1, 0x4a, 0, 160))).toEqual({ event: 1, end: false, volume: 10, duration: 160 });
    expect(parseTelephoneEvent(bytes(1, 0x8a, 0))).toBeUndefined();
  });

  it('rejects values out of range', () => {
    expect(() => serializeTelephoneEvent({ event: 1, end: false, volume: 64, duration: 0 })).toThrow(RangeError);
    expect(() => serializeTelephoneEvent({ event: 1, end: false, volume: 0, duration: 65536 })).toThrow(RangeError);
  });

  it('maps event codes to DTMF digits and back', () => {
    expect([...Array(16).keys()].map(dtmfDigitForEvent).join('')).toBe('0123456789*#ABCD');
    expect(dtmfDigitForEvent(16)).toBeUndefined(); // flash
    expect(eventForDtmfDigit('#')).toBe(11);
    expect(eventForDtmfDigit('d')).toBe(15);
    expect(eventForDtmfDigit('E')).toBeUndefined();
    expect(eventForDtmfDigit('12')).toBeUndefined();
  });
});
