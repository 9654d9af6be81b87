/**
 * RTP packets (RFC 3550 §5.1) and RFC 4733 telephone-event payloads.
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |            contributing source (CSRC) identifiers (CC × 32)   |
 * | [extension: profile-defined (16) | length in 32-bit words (16) | data …]
 * | payload …                                  | [padding …, count (8)] |
 * ```
 *
 * Parsing takes bytes straight from the network: it never throws, it returns `undefined` for
 * anything that is not a well-formed version-2 packet. The parsed payload is a view into the
 * datagram, not a copy.
 */

/** Bytes in the fixed RTP header (no CSRCs, no extension). */
export const RTP_HEADER_SIZE = 12;

export interface RtpHeaderExtension {
  /** The 16 profile-defined bits (e.g. 0xBEDE for RFC 8285 one-byte headers). */
  readonly profile: number;
  /** A multiple of 4 bytes. */
  readonly data: Uint8Array;
}

export interface RtpPacket {
  readonly version: 2;
  readonly marker: boolean;
  readonly payloadType: number;
  /** 16-bit, wraps 65535 → 0. */
  readonly sequenceNumber: number;
  /** 32-bit, unsigned, wraps. */
  readonly timestamp: number;
  /** 32-bit, unsigned. */
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  readonly extension?: RtpHeaderExtension;
  /** Padding bytes at the end, including the count byte; 0 when the P bit is clear. */
  readonly paddingLength: number;
  readonly payload: Buffer;
}

/** What {@link serializeRtpPacket} needs. Sequence number and timestamp are taken modulo 2^16 and 2^32. */
export interface RtpPacketInit {
  readonly marker?: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs?: readonly number[];
  readonly extension?: RtpHeaderExtension;
  /** 1–255: appended padding including the count byte (sets the P bit). */
  readonly paddingLength?: number;
  readonly payload: Uint8Array;
}

/** The fixed header fields, for writing a header in place. */
export interface RtpHeaderFields {
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
}

function checkPayloadType(payloadType: number): void {
  if (!Number.isInteger(payloadType) || payloadType < 0 || payloadType > 127) {
    throw new RangeError(`RTP payload type must be 0–127, got ${payloadType}`);
  }
}

/**
 * Writes the 12-byte fixed header (V=2, no padding, extension or CSRCs) at `offset`; the
 * hot path of sending, where the payload is encoded straight into the same buffer.
 */
export function writeRtpHeader(out: Buffer, fields: RtpHeaderFields, offset = 0): void {
  checkPayloadType(fields.payloadType);
  out[offset] = 0x80;
  out[offset + 1] = (fields.marker ? 0x80 : 0) | fields.payloadType;
  out.writeUInt16BE(fields.sequenceNumber & 0xffff, offset + 2);
  out.writeUInt32BE(fields.timestamp >>> 0, offset + 4);
  out.writeUInt32BE(fields.ssrc >>> 0, offset + 8);
}

/** A complete RTP packet. Throws `RangeError` on values that cannot be encoded (these come from our code, not the network). */
export function serializeRtpPacket(packet: RtpPacketInit): Buffer {
  const csrcs = packet.csrcs ?? [];
  if (csrcs.length > 15) throw new RangeError(`at most 15 CSRCs, got ${csrcs.length}`);
  const extension = packet.extension;
  if (extension && (extension.data.length % 4 !== 0 || extension.data.length > 0xffff * 4)) {
    throw new RangeError('RTP header extension data must be a multiple of 4 bytes, at most 262140');
  }
  const padding = packet.paddingLength ?? 0;
  if (!Number.isInteger(padding) || padding < 0 || padding > 255)
    throw new RangeError(`RTP padding must be 0–255, got ${padding}`);

  const headerLength = RTP_HEADER_SIZE + csrcs.length * 4 + (extension ? 4 + extension.data.length : 0);
  const out = Buffer.alloc(headerLength + packet.payload.length + padding);
  writeRtpHeader(out, { marker: packet.marker ?? false, ...packet });
  out[0] = 0x80 | (padding ? 0x20 : 0) | (extension ? 0x10 : 0) | csrcs.length;
  let offset = RTP_HEADER_SIZE;
  for (const csrc of csrcs) {
    out.writeUInt32BE(csrc >>> 0, offset);
    offset += 4;
  }
  if (extension) {
    out.writeUInt16BE(extension.profile & 0xffff, offset);
    out.writeUInt16BE(extension.data.length / 4, offset + 2);
    out.set(extension.data, offset + 4);
    offset += 4 + extension.data.length;
  }
  out.set(packet.payload, offset);
  if (padding) out[out.length - 1] = padding;
  return out;
}

/** Parses an RTP packet; `undefined` for anything malformed: short, not version 2, CSRCs/extension/padding overrunning. */
export function parseRtpPacket(datagram: Uint8Array): RtpPacket | undefined {
  const buf = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  if (buf.length < RTP_HEADER_SIZE) return undefined;
  const first = buf[0];
  if (first >> 6 !== 2) return undefined;
  const csrcCount = first & 0x0f;
  let offset = RTP_HEADER_SIZE + csrcCount * 4;
  if (offset > buf.length) return undefined;
  const csrcs: number[] = [];
  for (let i = RTP_HEADER_SIZE; i < offset; i += 4) csrcs.push(buf.readUInt32BE(i));

  let extension: RtpHeaderExtension | undefined;
  if (first & 0x10) {
    if (offset + 4 > buf.length) return undefined;
    const dataLength = buf.readUInt16BE(offset + 2) * 4;
    if (offset + 4 + dataLength > buf.length) return undefined;
    extension = { profile: buf.readUInt16BE(offset), data: buf.subarray(offset + 4, offset + 4 + dataLength) };
    offset += 4 + dataLength;
  }

  let paddingLength = 0;
  if (first & 0x20) {
    paddingLength = buf[buf.length - 1]!;
    // The count includes itself, so 0 is invalid; padding cannot reach into the header.
    if (paddingLength === 0 || offset + paddingLength > buf.length) return undefined;
  }

  const second = buf[1];
  return {
    version: 2,
    marker: (second & 0x80) !== 0,
    payloadType: second & 0x7f,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrcs,
    ...(extension ? { extension } : {}),
    paddingLength,
    payload: buf.subarray(offset, buf.length - paddingLength),
  };
}

/**
 * An RFC 4733 §2.3 named-event payload:
 * ```
 * |     event     |E|R| volume    |          duration             |
 * ```
 * All packets of one event share the RTP timestamp of its start; `duration` (timestamp
 * units, i.e. 1/8 ms at 8 kHz) grows until the packet with E set, which is sent three times.
 */
export interface TelephoneEvent {
  /** 0–9 digits, 10 `*`, 11 `#`, 12–15 A–D, 16 flash; others exist (RFC 4734). */
  readonly event: number;
  readonly end: boolean;
  /** Power level as -dBm0, 0–63. */
  readonly volume: number;
  /** In RTP timestamp units, 0–65535. */
  readonly duration: number;
}

/** Parses the first event of a telephone-event payload; `undefined` when shorter than 4 bytes. The R bit is ignored. */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | undefined {
  if (payload.length < 4) return undefined;
  return {
    event: payload[0],
    end: (payload[1] & 0x80) !== 0,
    volume: payload[1] & 0x3f,
    duration: (payload[2] << 8) | payload[3],
  };
}

export function serializeTelephoneEvent(event: TelephoneEvent): Buffer {
  if (!Number.isInteger(event.event) || event.event < 0 || event.event > 255)
    throw new RangeError(`event must be 0–255`);
  if (!Number.isInteger(event.volume) || event.volume < 0 || event.volume > 63)
    throw new RangeError(`volume must be 0–63`);
  if (!Number.isInteger(event.duration) || event.duration < 0 || event.duration > 0xffff) {
    throw new RangeError(`duration must be 0–65535`);
  }
  const out = Buffer.alloc(4);
  out[0] = event.event;
  out[1] = (event.end ? 0x80 : 0) | event.volume;
  out.writeUInt16BE(event.duration, 2);
  return out;
}

const DTMF_DIGITS = '0123456789*#ABCD';

/** The DTMF digit of an RFC 4733 event code (0–15), else `undefined`. */
export function dtmfDigitForEvent(event: number): string | undefined {
  return Number.isInteger(event) && event >= 0 && event < DTMF_DIGITS.length ? DTMF_DIGITS[event] : undefined;
}

/** The RFC 4733 event code of a DTMF digit (`0`–`9`, `*`, `#`, `A`–`D`), else `undefined`. */
export function eventForDtmfDigit(digit: string): number | undefined {
  const index = digit.length === 1 ? DTMF_DIGITS.indexOf(digit.toUpperCase()) : -1;
  return index >= 0 ? index : undefined;
}
