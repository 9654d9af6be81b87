/**
 * The media of one call: a UDP socket from the port pool, G.711 sent on the shared pacer,
 * the callee's audio and RFC 4733 DTMF received.
 *
 * Sending: 20 ms frames (160 samples) at every pacer tick, whatever the far end's ptime
 * (20 ms is what every G.711 peer accepts). A random SSRC, sequence number and timestamp
 * base (RFC 3550 §5.1); the sequence number grows by 1 per packet; the timestamp follows
 * wall time: 160 per tick, and a playback starts at the timestamp of its moment since the
 * session opened, so silence between messages keeps its length. The marker bit is set on
 * the first packet of each playback and after ticks the pacer had to skip (the timestamp
 * jumps over them) — both start a talkspurt (RFC 3551 §4.1). No RTCP: nothing is bound on
 * the odd port; peers that send RTCP get ICMP unreachable, which G.711 peers ignore.
 *
 * Whom we hear (review F5, "RTP bleed"): RTP is plain UDP, so the only proof of a packet's
 * origin is its source address, and a stranger who can reach our port must not take over
 * the stream (hijack the message and the recording, or inject the opt-out digit):
 * - a packet from exactly the SDP `c=` address and `m=` port is the far end's;
 * - a packet from one of the addresses the call's signalling comes from (the trunk or its
 *   outbound proxy, `RtpRemote.peerAddresses`) but another port, or with an SDP address it
 *   cannot be reached at, is a far end behind NAT: the first such packet within
 *   {@link NAT_LEARNING_WINDOW_MS} of `setRemote()` latches the destination to its source
 *   address and port (symmetric RTP, RFC 4961) and locks its SSRC; afterwards only that
 *   source with that SSRC (and a sequence number that follows, see receive-stats.ts) is
 *   heard. A packet from the exact SDP address and port ends the learning: the SDP is right.
 * - anything else is ignored (counted in `ignored`). Same address is not enough: on a shared
 *   host (or 127.0.0.1) any process could otherwise claim the stream from another port.
 * `setRemote()` with a different address or port (re-INVITE) forgets the latch and opens a
 * new learning window.
 *
 * DTMF is bounded per call (review F12): at most {@link MAX_DTMF_DIGITS} key presses are
 * kept and reported, and at most {@link DTMF_BURST} in a row, then {@link DTMF_PER_SECOND} a
 * second (a person presses far fewer); the rest are counted in `dtmfDropped`.
 *
 * Receiving never throws on network input: malformed datagrams, unknown payload types and
 * packets before `setRemote()` are counted in `ignored` and dropped.
 */
import { randomInt } from 'node:crypto';
import type { Socket, RemoteInfo } from 'node:dgram';
import type { Logger } from '../../lib/logger.js';
import { checkRtpPort, type CallMedia, type MediaSnapshot } from './call-media.js';
import { encodeAlawInto, encodeUlawInto, type G711Codec } from '../media/g711.js';
import { DtmfReceiver } from './dtmf-receiver.js';
import { parseRtpPacket, parseTelephoneEvent, RTP_HEADER_SIZE, writeRtpHeader } from './packet.js';
import type { Pacer } from './pacer.js';
import type { PortPool } from './port-pool.js';
import { ReceiveStats } from './receive-stats.js';
import { RecordingBuffer } from './recording-buffer.js';
import { AmdFeed } from '../amd/amd-feed.js';
import type { AmdSettings } from '../amd/amd-detector.js';
import { EarlyMediaAmd, type CallAmdEvent } from '../amd/early-media-amd.js';

export type { G711Codec } from '../media/g711.js';

/** The logger calls the session makes; a pino logger fits. */
export type RtpLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface RtpSessionOptions {
  /** Address to bind, e.g. '127.0.0.1' or '0.0.0.0'. */
  localAddress: string;
  ports: PortPool;
  pacer: Pacer;
  logger?: RtpLogger;
  /** Random if absent. */
  ssrc?: number;
}

/** After `setRemote()`, a far end behind NAT is learned for this long (see the module notes). */
export const NAT_LEARNING_WINDOW_MS = 3000;
/** Key presses kept (and reported) per call. */
export const MAX_DTMF_DIGITS = 256;
/** Key presses accepted in a row, and then per second. */
export const DTMF_BURST = 20;
export const DTMF_PER_SECOND = 10;

export interface RtpRemote {
  address: string;
  port: number;
  /**
   * The addresses the call's SIP comes from (the trunk or its outbound proxy): RTP from one
   * of them on another port than the SDP's is learned as a far end behind NAT. Absent: only
   * the SDP address and port are heard.
   */
  peerAddresses?: readonly string[];
  codec: G711Codec;
  payloadType: number;
  telephoneEventPayloadType?: number;
  /** The far end's preferred packet time; recorded, but we always send 20 ms (see the module notes). */
  ptime?: number;
}

export interface DtmfDigit {
  digit: string;
  /** For RTP: ms from the session's opening ({@link RtpSession.startedAt}) to the event's first packet. */
  atMs: number;
  durationMs: number;
  source: 'rfc4733' | 'sip-info';
}

export interface RtpStats {
  packetsSent: number;
  /** Payload octets (RFC 3550 sender's octet count: no headers). */
  octetsSent: number;
  packetsReceived: number;
  packetsLost: number;
  /** RFC 3550 interarrival jitter of the received audio. */
  jitterMs: number;
}

const SAMPLE_RATE = 8000;
const FRAME_SAMPLES = 160;
const PAYLOAD_TYPE = { PCMU: 0, PCMA: 8 } as const;

interface Playback {
  readonly pcm: Int16Array;
  readonly frames: number;
  sent: number;
  lastTick: number | undefined;
  unsubscribe: () => void;
  readonly done: () => void;
  /** Send callback of the last frame. */
  readonly lastSent: () => void;
}

export class RtpSession implements CallMedia {
  /** Epoch ms when the session opened; `DtmfDigit.atMs` counts from here. */
  readonly startedAt = Date.now();
  readonly ssrc: number;
  onDtmf?: (digit: DtmfDigit) => void;
  /** Answering-machine detection's verdict and greeting end, after {@link detectMachine}. */
  onAmd?: (event: CallAmdEvent) => void;
  /** Datagrams dropped: malformed, unknown payload type, before `setRemote()`, from a source we do not hear. */
  ignored = 0;
  /** Key presses dropped over the per-call cap or rate (see the module notes). */
  dtmfDropped = 0;

  private readonly openedAt: number;
  private readonly timestampBase = randomInt(0, 2 ** 32);
  private sequence = randomInt(0, 2 ** 16);
  private timestamp = this.timestampBase;
  private remote: RtpRemote | undefined;
  /** A far end learned behind NAT: where we send, and the only source (and SSRC) we hear. */
  private latched: { address: string; port: number; ssrc: number } | undefined;
  /** Pacer time of the last `setRemote()` that moved the far end: NAT learning runs until then + the window. */
  private learningSince = 0;
  /** A packet came from the exact SDP address and port: no learning any more. */
  private sdpConfirmed = false;
  private dtmfTokens = DTMF_BURST;
  private dtmfRefilledAt = 0;
  private playback: Playback | undefined;
  private recorder: RecordingBuffer | undefined;
  private amd: AmdFeed | EarlyMediaAmd | undefined;
  private amdClock: NodeJS.Timeout | undefined;
  private readonly received = new ReceiveStats(SAMPLE_RATE);
  private readonly dtmfReceiver: DtmfReceiver;
  private readonly digits: DtmfDigit[] = [];
  private sending = true;
  private resumed = false;
  private packetsSent = 0;
  private octetsSent = 0;
  private closing: Promise<void> | undefined;

  /** Binds a socket on a port from `options.ports`. */
  static async open(options: RtpSessionOptions): Promise<RtpSession> {
    const { socket, port } = await options.ports.bindSocket(options.localAddress);
    return new RtpSession(options, socket, port);
  }

  private constructor(
    private readonly options: RtpSessionOptions,
    private readonly socket: Socket,
    readonly localPort: number,
  ) {
    this.ssrc = options.ssrc === undefined ? randomInt(0, 2 ** 32) : options.ssrc >>> 0;
    this.openedAt = options.pacer.now();
    this.dtmfReceiver = new DtmfReceiver((dtmf) => this.reportDtmf(dtmf.digit, dtmf.startedAtMs, dtmf.durationMs));
    socket.on('message', (message, info) => {
      try {
        this.receive(message, info);
      } catch (err) {
        this.options.logger?.error({ err, localPort }, 'RTP receive failed');
      }
    });
    socket.on('error', (err) => this.options.logger?.warn({ err, localPort }, 'RTP socket error'));
  }

  /** Where packets go: the latched source of the far end's packets, else the SDP address; undefined before `setRemote()`. */
  get destination(): { address: string; port: number } | undefined {
    if (this.latched) return { address: this.latched.address, port: this.latched.port };
    return this.remote && { address: this.remote.address, port: this.remote.port };
  }

  /** Sets (or, on re-INVITE, changes) the far end. Takes effect from the next frame. */
  setRemote(remote: RtpRemote): void {
    checkRtpPort(remote.port);
    const moved = !this.remote || this.remote.address !== remote.address || this.remote.port !== remote.port;
    if (moved) {
      this.latched = undefined;
      this.sdpConfirmed = false;
      this.learningSince = this.options.pacer.now();
    }
    this.remote = {
      ...remote,
      ...(remote.peerAddresses ? { peerAddresses: remote.peerAddresses.map(normalAddress) } : {}),
    };
  }

  /**
   * On hold (false) frames keep being consumed on the clock but are not sent; a playback
   * still ends when its time is up.
   */
  setSending(sending: boolean): void {
    if (sending && !this.sending) this.resumed = true; // the first frame after hold starts a talkspurt
    this.sending = sending;
  }

  /**
   * Sends `pcm` (8 kHz mono 16-bit) as 20 ms G.711 frames on the pacer, the last frame padded
   * with silence; marker bit on the first packet. Resolves when the last frame has been
   * handed to the network, or early when `signal` aborts or the session closes (sending
   * stops). Rejects before `setRemote()` or while another playback runs.
   */
  play(pcm: Int16Array, signal?: AbortSignal): Promise<void> {
    if (this.closing || signal?.aborted) return Promise.resolve();
    if (!this.remote) return Promise.reject(new Error('RtpSession.play() before setRemote()'));
    if (this.playback) return Promise.reject(new Error('RtpSession.play() while already playing'));
    const frames = Math.ceil(pcm.length / FRAME_SAMPLES);
    if (frames === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const onAbort = () => this.stopPlayback();
      const playback: Playback = {
        pcm,
        frames,
        sent: 0,
        lastTick: undefined,
        unsubscribe: () => undefined,
        done: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        lastSent: () => {
          if (this.playback === playback) this.stopPlayback();
        },
      };
      this.playback = playback;
      signal?.addEventListener('abort', onAbort, { once: true });
      playback.unsubscribe = this.options.pacer.subscribe((tick) => this.sendFrame(playback, tick), {
        onStop: onAbort,
      });
    });
  }

  /** From now on, decode the far end's audio into {@link recording}, at most `maxMs` of it. */
  startRecording(maxMs?: number): void {
    const maxSamples = maxMs === undefined ? undefined : Math.ceil((maxMs * SAMPLE_RATE) / 1000);
    this.recorder ??= new RecordingBuffer(SAMPLE_RATE, maxSamples);
  }

  /**
   * From now on (the answer), run answering-machine detection on the far end's audio;
   * events go to {@link onAmd}. A 100 ms clock keeps the detector's timers going when no
   * audio arrives. Stops by itself after the last event, or at close(). After
   * {@link detectEarlyMedia}, tells that detection the call was answered instead.
   */
  detectMachine(settings: Partial<AmdSettings> = {}): void {
    if (this.closing) return;
    if (this.amd instanceof EarlyMediaAmd) {
      this.amd.answered(this.options.pacer.now());
      if (this.amd.done) this.stopDetection();
      return;
    }
    if (this.amd) return;
    this.runDetection(new AmdFeed(settings, this.options.pacer.now(), (event) => this.reportAmd(event)));
  }

  /**
   * From now on (a 183 with SDP, `setRemote()` done), listen to early media for a voicemail
   * greeting played before the answer (early-media-amd.ts); nothing is reported before
   * {@link detectMachine} at the answer. Receiving only: nothing is sent before the answer.
   */
  detectEarlyMedia(settings: Partial<AmdSettings> = {}): void {
    if (this.amd || this.closing) return;
    this.runDetection(new EarlyMediaAmd(settings, this.options.pacer.now(), (event) => this.reportAmd(event)));
  }

  private runDetection(feed: AmdFeed | EarlyMediaAmd): void {
    this.amd = feed;
    this.amdClock = setInterval(() => {
      feed.tick(this.options.pacer.now());
      if (feed.done) this.stopDetection();
    }, 100);
    this.amdClock.unref();
  }

  private reportAmd(event: CallAmdEvent): void {
    try {
      this.onAmd?.(event);
    } catch (err) {
      this.options.logger?.warn({ err }, 'onAmd handler threw');
    }
  }

  /** Stops answering-machine detection (the call acted on it and needs nothing more from it). */
  stopMachineDetection(): void {
    this.stopDetection();
  }

  private stopDetection(): void {
    clearInterval(this.amdClock);
    this.amdClock = undefined;
    this.amd = undefined;
  }

  /** The far end's audio since `startRecording()`, in timestamp order, gaps as silence. Still available after close(). */
  recording(): Int16Array {
    return this.recorder?.toPcm() ?? new Int16Array(0);
  }

  /** RFC 4733 key presses, one per press, in order. Complete after close() (which reports a press whose end packets were lost). */
  get dtmf(): readonly DtmfDigit[] {
    return this.digits;
  }

  stats(): RtpStats {
    return {
      packetsSent: this.packetsSent,
      octetsSent: this.octetsSent,
      packetsReceived: this.received.packetsReceived,
      packetsLost: this.received.packetsLost,
      jitterMs: this.received.jitterMs,
    };
  }

  /** Stops playback, leaves the pacer and hands the socket back to the port pool. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Frees the recording's memory now, once {@link finish} has returned it for the last time (media-thread.ts). */
  releaseRecording(): void {
    this.recorder?.release();
  }

  /** Closes, then returns what the session produced. */
  async finish(): Promise<MediaSnapshot> {
    await this.close(); // flushes a key press whose end packets never came
    return { stats: this.stats(), recording: this.recording(), dtmf: [...this.dtmf], startedAt: this.startedAt };
  }

  private async shutdown(): Promise<void> {
    this.stopPlayback();
    this.stopDetection();
    this.dtmfReceiver.flush();
    await this.options.ports.recycle({ socket: this.socket, port: this.localPort }, this.options.localAddress);
  }

  private stopPlayback(): void {
    const playback = this.playback;
    if (!playback) return;
    this.playback = undefined;
    playback.unsubscribe();
    playback.done();
  }

  /** One pacer tick: one frame. Timing-critical, so no allocation beyond the packet itself. */
  private sendFrame(playback: Playback, tick: number): void {
    const remote = this.remote;
    const destination = this.destination;
    if (this.playback !== playback || !remote || !destination) return;
    if (!this.sending) {
      playback.lastTick = tick;
      playback.sent += 1;
      this.timestamp = (this.timestamp + FRAME_SAMPLES) >>> 0;
      if (playback.sent === playback.frames) this.stopPlayback();
      return;
    }
    let marker = this.resumed;
    this.resumed = false;
    if (playback.lastTick === undefined) {
      marker = true;
      this.startTalkspurt();
    } else if (tick > playback.lastTick + 1) {
      marker = true; // the pacer skipped ticks: jump the timestamp over them, stay on wall time
      this.timestamp = (this.timestamp + (tick - playback.lastTick - 1) * FRAME_SAMPLES) >>> 0;
    }
    playback.lastTick = tick;

    const packet = Buffer.allocUnsafe(RTP_HEADER_SIZE + FRAME_SAMPLES);
    writeRtpHeader(packet, {
      marker,
      payloadType: remote.payloadType,
      sequenceNumber: this.sequence,
      timestamp: this.timestamp,
      ssrc: this.ssrc,
    });
    const start = playback.sent * FRAME_SAMPLES;
    let frame = playback.pcm.subarray(start, start + FRAME_SAMPLES);
    if (frame.length < FRAME_SAMPLES) {
      const padded = new Int16Array(FRAME_SAMPLES);
      padded.set(frame);
      frame = padded;
    }
    if (remote.codec === 'PCMU') encodeUlawInto(frame, packet, RTP_HEADER_SIZE);
    else encodeAlawInto(frame, packet, RTP_HEADER_SIZE);

    this.sequence = (this.sequence + 1) & 0xffff;
    this.timestamp = (this.timestamp + FRAME_SAMPLES) >>> 0;
    this.packetsSent += 1;
    this.octetsSent += FRAME_SAMPLES;
    playback.sent += 1;
    const last = playback.sent === playback.frames;
    if (last) playback.unsubscribe();
    // Only the last frame gets a callback (it ends the playback); a failed send of any other
    // is reported through the socket's 'error' event. One closure per playback, not per packet.
    try {
      if (last) this.socket.send(packet, destination.port, destination.address, playback.lastSent);
      else this.socket.send(packet, destination.port, destination.address);
    } catch (err) {
      // e.g. the address family does not match the socket: the playback must still end
      this.options.logger?.debug({ err, localPort: this.localPort }, 'RTP send failed');
      if (last) playback.lastSent();
    }
  }

  /** A playback's first timestamp: where wall time since the session opened puts it, never behind the last one sent. */
  private startTalkspurt(): void {
    const elapsed = Math.round(((this.options.pacer.now() - this.openedAt) * SAMPLE_RATE) / 1000);
    const onWallTime = (this.timestampBase + elapsed) >>> 0;
    if (((onWallTime - this.timestamp) | 0) > 0) this.timestamp = onWallTime;
  }

  private receive(message: Buffer, source: RemoteInfo): void {
    const remote = this.remote;
    const packet = remote && !this.closing ? parseRtpPacket(message) : undefined;
    if (!remote || !packet) {
      this.ignored += 1;
      return;
    }
    const isEvent = packet.payloadType === remote.telephoneEventPayloadType;
    const codec = isEvent ? undefined : codecOf(packet.payloadType, remote);
    if (!isEvent && !codec) {
      this.ignored += 1;
      return;
    }
    if (!this.hears(source, packet.ssrc, remote)) {
      this.ignored += 1;
      return;
    }

    const now = this.options.pacer.now();
    if (!this.received.update(packet.ssrc, packet.sequenceNumber)) return;
    this.dtmfReceiver.expire(now);
    if (isEvent) {
      const event = parseTelephoneEvent(packet.payload);
      if (event) this.dtmfReceiver.packet(packet.timestamp, event, now);
      return;
    }
    this.received.arrival(packet.timestamp, now);
    this.recorder?.write(packet, codec!, now);
    const amd = this.amd;
    if (amd) {
      amd.packet(packet.timestamp, packet.payload, codec!, now, packet.ssrc);
      if (amd.done) this.stopDetection();
    }
  }

  /** Whether a packet from `source` is the far end's (see the module notes); latches a far end behind NAT. */
  private hears(source: RemoteInfo, ssrc: number, remote: RtpRemote): boolean {
    const address = normalAddress(source.address);
    if (address === normalAddress(remote.address) && source.port === remote.port) {
      if (this.latched) {
        this.options.logger?.info({ localPort: this.localPort }, 'RTP from the SDP address: NAT latch dropped');
      }
      this.latched = undefined;
      this.sdpConfirmed = true;
      return true;
    }
    const latched = this.latched;
    if (latched) return address === latched.address && source.port === latched.port && ssrc === latched.ssrc;
    if (this.sdpConfirmed || !remote.peerAddresses?.includes(address)) return false;
    if (this.options.pacer.now() - this.learningSince > NAT_LEARNING_WINDOW_MS) return false;
    this.latched = { address, port: source.port, ssrc };
    this.options.logger?.info(
      { localPort: this.localPort, sdp: `${remote.address}:${remote.port}`, latched: `${address}:${source.port}` },
      'symmetric RTP: far end behind NAT, sending to where it sends from',
    );
    return true;
  }

  /** Takes one key press from the per-second allowance. */
  private dtmfAllowed(): boolean {
    const now = this.options.pacer.now();
    this.dtmfTokens = Math.min(DTMF_BURST, this.dtmfTokens + ((now - this.dtmfRefilledAt) * DTMF_PER_SECOND) / 1000);
    this.dtmfRefilledAt = now;
    if (this.dtmfTokens < 1) return false;
    this.dtmfTokens -= 1;
    return true;
  }

  private reportDtmf(digit: string, startedAtMs: number, durationMs: number): void {
    if (this.digits.length >= MAX_DTMF_DIGITS || !this.dtmfAllowed()) {
      this.dtmfDropped += 1;
      return;
    }
    const dtmf: DtmfDigit = { digit, atMs: Math.round(startedAtMs - this.openedAt), durationMs, source: 'rfc4733' };
    this.digits.push(dtmf);
    try {
      this.onDtmf?.(dtmf);
    } catch (err) {
      this.options.logger?.warn({ err }, 'onDtmf handler threw');
    }
  }
}

/** `::ffff:192.0.2.1` (an IPv4 peer on a udp6 socket) as `192.0.2.1`; other addresses lower-cased. */
function normalAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}

/** The codec of an audio payload type: the negotiated one, or the static PCMU (0) / PCMA (8). */
function codecOf(payloadType: number, remote: RtpRemote): G711Codec | undefined {
  if (payloadType === remote.payloadType) return remote.codec;
  if (payloadType === PAYLOAD_TYPE.PCMU) return 'PCMU';
  if (payloadType === PAYLOAD_TYPE.PCMA) return 'PCMA';
  return undefined;
}
