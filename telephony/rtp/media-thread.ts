/**
 * A media thread's code (started by media-threads.ts): RTP sessions, their sockets and a
 * pacer over this thread's share of the port range, driven by the messages of
 * media-protocol.ts. Log lines go back to the engine's thread, which writes them.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { LocalMedia } from './local-media.js';
import {
  MessageBatcher,
  serializeError,
  serializeFields,
  type FromMediaThread,
  type LogLevel,
  type MediaThreadData,
  type ToMediaThread,
} from './media-protocol.js';
import type { RtpLogger, RtpSession } from './rtp-session.js';

interface Call {
  readonly session: RtpSession;
  /** Aborts the playback in progress. */
  playback: AbortController | undefined;
}

function serve(port: MessagePort, data: MediaThreadData): void {
  const out = new MessageBatcher<FromMediaThread>((batch, transfer) => port.postMessage(batch, transfer));
  const post = (message: FromMediaThread, transfer?: ArrayBuffer[]) => out.post(message, transfer);
  const line =
    (level: LogLevel) =>
    (fields: unknown, msg?: string): void => {
      if (level === 'debug' && !data.debug) return;
      const plain = typeof fields === 'object' && fields !== null ? (fields as Record<string, unknown>) : {};
      post({
        op: 'log',
        level,
        fields: serializeFields(plain),
        msg: msg ?? (typeof fields === 'string' ? fields : ''),
      });
    };
  const logger: RtpLogger = {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
  };
  const media = new LocalMedia({ rtpPorts: data.rtpPorts, pacer: data.pacer, logger });
  const calls = new Map<number, Call>();

  const handle = (message: ToMediaThread): void => {
    if (message.op === 'close') {
      void media.close().then(() => post({ op: 'closed' }));
      return;
    }
    const { call } = message;
    if (message.op === 'open') {
      media.open(message.localAddress).then(
        (session) => {
          calls.set(call, { session, playback: undefined });
          session.onDtmf = (digit) => post({ op: 'dtmf', call, digit });
          post({ op: 'opened', call, port: session.localPort, startedAt: session.startedAt });
        },
        (error: unknown) => post({ op: 'refused', call, error: serializeError(error) }),
      );
      return;
    }
    const entry = calls.get(call);
    if (!entry) return; // finished already
    switch (message.op) {
      case 'remote':
        entry.session.setRemote(message.remote);
        return;
      case 'sending':
        entry.session.setSending(message.sending);
        return;
      case 'record':
        entry.session.startRecording(message.maxMs);
        return;
      case 'detect':
        entry.session.onAmd = (event) => post({ op: 'amd', call, event });
        entry.session.detectMachine(message.settings);
        return;
      case 'detect-stop':
        entry.session.stopMachineDetection();
        return;
      case 'detect-early':
        entry.session.onAmd = (event) => post({ op: 'amd', call, event });
        entry.session.detectEarlyMedia(message.settings);
        return;
      case 'play': {
        const controller = new AbortController();
        entry.playback = controller;
        const { play } = message;
        entry.session.play(message.pcm, controller.signal).then(
          () => post({ op: 'played', call, play }),
          (error: unknown) => post({ op: 'played', call, play, error: serializeError(error) }),
        );
        return;
      }
      case 'stop':
        entry.playback?.abort();
        return;
      case 'finish':
        calls.delete(call);
        void entry.session.finish().then((snapshot) => {
          post({ op: 'finished', call, snapshot }, [snapshot.recording.buffer as ArrayBuffer]);
          // Decoded into the snapshot: the track's codes are not read again (291 kB for 30 s).
          entry.session.releaseRecording();
        });
        return;
    }
  };

  port.on('message', (batch: ToMediaThread[]) => {
    for (const message of batch) {
      try {
        handle(message);
      } catch (err) {
        logger.error({ err, op: message.op }, 'a media thread command failed');
      }
    }
  });
}

if (!parentPort) throw new Error('media-thread.js runs as a worker thread (see media-threads.ts)');
serve(parentPort, workerData as MediaThreadData);
