/**
 * One factory per thing the telephony tests build around a real engine and a sipp gateway:
 * a trunk pointing at the gateway, a pair of engines (media on this thread and on media
 * threads), a call that rings until its ring timeout, and a UDP socket on a given address
 * (to play a stranger or a forger).
 */
import { createSocket, type Socket } from 'node:dgram';
import type { CallResult, TrunkConfig } from '../../telephony/call-types.js';
import { TelephonyEngine } from '../../telephony/engine.js';
import { sineWave } from '../../telephony/media/tone.js';
import type { SippInstance } from '../../scripts/services/sipp.js';

let trunks = 0;

/** A trunk to a gateway on loopback (UDP unless `extra` says otherwise), with an id of its own. */
export function engineTrunk(port: number, extra: Partial<TrunkConfig> = {}): TrunkConfig {
  trunks += 1;
  return {
    id: `gateway-trunk-${process.pid}-${trunks}`,
    host: '127.0.0.1',
    port,
    transport: 'udp',
    callerId: { number: '+4930000000' },
    register: false,
    ...extra,
  };
}

type RtpPorts = { min: number; max: number };

/**
 * Two engines on loopback: `inline` keeps RTP on this thread, `threaded` on two media
 * threads with the thread pacer. Each takes its own RTP port range, so test files that run
 * side by side never share one. Close both in `afterAll`.
 */
export function enginePair(ports: { inline: RtpPorts; threaded: RtpPorts }): {
  inline: TelephonyEngine;
  threaded: TelephonyEngine;
  close: () => Promise<void>;
} {
  const inline = new TelephonyEngine({ bindAddress: '127.0.0.1', rtpPorts: ports.inline });
  const threaded = new TelephonyEngine({
    bindAddress: '127.0.0.1',
    rtpPorts: ports.threaded,
    mediaThreads: 2,
    pacer: { clock: 'thread', phases: 4 },
  });
  return {
    inline,
    threaded,
    close: async () => {
      await inline.close();
      await threaded.close();
    },
  };
}

/**
 * A call to a `uas-ring-forever` gateway that rings into its 2.5 s ring timeout (CANCEL,
 * 487: `no_answer`) unless something ends it sooner: a live dialog to aim traffic at.
 */
export function ringingCall(engine: TelephonyEngine, sipp: SippInstance): Promise<CallResult> {
  return engine.dial({
    trunk: engineTrunk(sipp.port),
    destination: '+4930123456',
    audio: sineWave({ frequency: 1000, durationMs: 500 }),
    ringTimeoutMs: 2500,
    maxCallMs: 10_000,
    record: false,
  });
}

/** A UDP socket bound to any free port of `address` (127.0.0.2 is another loopback address). */
export async function udpSocketOn(address: string): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, resolve);
  });
  return socket;
}
