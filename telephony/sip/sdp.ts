/**
 * SDP (RFC 4566) offer/answer (RFC 3264) for G.711 audio calls: build our offer, read the
 * far end's answer, and answer a far end's offer (re-INVITE or UPDATE).
 *
 * Pure functions, no I/O. Everything that comes from the network goes through one
 * tolerant-but-checked parser; any input it cannot make sense of raises {@link SdpError}
 * and nothing else, so a broken peer can fail a call but never the process.
 *
 * Negotiation rules, in short:
 * - only the first audio `m=` line counts when reading an answer (we offer exactly one);
 *   when answering an offer, the first audio line we can use (RTP/AVP(F), port ≠ 0, a
 *   common codec) is accepted and every other `m=` line is rejected with port 0, keeping
 *   the line count as RFC 3264 §6 demands;
 * - the codec is the first payload type of that `m=` line that names one of our codecs,
 *   by `a=rtpmap` (case-insensitive, 8000 Hz, mono) or, without one, by the static types
 *   0 (PCMU) and 8 (PCMA): the far end's order wins;
 * - `c=` at media level overrides session level; `a=ptime` defaults to 20 ms; the direction
 *   attribute at media level overrides session level and defaults to `sendrecv`.
 */
import { TelephonyError } from '../telephony-error.js';

/** The G.711 codecs we speak. */
export type SdpCodec = 'PCMU' | 'PCMA';

/** An SDP direction attribute, as declared by the side that wrote the SDP. */
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** Raised for any SDP we cannot use: malformed, rejected stream, no common codec. */
export class SdpError extends TelephonyError {
  override readonly name = 'SdpError';
  readonly code = 'sdp-unusable';
}

/** What we put in our SDP. */
export interface LocalMedia {
  /** `o=` session id: digits only, constant for the session. */
  readonly sessionId: string | number;
  /** `o=` version: increase it on every new offer or answer of the session. */
  readonly sessionVersion: number;
  /** Address for `o=` and `c=` (the public address behind NAT); IPv6 when it has a colon. */
  readonly address: string;
  /** Our RTP port. */
  readonly port: number;
  /** Codecs in our order of preference; at least one. */
  readonly codecs: readonly SdpCodec[];
  /** Dynamic payload type for RFC 4733 telephone-event in our offer. Default 101. */
  readonly telephoneEventPayloadType?: number;
  /** Packet time we ask for, in ms. Default 20. */
  readonly ptime?: number;
  /** Default `sendrecv`; `sendonly` puts the far end on hold. */
  readonly direction?: MediaDirection;
}

/** The far end's media as settled by an offer/answer exchange. */
export interface NegotiatedMedia {
  /** Where to send RTP: the `c=` address exactly as written (IPv4 or IPv6). */
  readonly address: string;
  readonly port: number;
  readonly codec: SdpCodec;
  /** The payload type the far end uses for `codec` (0, 8, or a dynamic one). */
  readonly payloadType: number;
  /** The far end's telephone-event payload type; absent when it did not accept DTMF events. */
  readonly telephoneEventPayloadType?: number;
  /** Packet time the far end asked for, in ms (default 20). */
  readonly ptime: number;
  /** The direction the far end declared. */
  readonly direction: MediaDirection;
  /**
   * True when the far end declared anything but `sendrecv` (`sendonly`, `recvonly`,
   * `inactive`) or the RFC 2543 hold address `0.0.0.0` (or `::`).
   */
  readonly onHold: boolean;
}

/** Our side of a negotiation, as needed to read an answer to our offer. */
export interface OfferedMedia {
  readonly codecs: readonly SdpCodec[];
  readonly telephoneEventPayloadType: number;
}

const CRLF = '\r\n';
const MAX_SDP_LENGTH = 64 * 1024;
const DEFAULT_PTIME = 20;
const DEFAULT_TELEPHONE_EVENT_PT = 101;
const STATIC_PT: Readonly<Record<SdpCodec, number>> = { PCMU: 0, PCMA: 8 };
const DIRECTIONS: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

/**
 * Our SDP offer: one audio stream with `codecs` (in order) and telephone-event, CRLF line
 * endings, e.g. `m=audio 40000 RTP/AVP 0 8 101`.
 */
export function buildOffer(local: LocalMedia): string {
  checkLocal(local);
  const tePt = local.telephoneEventPayloadType ?? DEFAULT_TELEPHONE_EVENT_PT;
  const codecs = unique(local.codecs);
  const pts = codecs.map((c) => STATIC_PT[c]);
  return joinLines([
    ...sessionLines(local),
    `m=audio ${local.port} RTP/AVP ${[...pts, tePt].join(' ')}`,
    ...codecs.map((c) => `a=rtpmap:${STATIC_PT[c]} ${c}/8000`),
    `a=rtpmap:${tePt} telephone-event/8000`,
    `a=fmtp:${tePt} 0-16`,
    `a=ptime:${local.ptime ?? DEFAULT_PTIME}`,
    `a=${local.direction ?? 'sendrecv'}`,
  ]);
}

/**
 * Reads the far end's answer to our offer. Throws {@link SdpError} when it is malformed,
 * has no audio stream, rejects it (port 0), lacks a `c=` address, or shares no codec.
 */
export function parseAnswer(sdp: string, offered: OfferedMedia): NegotiatedMedia {
  const parsed = parseSdp(sdp);
  const audio = parsed.media.find((m) => m.media === 'audio');
  if (!audio) throw new SdpError('the SDP answer has no audio stream (no m=audio line)');
  if (audio.port === 0) throw new SdpError('the far end rejected the audio stream (m=audio with port 0)');
  if (!audio.proto.toUpperCase().startsWith('RTP/AVP')) {
    throw new SdpError(`unsupported audio transport "${audio.proto}" (we offer RTP/AVP)`);
  }
  const media = negotiate(parsed, audio, offered.codecs, offered.telephoneEventPayloadType);
  if (!media) throw new SdpError(`no common codec: we offered ${offered.codecs.join(', ')}; ${describeFormats(audio)}`);
  return media;
}

/**
 * Answers an offer from the far end (a re-INVITE or UPDATE): the first usable audio
 * stream with its first codec we share (the offer's payload type numbers are kept), its
 * telephone-event if offered, and the hold direction mirrored (their `sendonly` → our
 * `recvonly`, `recvonly` → `sendonly`, `inactive` → `inactive`, narrowed further by
 * `local.direction`). Other streams are declined with port 0. Throws {@link SdpError} when
 * the offer is malformed or no audio stream can be accepted.
 */
export function buildAnswer(offerSdp: string, local: LocalMedia): { sdp: string; media: NegotiatedMedia } {
  checkLocal(local);
  const parsed = parseSdp(offerSdp);
  const audios = parsed.media.filter((m) => m.media === 'audio');
  if (audios.length === 0) throw new SdpError('the SDP offer has no audio stream (no m=audio line)');
  let chosen: { section: MediaSection; media: NegotiatedMedia } | undefined;
  for (const section of audios) {
    if (section.port === 0 || !section.proto.toUpperCase().startsWith('RTP/AVP')) continue;
    const media = negotiate(parsed, section, local.codecs, undefined);
    if (media) {
      chosen = { section, media };
      break;
    }
  }
  if (!chosen) {
    const usable = audios.filter((m) => m.port !== 0 && m.proto.toUpperCase().startsWith('RTP/AVP'));
    if (usable.length === 0) {
      throw new SdpError('the SDP offer has no usable audio stream (port 0 or a transport other than RTP/AVP)');
    }
    throw new SdpError(`no common codec: we support ${local.codecs.join(', ')}; ${describeFormats(usable[0])}`);
  }
  const { section, media } = chosen;
  const tePt = media.telephoneEventPayloadType;
  const lines = sessionLines(local);
  for (const m of parsed.media) {
    if (m !== section) {
      lines.push(`m=${m.media} 0 ${m.proto} ${m.formats.join(' ')}`);
      continue;
    }
    lines.push(
      `m=audio ${local.port} ${m.proto} ${tePt === undefined ? media.payloadType : `${media.payloadType} ${tePt}`}`,
    );
    lines.push(`a=rtpmap:${media.payloadType} ${media.codec}/8000`);
    if (tePt !== undefined) lines.push(`a=rtpmap:${tePt} telephone-event/8000`, `a=fmtp:${tePt} 0-16`);
    lines.push(`a=ptime:${local.ptime ?? DEFAULT_PTIME}`, `a=${answerDirection(media.direction, local.direction)}`);
  }
  return { sdp: joinLines(lines), media };
}

// ---------------------------------------------------------------------------------------
// Parsing

interface Connection {
  readonly addressType: 'IP4' | 'IP6';
  readonly address: string;
}

interface Rtpmap {
  readonly name: string;
  readonly rate: number;
  readonly channels: number;
}

interface Section {
  connection?: Connection;
  readonly attributes: { readonly name: string; readonly value: string | undefined }[];
}

interface MediaSection extends Section {
  readonly media: string;
  readonly port: number;
  readonly proto: string;
  readonly formats: readonly string[];
}

interface ParsedSdp {
  readonly session: Section;
  readonly media: MediaSection[];
}

/** Structural parse: every line `<letter>=<value>`, `v=0` first, `m=` and `c=` well formed. */
function parseSdp(sdp: unknown): ParsedSdp {
  if (typeof sdp !== 'string') throw new SdpError('the SDP body is not text');
  if (sdp.length > MAX_SDP_LENGTH) throw new SdpError(`the SDP body is too large (${sdp.length} characters)`);
  const lines = sdp
    .split(/\r\n|\r|\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l !== '');
  if (lines.length === 0) throw new SdpError('the SDP body is empty');
  if (lines[0] !== 'v=0') throw new SdpError(`the SDP does not start with v=0 (first line ${quote(lines[0])})`);
  const session: Section = { attributes: [] };
  const media: MediaSection[] = [];
  let current: Section = session;
  lines.forEach((line, index) => {
    const match = /^([a-z])=(.*)$/.exec(line);
    if (!match) throw new SdpError(`malformed SDP line ${index + 1}: ${quote(line)}`);
    const type = match[1];
    const value = match[2];
    if (type === 'm') {
      const section = parseMediaLine(value, index);
      media.push(section);
      current = section;
    } else if (type === 'c') {
      current.connection = parseConnection(value, index);
    } else if (type === 'a') {
      const colon = value.indexOf(':');
      current.attributes.push(
        colon < 0 ? { name: value, value: undefined } : { name: value.slice(0, colon), value: value.slice(colon + 1) },
      );
    }
  });
  return { session, media };
}

function parseMediaLine(value: string, index: number): MediaSection {
  const parts = value.split(' ').filter((p) => p !== '');
  const port = /^(\d{1,5})(?:\/\d+)?$/.exec(parts[1] ?? '');
  if (parts.length < 4 || !port || Number(port[1]) > 65535 || !parts.slice(3).every((f) => /^[\w.-]+$/.test(f))) {
    throw new SdpError(`malformed m= line (line ${index + 1}): ${quote(`m=${value}`)}`);
  }
  return {
    media: parts[0].toLowerCase(),
    port: Number(port[1]),
    proto: parts[2],
    formats: parts.slice(3),
    attributes: [],
  };
}

function parseConnection(value: string, index: number): Connection {
  const parts = value.split(' ').filter((p) => p !== '');
  const addressType = parts[1]?.toUpperCase();
  const address = parts[2]?.split('/')[0] ?? '';
  if (
    parts.length !== 3 ||
    parts[0].toUpperCase() !== 'IN' ||
    (addressType !== 'IP4' && addressType !== 'IP6') ||
    !address
  ) {
    throw new SdpError(`malformed c= line (line ${index + 1}): ${quote(`c=${value}`)}`);
  }
  return { addressType, address };
}

function rtpmapsOf(section: MediaSection): Map<string, Rtpmap> {
  const maps = new Map<string, Rtpmap>();
  for (const { name, value } of section.attributes) {
    if (name !== 'rtpmap') continue;
    const match = /^(\d{1,3}) +([^/\s]+)\/(\d+)(?:\/(\d+))?\s*$/.exec(value ?? '');
    if (!match) throw new SdpError(`malformed a=rtpmap: ${quote(`a=rtpmap:${value ?? ''}`)}`);
    maps.set(match[1], { name: match[2].toLowerCase(), rate: Number(match[3]), channels: Number(match[4] ?? 1) });
  }
  return maps;
}

/** Settles codec, telephone-event, address, ptime and direction for one media section; undefined without a common codec. */
function negotiate(
  parsed: ParsedSdp,
  section: MediaSection,
  codecs: readonly SdpCodec[],
  offeredTelephoneEventPt: number | undefined,
): NegotiatedMedia | undefined {
  const maps = rtpmapsOf(section);
  let chosen: { codec: SdpCodec; payloadType: number } | undefined;
  let telephoneEventPayloadType: number | undefined;
  for (const format of section.formats) {
    const pt = /^\d{1,3}$/.test(format) ? Number(format) : undefined;
    if (pt === undefined || pt > 127) continue;
    const map = maps.get(format);
    const codec = map ? codecNamed(map) : pt === 0 ? 'PCMU' : pt === 8 ? 'PCMA' : undefined;
    if (!chosen && codec && codecs.includes(codec)) chosen = { codec, payloadType: pt };
    const isTelephoneEvent = map
      ? map.name === 'telephone-event' && map.rate === 8000
      : pt === offeredTelephoneEventPt && pt >= 96;
    if (telephoneEventPayloadType === undefined && isTelephoneEvent) telephoneEventPayloadType = pt;
  }
  if (!chosen) return undefined;
  const connection = section.connection ?? parsed.session.connection;
  if (!connection) throw new SdpError('the SDP has no connection address (no c= line for the audio stream)');
  const direction = directionOf(section) ?? directionOf(parsed.session) ?? 'sendrecv';
  const held = connection.address === '0.0.0.0' || (connection.addressType === 'IP6' && connection.address === '::');
  return {
    address: connection.address,
    port: section.port,
    ...chosen,
    ...(telephoneEventPayloadType !== undefined ? { telephoneEventPayloadType } : {}),
    ptime: ptimeOf(section) ?? ptimeOf(parsed.session) ?? DEFAULT_PTIME,
    direction,
    onHold: held || direction !== 'sendrecv',
  };
}

function codecNamed(map: Rtpmap): SdpCodec | undefined {
  if (map.rate !== 8000 || map.channels !== 1) return undefined;
  if (map.name === 'pcmu') return 'PCMU';
  if (map.name === 'pcma') return 'PCMA';
  return undefined;
}

function directionOf(section: Section): MediaDirection | undefined {
  let direction: MediaDirection | undefined;
  for (const { name } of section.attributes) if (DIRECTIONS.includes(name)) direction = name as MediaDirection;
  return direction;
}

function ptimeOf(section: Section): number | undefined {
  const value = section.attributes.find((a) => a.name === 'ptime')?.value;
  if (value === undefined) return undefined;
  const ms = Number(value.trim());
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || ms < 1 || ms > 1000)
    throw new SdpError(`malformed a=ptime: ${quote(value)}`);
  return Math.round(ms);
}

function describeFormats(section: MediaSection): string {
  const maps = rtpmapsOf(section);
  const formats = section.formats.map((f) => {
    const map = maps.get(f);
    return map ? `${f} (${map.name}/${map.rate})` : f;
  });
  return `the far end has ${formats.join(', ')}`;
}

// ---------------------------------------------------------------------------------------
// Building

function answerDirection(offered: MediaDirection, local: MediaDirection | undefined): MediaDirection {
  const localSend = local === undefined || local === 'sendrecv' || local === 'sendonly';
  const localRecv = local === undefined || local === 'sendrecv' || local === 'recvonly';
  const send = localSend && (offered === 'sendrecv' || offered === 'recvonly');
  const recv = localRecv && (offered === 'sendrecv' || offered === 'sendonly');
  return send ? (recv ? 'sendrecv' : 'sendonly') : recv ? 'recvonly' : 'inactive';
}

function sessionLines(local: LocalMedia): string[] {
  const addr = `IN ${local.address.includes(':') ? 'IP6' : 'IP4'} ${local.address}`;
  return ['v=0', `o=- ${local.sessionId} ${local.sessionVersion} ${addr}`, 's=Voicecast', `c=${addr}`, 't=0 0'];
}

/** Our own settings are a programming matter: a bad one is a RangeError, not an SdpError. */
function checkLocal(local: LocalMedia): void {
  const problems: string[] = [];
  if (!/^\d{1,20}$/.test(String(local.sessionId))) problems.push(`sessionId ${String(local.sessionId)} is not digits`);
  if (!Number.isSafeInteger(local.sessionVersion) || local.sessionVersion < 0) problems.push('sessionVersion');
  if (!/^[0-9A-Za-z.:-]+$/.test(local.address)) problems.push(`address ${JSON.stringify(local.address)}`);
  if (!Number.isInteger(local.port) || local.port < 1 || local.port > 65535) problems.push(`port ${local.port}`);
  if (local.codecs.length === 0 || !local.codecs.every((c) => Object.hasOwn(STATIC_PT, c))) problems.push('codecs');
  const te = local.telephoneEventPayloadType ?? DEFAULT_TELEPHONE_EVENT_PT;
  if (!Number.isInteger(te) || te < 96 || te > 127) problems.push(`telephoneEventPayloadType ${te}`);
  const ptime = local.ptime ?? DEFAULT_PTIME;
  if (!Number.isInteger(ptime) || ptime < 1) problems.push(`ptime ${ptime}`);
  if (problems.length > 0) throw new RangeError(`invalid local SDP settings: ${problems.join(', ')}`);
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function joinLines(lines: readonly string[]): string {
  return lines.join(CRLF) + CRLF;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
