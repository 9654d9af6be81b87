/**
 * RTP in worker threads: `threads` media threads (media-thread.ts), each with its own pacer,
 * clock thread, port pool over its share of the RTP port range, and the sockets of its
 * calls. The thread that places the calls keeps only SIP; a call's media is a
 * {@link ThreadedMedia} there, which forwards what the SIP side asks to the thread holding
 * the session and resolves with what comes back.
 *
 * Why: with two-way audio a thousand calls mean 50,000 packets sent and 50,000 received,
 * decoded and recorded a second, more than one core of this engine's work
 * (`BENCH_RTP_ECHO=1 make bench-sip`). Sockets cannot move between threads, so each thread
 * binds its own, from ports no other thread uses.
 *
 * A new call goes to the thread with fewest calls (then to the next, if that one's ports are
 * all taken). Threads start with the first call and are unref'd while they have none, so an
 * idle engine does not keep the process alive. Should a thread die, its calls lose their
 * media (each playback and `finish()` resolves; the call's SIP goes on and ends as usual),
 * the error is logged, and the next call starts a new thread on the same ports; should one
 * not answer a call's `finish()` within 5 s, the call ends without its media results.
 *
 * Messages go both ways in batches, one per turn of the event loop (media-protocol.ts).
 * Audio to play is copied once into shared memory and then shared by every call playing it.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../lib/logger.js';
import { checkRtpPort, type CallMedia, type MediaHost, type MediaSnapshot } from './call-media.js';
import type { PacerSettings } from './local-media.js';
import {
  MessageBatcher,
  type FromMediaThread,
  type MediaThreadData,
  type SerializedError,
  type ToMediaThread,
} from './media-protocol.js';
import { PortsExhaustedError } from './port-pool.js';
import type { DtmfDigit, RtpRemote } from './rtp-session.js';
import type { AmdSettings } from '../amd/amd-detector.js';
import type { CallAmdEvent } from '../amd/early-media-amd.js';

export interface MediaThreadsOptions {
  /** How many media threads; at most one per even port of the range. */
  readonly threads: number;
  /** The whole RTP port range, inclusive; split into one contiguous share per thread. */
  readonly rtpPorts: { readonly min: number; readonly max: number };
  readonly pacer?: PacerSettings;
  readonly logger?: Logger;
}

/**
 * `min`–`max` split into `parts` contiguous ranges with the same number of even ports (±1);
 * fewer parts when the range has fewer even ports.
 */
export function splitPortRange(min: number, max: number, parts: number): { min: number; max: number }[] {
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`threads must be a positive integer, got ${parts}`);
  const first = min + (min % 2);
  const evenPorts = max >= first ? Math.floor((max - first) / 2) + 1 : 0;
  if (evenPorts === 0) throw new RangeError(`RTP port range ${min}–${max} holds no even port`);
  const count = Math.min(parts, evenPorts);
  return Array.from({ length: count }, (_, i) => {
    const from = Math.floor((i * evenPorts) / count);
    const to = Math.floor(((i + 1) * evenPorts) / count); // exclusive
    return { min: first + 2 * from, max: i === count - 1 ? max : first + 2 * to - 1 };
  });
}

/** One media thread's heap, in bytes (V8's figures for the thread's own isolate). */
export interface MediaThreadHeap {
  readonly thread: number;
  /** Live objects on the thread's heap. */
  readonly used: number;
  /** The heap V8 reserved (used and free). */
  readonly total: number;
  /** Memory outside the heap that the thread's objects hold (buffers: RTP packets, recordings). */
  readonly external: number;
}

export class MediaThreads implements MediaHost {
  private readonly threads: MediaThread[];
  private closed = false;

  constructor(private readonly options: MediaThreadsOptions) {
    const { min, max } = options.rtpPorts;
    this.threads = splitPortRange(min, max, options.threads).map(
      (ports, index) => new MediaThread(index, ports, options.pacer ?? {}, options.logger),
    );
  }

  /** Calls whose media is open, per thread. */
  get load(): number[] {
    return this.threads.map((thread) => thread.load);
  }

  async open(localAddress: string): Promise<CallMedia> {
    if (this.closed) throw new Error('the media threads are closed');
    const byLoad = [...this.threads].sort((a, b) => a.load - b.load);
    for (const thread of byLoad) {
      try {
        return await thread.open(localAddress);
      } catch (error) {
        if (!(error instanceof PortsExhaustedError)) throw error;
      }
    }
    const { min, max } = this.options.rtpPorts;
    throw new PortsExhaustedError(`no free RTP port in ${min}–${max} (${this.threads.length} media threads)`);
  }

  /**
   * Each running thread's V8 heap (`Worker.getHeapStatistics()`): where a worker's memory
   * goes beside the main thread's heap. A thread not started (no call yet) or ended is left out.
   */
  async heaps(): Promise<MediaThreadHeap[]> {
    const heaps = await Promise.all(this.threads.map((thread) => thread.heap()));
    return heaps.filter((heap): heap is MediaThreadHeap => heap !== undefined);
  }

  /** Stops every thread's pacer, closes its sockets and ends it. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((thread) => thread.close()));
  }
}

/** The compiled thread code: next to this file in dist/; under Jest (which runs the TypeScript) the copy `npm run build` put in dist/. */
function mediaThreadFile(): string {
  const beside = join(__dirname, 'media-thread.js');
  if (existsSync(beside)) return beside;
  let root = __dirname;
  while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
  const built = join(root, 'dist', relative(root, __dirname), 'media-thread.js');
  if (existsSync(built)) return built;
  throw new Error(`the media thread's code is missing (${beside}, ${built}): run npm run build`);
}

/** How a thread's PortsExhaustedError is known once it crossed as plain data. */
const PORTS_EXHAUSTED: PortsExhaustedError['code'] = 'rtp-ports-exhausted';

/** The error a media thread reported, rebuilt: a {@link PortsExhaustedError} (known by its code) is one again. */
function revive(error: SerializedError): Error {
  const revived: Error =
    error.code === PORTS_EXHAUSTED
      ? new PortsExhaustedError(error.message)
      : Object.assign(new Error(error.message), { name: error.name });
  if (error.code) Object.assign(revived, { code: error.code });
  if (error.stack) revived.stack = error.stack;
  return revived;
}

interface Opening {
  readonly resolve: (media: ThreadedMedia) => void;
  readonly reject: (error: Error) => void;
}

class MediaThread {
  private worker: Worker | undefined;
  private readonly calls = new Map<number, ThreadedMedia>();
  private readonly opening = new Map<number, Opening>();
  private nextCall = 1;
  private closing: { readonly done: () => void } | undefined;
  private readonly out = new MessageBatcher<ToMediaThread>((batch) => {
    let worker: Worker;
    try {
      worker = this.start();
    } catch (error) {
      // e.g. the thread's code is missing: whatever waits on the thread fails now
      this.closing?.done();
      this.lose(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    worker.postMessage(batch);
    if (this.load > 0 || this.closing) worker.ref();
  });

  constructor(
    private readonly index: number,
    private readonly ports: { readonly min: number; readonly max: number },
    private readonly pacer: PacerSettings,
    readonly logger: Logger | undefined,
  ) {}

  /** The thread's heap figures, or undefined while it is not running (or it ended meanwhile). */
  async heap(): Promise<MediaThreadHeap | undefined> {
    const worker = this.worker;
    if (!worker) return undefined;
    try {
      const stats = await worker.getHeapStatistics();
      return {
        thread: this.index,
        used: stats.used_heap_size,
        total: stats.total_heap_size,
        external: stats.external_memory,
      };
    } catch {
      return undefined; // the thread ended between the check and the answer
    }
  }

  get load(): number {
    return this.calls.size + this.opening.size;
  }

  open(localAddress: string): Promise<ThreadedMedia> {
    const call = this.nextCall++;
    return new Promise((resolve, reject) => {
      this.opening.set(call, { resolve, reject });
      this.post({ op: 'open', call, localAddress });
    });
  }

  post(message: ToMediaThread): void {
    this.out.post(message);
  }

  /** The call has its snapshot (or lost its thread): the thread no longer counts it. */
  forget(call: number): void {
    this.calls.delete(call);
    this.unrefWhenIdle();
  }

  /** A thread without calls must not keep the process alive. */
  private unrefWhenIdle(): void {
    if (this.load === 0) this.worker?.unref();
  }

  async close(): Promise<void> {
    if (!this.worker && !this.out.pending) return;
    await new Promise<void>((resolve) => {
      this.closing = { done: resolve };
      this.post({ op: 'close' });
    });
    const worker = this.worker;
    this.worker = undefined;
    this.closing = undefined;
    await worker?.terminate();
    this.lose(new Error('the media threads were closed'));
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const workerData: MediaThreadData = {
      rtpPorts: this.ports,
      pacer: this.pacer,
      debug: this.logger?.isLevelEnabled('debug') ?? false,
    };
    const worker = new Worker(mediaThreadFile(), { workerData, name: `voicecast-media-${this.index}` });
    worker.on('message', (batch: FromMediaThread[]) => {
      for (const message of batch) this.receive(message);
    });
    worker.on('error', (err) => this.logger?.error({ err, thread: this.index }, 'a media thread failed'));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return; // closed
      this.worker = undefined;
      this.closing?.done();
      this.logger?.error(
        { code, thread: this.index, calls: this.load },
        'a media thread ended; its calls lost their media',
      );
      this.lose(new Error(`media thread ${this.index} ended (exit code ${code})`));
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Everything waiting on a thread that is gone resolves or rejects now. */
  private lose(error: Error): void {
    const opening = [...this.opening.values()];
    const calls = [...this.calls.values()];
    this.opening.clear();
    this.calls.clear();
    for (const { reject } of opening) reject(error);
    for (const media of calls) media.lost();
  }

  private receive(message: FromMediaThread): void {
    switch (message.op) {
      case 'log':
        this.logger?.[message.level]({ ...message.fields, thread: this.index }, message.msg);
        return;
      case 'closed':
        this.closing?.done();
        return;
      case 'opened': {
        const opening = this.opening.get(message.call);
        if (!opening) return;
        this.opening.delete(message.call);
        const media = new ThreadedMedia(this, message.call, message.port, message.startedAt);
        this.calls.set(message.call, media);
        opening.resolve(media);
        return;
      }
      case 'refused': {
        const opening = this.opening.get(message.call);
        this.opening.delete(message.call);
        this.unrefWhenIdle();
        opening?.reject(revive(message.error));
        return;
      }
      case 'played':
        this.calls.get(message.call)?.played(message.play, message.error);
        return;
      case 'dtmf':
        this.calls.get(message.call)?.dtmf(message.digit);
        return;
      case 'amd':
        this.calls.get(message.call)?.amd(message.event);
        return;
      case 'finished':
        this.calls.get(message.call)?.finished(message.snapshot);
        return;
    }
  }
}

/** How long `finish()` waits for the thread's answer (normally well under a millisecond). */
const FINISH_TIMEOUT_MS = 5000;

/** Audio shared with the threads: each message is copied once, not once per call. */
const sharedAudio = new WeakMap<Int16Array, Int16Array>();

function shareable(pcm: Int16Array): Int16Array {
  if (pcm.buffer instanceof SharedArrayBuffer) return pcm;
  let shared = sharedAudio.get(pcm);
  if (!shared) {
    shared = new Int16Array(new SharedArrayBuffer(pcm.byteLength));
    shared.set(pcm);
    sharedAudio.set(pcm, shared);
  }
  return shared;
}

interface Playing {
  readonly play: number;
  readonly done: () => void;
  readonly fail: (error: Error) => void;
}

/** A call's RTP session living in a media thread, as the SIP side sees it. */
class ThreadedMedia implements CallMedia {
  onDtmf?: (digit: DtmfDigit) => void;
  onAmd?: (event: CallAmdEvent) => void;
  private remoteSet = false;
  private playing: Playing | undefined;
  private plays = 0;
  private finishing: Promise<MediaSnapshot> | undefined;
  private resolveFinish: ((snapshot: MediaSnapshot) => void) | undefined;
  private gone = false;

  constructor(
    private readonly thread: MediaThread,
    private readonly call: number,
    readonly localPort: number,
    private readonly startedAt: number,
  ) {}

  setRemote(remote: RtpRemote): void {
    checkRtpPort(remote.port);
    this.remoteSet = true;
    this.send({ op: 'remote', call: this.call, remote: { ...remote } });
  }

  setSending(sending: boolean): void {
    this.send({ op: 'sending', call: this.call, sending });
  }

  play(pcm: Int16Array, signal?: AbortSignal): Promise<void> {
    if (this.finishing || signal?.aborted) return Promise.resolve();
    if (!this.remoteSet) return Promise.reject(new Error('RtpSession.play() before setRemote()'));
    if (this.playing) return Promise.reject(new Error('RtpSession.play() while already playing'));
    if (pcm.length === 0) return Promise.resolve();
    const play = (this.plays += 1);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.stopPlaying();
        this.send({ op: 'stop', call: this.call });
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.playing = {
        play,
        done: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.send({ op: 'play', call: this.call, play, pcm: shareable(pcm) });
    });
  }

  startRecording(maxMs?: number): void {
    this.send({ op: 'record', call: this.call, ...(maxMs === undefined ? {} : { maxMs }) });
  }

  detectMachine(settings: Partial<AmdSettings> = {}): void {
    this.send({ op: 'detect', call: this.call, settings: { ...settings } });
  }

  stopMachineDetection(): void {
    this.send({ op: 'detect-stop', call: this.call });
  }

  detectEarlyMedia(settings: Partial<AmdSettings> = {}): void {
    this.send({ op: 'detect-early', call: this.call, settings: { ...settings } });
  }

  finish(): Promise<MediaSnapshot> {
    if (this.finishing) return this.finishing;
    this.stopPlaying();
    this.finishing = new Promise<MediaSnapshot>((resolve) => {
      // A thread that never answers (stuck, not dead) must not hold the call's end forever.
      const timer = setTimeout(() => {
        this.thread.logger?.error({ localPort: this.localPort }, 'a media thread did not finish a call in time');
        this.thread.forget(this.call);
        resolve(this.emptySnapshot());
      }, FINISH_TIMEOUT_MS);
      timer.unref();
      this.resolveFinish = (snapshot) => {
        clearTimeout(timer);
        resolve(snapshot);
      };
    });
    this.thread.post({ op: 'finish', call: this.call });
    return this.finishing;
  }

  /** From the thread: playback `play` ended; `error` if the thread's session refused it, which rejects the play as a session here would. */
  played(play: number, error: SerializedError | undefined): void {
    const playing = this.playing;
    if (playing?.play !== play) return; // aborted here already
    this.playing = undefined;
    if (error) playing.fail(revive(error));
    else playing.done();
  }

  dtmf(digit: DtmfDigit): void {
    try {
      this.onDtmf?.(digit);
    } catch (err) {
      this.thread.logger?.warn({ err }, 'onDtmf handler threw');
    }
  }

  amd(event: CallAmdEvent): void {
    try {
      this.onAmd?.(event);
    } catch (err) {
      this.thread.logger?.warn({ err }, 'onAmd handler threw');
    }
  }

  finished(snapshot: MediaSnapshot): void {
    this.thread.forget(this.call);
    this.resolveFinish?.(snapshot);
  }

  /** The thread is gone: nothing more will come from it, and nothing more goes to it. */
  lost(): void {
    this.gone = true;
    this.stopPlaying();
    if (this.resolveFinish) this.resolveFinish(this.emptySnapshot());
    else this.finishing = Promise.resolve(this.emptySnapshot());
  }

  /** What a call whose thread is gone produced, as far as this thread knows: nothing. */
  private emptySnapshot(): MediaSnapshot {
    return {
      stats: { packetsSent: 0, octetsSent: 0, packetsReceived: 0, packetsLost: 0, jitterMs: 0 },
      recording: new Int16Array(0),
      dtmf: [],
      startedAt: this.startedAt,
    };
  }

  private stopPlaying(): void {
    const playing = this.playing;
    this.playing = undefined;
    playing?.done();
  }

  private send(message: ToMediaThread): void {
    if (this.finishing || this.gone) return;
    this.thread.post(message);
  }
}
