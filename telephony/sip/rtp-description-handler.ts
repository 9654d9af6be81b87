/**
 * sip.js `SessionDescriptionHandler` that speaks plain SDP and drives an RTP session
 * instead of WebRTC.
 *
 * Offer/answer (RFC 3264) states:
 *
 *   idle ──getDescription()──▶ local-offer ──setDescription(answer)──▶ idle (media negotiated)
 *   idle ──setDescription(offer)──▶ remote-offer ──getDescription()──▶ idle (answer sent)
 *
 * The first covers our INVITE and offer-less re-INVITEs; the second a far end's re-INVITE or
 * UPDATE with SDP (answered with the first common codec, hold direction mirrored).
 * Provisional answers (183 early media) are not applied for playback: sip.js only hands us
 * the answer of the 2xx because `earlyMedia` stays off. With answering-machine detection on,
 * the call hands a 183's SDP to {@link RtpDescriptionHandler.listenEarly}, which points the
 * RTP session at it to hear the early audio (nothing is sent before the answer) and leaves
 * the offer/answer state alone: the 2xx's answer is applied as ever.
 */
import { randomInt } from 'node:crypto';
import type { BodyAndContentType, SessionDescriptionHandler } from 'sip.js';
import type { Logger } from '../../lib/logger.js';
import type { CallMedia, MediaHost, MediaSnapshot } from '../rtp/call-media.js';
import type { G711Codec } from '../rtp/rtp-session.js';
import { AddressRefusedError, type AddressPolicy } from './address-policy.js';
import { buildAnswer, buildOffer, parseAnswer, type NegotiatedMedia } from './sdp.js';

export interface MediaSettings {
  /** Address to bind RTP sockets to. */
  readonly bindAddress: string;
  /** Address written into SDP `c=` (public address behind NAT); default `bindAddress`. */
  readonly sdpAddress?: string;
  readonly codecs: readonly G711Codec[];
  readonly telephoneEventPayloadType: number;
  /** Opens the call's RTP session (in this thread or a media thread). */
  readonly host: MediaHost;
  readonly logger?: Logger;
  /** The addresses the call's SIP peer sends from (see `RtpRemote.peerAddresses`); asked when the far end's media is set. */
  readonly peerAddresses?: () => readonly string[];
  /** Where RTP may go; a media address it refuses fails the negotiation and gets no packet. */
  readonly addressPolicy?: AddressPolicy;
}

const SDP = 'application/sdp';

export class RtpDescriptionHandler implements SessionDescriptionHandler {
  /** Called whenever negotiation settles on (new) remote media. */
  onMedia: ((media: NegotiatedMedia) => void) | undefined;
  /** Why the far end's media address was refused (the address policy), if it was. */
  refusal: string | undefined;
  private rtp: Promise<CallMedia> | undefined;
  private state: 'idle' | 'local-offer' | 'remote-offer' = 'idle';
  private remoteOffer: string | undefined;
  private negotiated: NegotiatedMedia | undefined;
  private readonly sessionId = randomInt(1, 2 ** 31);
  private version = 0;
  private closing: Promise<void> | undefined;
  private last: MediaSnapshot | undefined;

  constructor(private readonly settings: MediaSettings) {}

  /** The RTP session, opened on first use (the local port must be in our first offer). */
  session(): Promise<CallMedia> {
    this.rtp ??= this.settings.host.open(this.settings.bindAddress);
    return this.rtp;
  }

  get media(): NegotiatedMedia | undefined {
    return this.negotiated;
  }

  async getDescription(): Promise<BodyAndContentType> {
    const rtp = await this.session();
    const local = {
      sessionId: this.sessionId,
      sessionVersion: (this.version += 1),
      address: this.settings.sdpAddress ?? this.settings.bindAddress,
      port: rtp.localPort,
      codecs: [...this.settings.codecs],
      telephoneEventPayloadType: this.settings.telephoneEventPayloadType,
    };
    if (this.state === 'remote-offer' && this.remoteOffer) {
      const { sdp, media } = buildAnswer(this.remoteOffer, local);
      this.state = 'idle';
      this.remoteOffer = undefined;
      this.apply(rtp, media);
      return { body: sdp, contentType: SDP };
    }
    this.state = 'local-offer';
    return { body: buildOffer(local), contentType: SDP };
  }

  async setDescription(sdp: string): Promise<void> {
    if (this.state === 'local-offer') {
      const media = parseAnswer(sdp, {
        codecs: [...this.settings.codecs],
        telephoneEventPayloadType: this.settings.telephoneEventPayloadType,
      });
      this.state = 'idle';
      this.apply(await this.session(), media);
      return;
    }
    this.state = 'remote-offer';
    this.remoteOffer = sdp;
  }

  /**
   * Hears a 183's early media: the far end's address from its SDP (as an answer to our
   * offer), under the same address policy. Returns the session to listen on, or undefined
   * when the SDP is unusable or refused (the call goes on; only early listening is lost).
   */
  async listenEarly(sdp: string): Promise<CallMedia | undefined> {
    if (this.state !== 'local-offer' || this.negotiated) return undefined;
    let media: NegotiatedMedia;
    try {
      media = parseAnswer(sdp, {
        codecs: [...this.settings.codecs],
        telephoneEventPayloadType: this.settings.telephoneEventPayloadType,
      });
    } catch (err) {
      this.settings.logger?.info({ err }, 'early media SDP not usable');
      return undefined;
    }
    if (media.address === '0.0.0.0' || media.address === '::') return undefined;
    const refusal = this.settings.addressPolicy?.(media.address, media.port);
    if (refusal) {
      this.settings.logger?.info({ refusal }, 'early media address refused, not listening');
      return undefined;
    }
    const rtp = await this.session();
    this.setRemote(rtp, media);
    return rtp;
  }

  hasDescription(contentType: string): boolean {
    return contentType.split(';')[0]?.trim().toLowerCase() === SDP;
  }

  rollbackDescription(): Promise<void> {
    this.state = 'idle';
    this.remoteOffer = undefined;
    return Promise.resolve();
  }

  /** Sending DTMF is not something a broadcast does; the far end's digits are received by the RTP session. */
  sendDtmf(): boolean {
    return false;
  }

  /** sip.js calls this when the session ends. Captures the media results, then releases the socket. Idempotent. */
  close(): void {
    this.closing ??= (this.rtp ?? Promise.resolve(undefined))
      .then(async (rtp) => {
        if (rtp) this.last = await rtp.finish();
      })
      .catch((err: unknown) => this.settings.logger?.warn({ err }, 'closing the RTP session failed'));
  }

  /** Closes (if sip.js has not yet) and returns what the media produced; undefined if no RTP session was opened. */
  async finish(): Promise<MediaSnapshot | undefined> {
    this.close();
    await this.closing;
    return this.last;
  }

  /**
   * Points the RTP session at the negotiated far end. On hold (RFC 3264 `sendonly`/`inactive`,
   * or the RFC 2543 address 0.0.0.0) the message keeps running on the clock but nothing is
   * sent, and the previous address is kept for when the far end resumes.
   */
  private apply(rtp: CallMedia, media: NegotiatedMedia): void {
    const nullAddress = media.address === '0.0.0.0' || media.address === '::';
    const refusal = nullAddress ? undefined : this.settings.addressPolicy?.(media.address, media.port);
    if (refusal) {
      // Checked before the RTP session hears of it: not one packet goes there.
      rtp.setSending(false);
      this.refusal = `SDP media address refused: ${refusal}`;
      throw new AddressRefusedError(this.refusal);
    }
    this.negotiated = media;
    const theyReceive = media.direction === 'sendrecv' || media.direction === 'recvonly';
    rtp.setSending(theyReceive && !nullAddress);
    if (!nullAddress) this.setRemote(rtp, media);
    this.onMedia?.(media);
  }

  private setRemote(rtp: CallMedia, media: NegotiatedMedia): void {
    rtp.setRemote({
      address: media.address,
      port: media.port,
      codec: media.codec,
      payloadType: media.payloadType,
      ...(media.telephoneEventPayloadType !== undefined
        ? { telephoneEventPayloadType: media.telephoneEventPayloadType }
        : {}),
      ptime: media.ptime,
      ...(this.settings.peerAddresses ? { peerAddresses: [...this.settings.peerAddresses()] } : {}),
    });
  }
}
