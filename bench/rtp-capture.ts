/**
 * Receiver-side RTP timing for the SIP benchmark: tcpdump captures the packets on the
 * loopback interface with kernel timestamps, so what we measure is when packets reached the
 * wire, not when some receiving event loop got round to them. Per RTP stream (UDP source
 * port and SSRC: a port the next call reuses starts a new stream) the interval between
 * consecutive packets is compared with the 20 ms frame time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Capture {
  /** tcpdump's. */
  readonly pid: number;
  /** Stops tcpdump and returns what it captured (the same result when called again). */
  stop(): Promise<CaptureResult>;
}

export interface CaptureResult {
  /** Packet arrival times in ms, per stream ({@link parsePcap}'s key), in capture order. */
  readonly streams: Map<number, number[]>;
  /** Packets the kernel dropped before tcpdump saw them (from tcpdump's own report). */
  readonly droppedByKernel: number;
}

/** Starts capturing UDP packets to `port` on 127.0.0.1 into `file`; resolves once tcpdump listens. */
export async function startCapture(port: number, file: string): Promise<Capture> {
  const child = spawn(
    'tcpdump',
    ['-i', 'lo', '-n', '-s', '64', '-B', '65536', '-w', file, `udp and dst host 127.0.0.1 and dst port ${port}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr}`)), 10_000);
    const check = () => {
      if (!stderr.includes('listening on')) return;
      clearTimeout(timer);
      child.stderr.off('data', check);
      resolve();
    };
    child.stderr.on('data', check);
    child.once('exit', (code) => reject(new Error(`tcpdump exited (${code}): ${stderr}`)));
  });
  let stopped: Promise<CaptureResult> | undefined;
  await new Promise((resolve) => setTimeout(resolve, 200)); // "listening" comes a moment before the filter catches everything
  return {
    pid: child.pid!,
    stop: () =>
      (stopped ??= stopChild(child).then(() => {
        const dropped = /(\d+) packets? dropped by kernel/.exec(stderr);
        return { streams: parsePcap(readFileSync(file)), droppedByKernel: dropped ? Number(dropped[1]) : 0 };
      })),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT'); // tcpdump flushes the file and prints its counts
  });
}

/**
 * Reads a classic pcap file (microsecond timestamps) of IPv4/UDP on Ethernet or Linux loopback
 * framing into packet times per stream. A stream is a UDP source port and, when the capture
 * holds the RTP header, its SSRC (key `port * 2^32 + ssrc`): a campaign's next call on a port
 * just freed is another stream, not a long interval in the last call's.
 */
export function parsePcap(data: Buffer): Map<number, number[]> {
  const streams = new Map<number, number[]>();
  if (data.length < 24) return streams;
  const magic = data.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4) throw new Error(`unsupported pcap magic 0x${magic.toString(16)}`);
  const linkType = data.readUInt32LE(20);
  const linkHeader = linkType === 1 ? 14 : linkType === 0 ? 4 : linkType === 113 ? 16 : -1;
  if (linkHeader < 0) throw new Error(`unsupported pcap link type ${linkType}`);
  for (let offset = 24; offset + 16 <= data.length;) {
    const ms = data.readUInt32LE(offset) * 1000 + data.readUInt32LE(offset + 4) / 1000;
    const captured = data.readUInt32LE(offset + 8);
    const ip = offset + 16 + linkHeader;
    offset += 16 + captured;
    if (ip + 28 > offset) continue;
    const ipHeader = (data[ip] & 0x0f) * 4;
    const sourcePort = data.readUInt16BE(ip + ipHeader);
    const rtp = ip + ipHeader + 8;
    const key = rtp + 12 <= offset ? sourcePort * 2 ** 32 + data.readUInt32BE(rtp + 8) : sourcePort;
    let times = streams.get(key);
    if (!times) streams.set(key, (times = []));
    times.push(ms);
  }
  return streams;
}

export interface IntervalJitter {
  readonly intervals: number;
  /** |interval − frameMs|, in ms. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The deviation of every inter-packet interval from `frameMs`, over all streams; with
 * `window` (epoch ms), only intervals that lie wholly inside it.
 */
export function intervalJitter(
  streams: Map<number, number[]>,
  frameMs = 20,
  window?: { readonly from: number; readonly to: number },
): IntervalJitter {
  const deviations: number[] = [];
  const from = window?.from ?? -Infinity;
  const to = window?.to ?? Infinity;
  for (const times of streams.values()) {
    for (let i = 1; i < times.length; i += 1) {
      if (times[i - 1] >= from && times[i] <= to) deviations.push(Math.abs(times[i] - times[i - 1] - frameMs));
    }
  }
  const sorted = Float64Array.from(deviations).sort();
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);
  return {
    intervals: sorted.length,
    p50: at(0.5),
    p99: at(0.99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}
