/**
 * The telephony engine: one user agent per trunk, and the calls' RTP sessions — on a shared
 * pacer and port pool in this thread, or spread over media threads (media-threads.ts).
 * Create one per process (the worker), `dial()` as many calls as the trunks allow, `probe()`
 * a trunk to test it, `close()` on shutdown.
 */
import type { Logger } from '../lib/logger.js';
import type { CallResult, DialRequest, TrunkConfig } from './call-types.js';
import { dial } from './dial.js';
import type { MediaHost } from './rtp/call-media.js';
import { LocalMedia, type PacerSettings } from './rtp/local-media.js';
import { MediaThreads, type MediaThreadHeap } from './rtp/media-threads.js';
import { SipGuardStats } from './sip/request-guard.js';
import type { AddressPolicy } from './sip/address-policy.js';
import type { SipTransportOptions } from './sip/transport-base.js';
import { probeTrunk, type TrunkProbeOptions, type TrunkProbeResult } from './trunk-probe.js';
import { UserAgents, type RegisterRetry, type SignallingSettings } from './user-agents.js';

export interface EngineOptions {
  /** Local address for SIP and RTP sockets. */
  readonly bindAddress: string;
  /** Address peers should use to reach us (NAT), written into Via, Contact and SDP. */
  readonly publicAddress?: string;
  /** UDP ports for SIP, inclusive, one per trunk in use; default any free port. */
  readonly sipUdpPorts?: { readonly min: number; readonly max: number };
  /** RTP ports, inclusive; one even port per call. */
  readonly rtpPorts: { readonly min: number; readonly max: number };
  readonly userAgentString?: string;
  readonly logger?: Logger;
  /** Sees every SIP message on the wire (the CLI prints them). */
  readonly onSipTrace?: SipTransportOptions['onTrace'];
  /**
   * The RTP pacer: `clock` 'thread' times it with a clock thread (rtp/clock-thread.ts; sub-millisecond),
   * 'timers' with Node's timers (millisecond-grained); `phases` per 20 ms frame (see
   * `PacerOptions.phases`). Default Node's timers and 1 phase. With media threads, each
   * thread has a pacer of its own, set up like this.
   */
  readonly pacer?: PacerSettings;
  /**
   * Worker threads that carry the calls' RTP (media-threads.ts), each with its own share of
   * `rtpPorts`; 0 (the default) keeps RTP in this thread.
   */
  readonly mediaThreads?: number;
  /** Back-off for winning back a lost registration; default {@link DEFAULT_REGISTER_RETRY}. */
  readonly registerRetry?: RegisterRetry;
  /**
   * Where SIP and RTP may go (the host's trunk network policy): every address of a trunk's
   * next hop, and the media address of every SDP answer or offer. Default: anywhere.
   */
  readonly addressPolicy?: AddressPolicy;
}

export class TelephonyEngine {
  /**
   * What the SIP transports dropped or answered themselves: datagrams from sources other
   * than the trunks, unsolicited requests (see sip/request-guard.ts). Counters only grow;
   * the worker can export them as metrics.
   */
  readonly sipGuard = new SipGuardStats();
  private readonly media: MediaHost;
  private readonly userAgents: UserAgents;
  private readonly signalling: SignallingSettings;

  constructor(private readonly options: EngineOptions) {
    const { logger } = options;
    const media = {
      rtpPorts: options.rtpPorts,
      ...(options.pacer ? { pacer: options.pacer } : {}),
      ...(logger ? { logger } : {}),
    };
    this.media = options.mediaThreads
      ? new MediaThreads({ ...media, threads: options.mediaThreads })
      : new LocalMedia(media);
    this.signalling = {
      bindAddress: options.bindAddress,
      userAgentString: options.userAgentString ?? 'Voicecast',
      ...(options.publicAddress ? { publicAddress: options.publicAddress } : {}),
      ...(options.sipUdpPorts ? { udpPorts: options.sipUdpPorts } : {}),
      ...(options.onSipTrace ? { onTrace: options.onSipTrace } : {}),
      guardStats: this.sipGuard,
      ...(options.addressPolicy ? { addressPolicy: options.addressPolicy } : {}),
    };
    this.userAgents = new UserAgents(
      this.signalling,
      {
        bindAddress: options.bindAddress,
        ...(options.publicAddress ? { sdpAddress: options.publicAddress } : {}),
        telephoneEventPayloadType: 101,
        host: this.media,
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.addressPolicy ? { addressPolicy: options.addressPolicy } : {}),
      },
      options.logger,
      options.registerRetry,
    );
  }

  /** The media threads' heaps (none with RTP_MEDIA_THREADS=0: the media is on this thread's heap). */
  mediaHeaps(): Promise<MediaThreadHeap[]> {
    return this.media instanceof MediaThreads ? this.media.heaps() : Promise.resolve([]);
  }

  /** Places one call; resolves when it has ended, whatever happened. Abort `signal` to CANCEL or BYE. */
  dial(request: DialRequest, signal?: AbortSignal): Promise<CallResult> {
    return dial(this.userAgents, request, signal, this.options.logger);
  }

  /**
   * Connects the trunk's user agent and, when the trunk registers, REGISTERs it now (a dial
   * would do it on first use); rejects with the registrar's answer when that fails (a
   * `SipError`, telephony-error.ts, with its `status` and `reason`).
   */
  async prepare(trunk: TrunkConfig): Promise<void> {
    await this.userAgents.get(trunk);
  }

  /**
   * Tests a trunk: OPTIONS (and REGISTER when it registers) from a throw-away user agent,
   * digest challenges answered; see trunk-probe.ts. Resolves within `timeoutMs` (plus a
   * short un-REGISTER), never rejects, and leaves no user agent, socket or binding behind.
   */
  probe(trunk: TrunkConfig, options: TrunkProbeOptions): Promise<TrunkProbeResult> {
    return probeTrunk(trunk, this.signalling, options, this.options.logger);
  }

  /** Unregisters and stops every user agent, then stops the media (pacers, clock and media threads) and closes the RTP sockets. */
  async close(): Promise<void> {
    await this.userAgents.closeAll();
    await this.media.close();
  }
}
