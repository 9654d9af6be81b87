/**
 * RTP sessions in the thread that creates them: one port pool, one pacer (timed by a
 * {@link ClockThread} or Node's timers). The engine uses it directly when it runs without
 * media threads, and each media thread (media-thread.ts) runs one over its share of the
 * port range.
 */
import type { MediaHost } from './call-media.js';
import { ClockThread } from './clock-thread.js';
import { Pacer } from './pacer.js';
import { PortPool } from './port-pool.js';
import { RtpSession, type RtpLogger } from './rtp-session.js';

/** What times the RTP pacer: a {@link ClockThread} (sub-millisecond) or Node's timers. */
export type PacerClock = 'thread' | 'timers';

export interface PacerSettings {
  readonly clock?: PacerClock;
  /** Slots per 20 ms frame (see `PacerOptions.phases`). */
  readonly phases?: number;
}

export interface LocalMediaOptions {
  /** RTP ports, inclusive; one even port per call. */
  readonly rtpPorts: { readonly min: number; readonly max: number };
  /** Default Node's timers and 1 phase. */
  readonly pacer?: PacerSettings;
  readonly logger?: RtpLogger;
}

export class LocalMedia implements MediaHost {
  private readonly pacer: Pacer;
  private readonly ports: PortPool;
  private readonly clock: ClockThread | undefined;

  constructor(private readonly options: LocalMediaOptions) {
    const { logger } = options;
    this.clock = options.pacer?.clock === 'thread' ? new ClockThread() : undefined;
    this.pacer = new Pacer({
      onError: (err, tick) => logger?.error({ err, tick }, 'an RTP sender failed on a pacer tick'),
      onSkip: (skipped) => logger?.warn({ skipped }, 'RTP pacer fell behind; frames skipped'),
      ...(this.clock ? { scheduler: this.clock } : {}),
      ...(options.pacer?.phases === undefined ? {} : { phases: options.pacer.phases }),
    });
    this.ports = new PortPool(options.rtpPorts.min, options.rtpPorts.max);
  }

  open(localAddress: string): Promise<RtpSession> {
    return RtpSession.open({
      localAddress,
      ports: this.ports,
      pacer: this.pacer,
      ...(this.options.logger ? { logger: this.options.logger } : {}),
    });
  }

  /** Stops the pacer (ending every playback) and its clock thread, and closes the idle RTP sockets. */
  async close(): Promise<void> {
    this.pacer.stop();
    await this.clock?.close();
    await this.ports.close();
  }
}
