/**
 * One outbound call that may be placed (dial.ts checked the number, the caller ID and the
 * trunk): INVITE, wait for an answer (CANCEL after the ring timeout), play the message over
 * RTP, record the callee, hang up, report.
 *
 *   INVITE ─▶ 1xx ─▶ 2xx ── answered: [detect] ─▶ play ─▶ BYE (message played | max call length | aborted)
 *     │        │             └─ remote BYE (hungUpBy: them)
 *     │        └─ ring timeout / abort ─▶ CANCEL ─▶ 487 (no_answer / cancelled)
 *     └─ final error ─▶ outcome from the SIP code; no final response ─▶ unavailable
 *
 * Each arrow is a method: `invite()` ─▶ `onTrying()` / `onProgress()` (ringing) ─▶
 * `onAnswered()` ─▶ `play()` ─▶ `hangUp()`; `onRejected()`, `cancel()`, `onRemoteBye()`;
 * all end in `finish()`, which builds the result once. The call's state is its fields.
 *
 * Every path ends: a hard deadline (ring timeout + max call length + SIP timer B) tears
 * the session down whatever the far end does.
 */
import { Inviter, SessionState, type Bye, type Core, type Info, type URI, type UserAgent } from 'sip.js';
import type { Logger } from '../lib/logger.js';
import {
  ANSWER_HOLD_MS,
  type CallEvent,
  type CallResult,
  type DialRequest,
  type MachineDetectionResult,
  type TrunkConfig,
} from './call-types.js';
import { withTimeout } from '../lib/timeout.js';
import { detectionLimitMs, detectOnAnswer, type Detected } from './amd/detect-on-answer.js';
import { encodeWav } from './media/wav.js';
import type { MediaSnapshot } from './rtp/call-media.js';
import { recordingLimitMs } from './rtp/recording-buffer.js';
import { MAX_DTMF_DIGITS, type DtmfDigit } from './rtp/rtp-session.js';
import { sipHost } from './sip/addressing.js';
import { parseInfoDtmf } from './sip/info-dtmf.js';
import type { CallOutcome } from '../campaign/outcomes.js';
import { outcomeForCancelled, outcomeForFinalResponse } from './sip/outcome.js';
import { realmRefusal } from './sip/realm.js';
import { RtpDescriptionHandler } from './sip/rtp-description-handler.js';
import { displayNameContent } from './sip/sip-text.js';

/**
 * Why playback stops. A reason given to `abort()` spares the DOMException (and its stack
 * trace) `abort()` makes otherwise, once per call; playback only looks at `aborted`.
 */
const PLAYBACK_STOPPED = 'call ending';

/** SIP timer B (64 × T1): how long an INVITE transaction may go without a final response. */
const TIMER_B_MS = 32_000;

/** Why a call is cancelled before it was answered. */
type CancelReason = 'ring_timeout' | 'aborted';

interface CallState {
  outcome?: CallOutcome;
  sipCode?: number;
  sipReason?: string;
  ringing?: Date;
  answer?: Date;
  hungUpBy?: 'us' | 'them';
  endReason?: string;
  cancelReason?: CancelReason;
  /** A 1xx arrived: from then on CANCEL can go out and the call ends with the INVITE's final response. */
  provisional?: boolean;
  /** SIP INFO key presses with their epoch ms; made into `DtmfDigit`s (ms from the answer) at the end. */
  infoDigits: { readonly digit: string; readonly at: number }[];
  /** The transport refused the INVITE: nothing reached the gateway. */
  inviteNotSent?: boolean;
  /** When the 2xx arrived (the journal hook's time); the call is answered only once sip.js accepted it. */
  answering?: Date;
  machineDetection?: MachineDetectionResult;
  /** A 183 with SDP started listening to early media for answering-machine detection. */
  earlyMedia?: boolean;
}

/** What an outbound call is placed with, once dial.ts found it may be placed. */
export interface OutboundCallSetup {
  /** The trunk's connected (and, if asked, registered) user agent. */
  readonly userAgent: UserAgent;
  /** The Request-URI: the destination at the trunk. */
  readonly target: URI;
  /** The caller ID, checked (the campaign's, else the trunk's). */
  readonly callerId: TrunkConfig['callerId'];
  readonly request: DialRequest;
  /** When dialling began: the result's `times.invite`. */
  readonly invite: Date;
  /** Aborting it CANCELs (before the answer) or hangs up (after it). */
  readonly signal?: AbortSignal | undefined;
  readonly logger?: Logger | undefined;
}

/** Gives the caller an event; a handler that throws is logged, never breaks the call. */
export function emitCallEvent(request: DialRequest, event: CallEvent, logger: Logger | undefined): void {
  try {
    request.onEvent?.(event);
  } catch (err) {
    logger?.warn({ err }, 'call event handler failed');
  }
}

/**
 * sip.js keeps a call's INVITE client for 32 s after the call (timer M, to ACK a
 * retransmitted 2xx again), and through the client's delegate and its dialog's, the whole
 * session: our media handler, the RTP session, this call's object. Neither delegate has
 * work left once the session is over, so both go: a call then leaves about 12 KB for those
 * 32 s instead of 23 KB (heap snapshots), and `make bench-sip` places about a tenth more
 * calls per second, the garbage collector having less to move. The only thing the
 * client's delegate still did — ACK and BYE a 2xx that arrives after the session ended
 * (another fork, or after a CANCEL) — its replacement does.
 */
function releaseEndedSession(inviter: Inviter): void {
  const client = (inviter as unknown as { outgoingInviteRequest?: Core.OutgoingInviteRequest }).outgoingInviteRequest;
  if (client) {
    client.delegate = {
      onAccept: (late) => {
        late.ack();
        late.session.bye();
      },
    };
  }
  if (inviter.dialog) inviter.dialog.delegate = undefined;
}

/** One call from its INVITE to its result; {@link OutboundCall.start} once. */
export class OutboundCall {
  private readonly inviter: Inviter;
  /** The call's logger (Call-ID, trunk); `setup.logger` for what concerns the caller. */
  private readonly log: Logger | undefined;
  private readonly state: CallState = { infoDigits: [] };
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly playback = new AbortController();
  private settled = false;
  private resolve: (result: CallResult) => void = () => undefined;

  constructor(private readonly setup: OutboundCallSetup) {
    const { trunk } = setup.request;
    const { callerId } = setup;
    this.inviter = new Inviter(setup.userAgent, setup.target, {
      params: {
        fromUri: `sip:${encodeURIComponent(callerId.number)}@${sipHost(trunk.host)}`,
        ...(callerId.displayName ? { fromDisplayName: displayNameContent(callerId.displayName) } : {}),
      },
      earlyMedia: false,
      delegate: {
        onBye: (bye: Bye) => this.onRemoteBye(bye),
        onInfo: (info: Info) => this.onInfo(info),
      },
    });
    this.log = setup.logger?.child({ callId: this.inviter.request.callId, trunkId: trunk.id });
    this.holdAckForTheJournal();
  }

  /**
   * sip.js ACKs a 2xx inside its own `onAccept`, before our request delegate hears of it. The
   * caller's `onAnswering` (the journal's answer row) runs first, so every call we ACK is
   * known: a process killed before the row committed sends no ACK, the gateway ends that
   * call, and the attempt's retry may dial again without the callee having been ours twice.
   * Bounded by ANSWER_HOLD_MS; a failing or slow hook is logged and the call goes on.
   */
  private holdAckForTheJournal(): void {
    const hook = this.setup.request.onAnswering;
    if (!hook) return;
    const inviter = this.inviter as unknown as { onAccept(response: Core.IncomingResponse): Promise<void> };
    const accept = inviter.onAccept.bind(this.inviter);
    inviter.onAccept = async (response) => {
      this.state.answering ??= new Date();
      try {
        await withTimeout(hook(this.state.answering), ANSWER_HOLD_MS, 'answer not journalled in time');
      } catch (err) {
        this.log?.warn({ err }, 'ACK sent before the answer was journalled');
      }
      return accept(response);
    };
  }

  /** Places the call; resolves when it has ended, whatever happened. Never rejects. */
  start(): Promise<CallResult> {
    const { request, signal } = this.setup;
    return new Promise<CallResult>((resolve) => {
      this.resolve = resolve;
      signal?.addEventListener('abort', this.onAbort, { once: true });
      this.inviter.stateChange.addListener((next) => {
        if (next !== SessionState.Terminated) return;
        void this.finish();
        releaseEndedSession(this.inviter);
      });
      this.timers.push(setTimeout(() => this.cancel('ring_timeout'), request.ringTimeoutMs));
      this.timers.push(setTimeout(() => this.tearDown(), request.ringTimeoutMs + request.maxCallMs + TIMER_B_MS));
      this.invite();
    });
  }

  private emit(event: CallEvent): void {
    emitCallEvent(this.setup.request, event, this.setup.logger);
  }

  /** Sends the INVITE; its responses drive the call from here. */
  private invite(): void {
    this.inviter
      .invite({
        requestDelegate: {
          onTrying: () => this.onTrying(),
          onProgress: (response) => this.onProgress(response),
          onAccept: (response) => void this.onAnswered(response),
          onReject: (response) => this.onRejected(response),
        },
      })
      .catch((err: unknown) => this.onInviteNotSent(err));
  }

  private onTrying(): void {
    this.state.provisional = true;
    this.emit({ type: 'trying', at: new Date(), sipCode: 100 });
  }

  /** A 1xx other than 100: ringing on 180 or 183 (early media is not played, but may be listened to). */
  private onProgress(response: Core.IncomingResponse): void {
    const { state } = this;
    state.provisional = true;
    const code = response.message.statusCode;
    if ((code === 180 || code === 183) && !state.ringing) {
      state.ringing = new Date();
      this.emit({ type: 'ringing', at: state.ringing, sipCode: code });
    }
    if (code === 183) this.listenToEarlyMedia(response);
  }

  /**
   * With answering-machine detection on, a 183's SDP points the RTP session at the early
   * media and the detector hears it (early-media-amd.ts): a carrier that plays the voicemail
   * greeting before its 200 OK. Receiving only; the first such 183 counts.
   */
  private listenToEarlyMedia(response: Core.IncomingResponse): void {
    const detection = this.setup.request.machineDetection;
    const sdh = this.inviter.sessionDescriptionHandler;
    const { message } = response;
    if (!detection || this.state.earlyMedia || !message.body || !(sdh instanceof RtpDescriptionHandler)) return;
    if (!sdh.hasDescription(message.getHeader('content-type') ?? '')) return;
    this.state.earlyMedia = true;
    sdh.listenEarly(message.body).then(
      (rtp) => {
        if (rtp && !this.state.answer && !this.settled) rtp.detectEarlyMedia(detection.settings ?? {});
      },
      (err: unknown) => this.log?.warn({ err }, 'listening to early media failed'),
    );
  }

  /** The callee answered: record, play the message, hang up after its last frame (or at the maximum call length). */
  private async onAnswered(response: Core.IncomingResponse): Promise<void> {
    const { state } = this;
    // The time the journal hook was given, if it held the ACK: row and result agree. A 2xx
    // sip.js refused after the hook (no common codec…) never gets here and is no answer.
    state.answer = state.answering ?? new Date();
    state.outcome = 'answered';
    state.sipCode = response.message.statusCode ?? 200;
    state.sipReason = response.message.reasonPhrase ?? 'OK';
    this.emit({ type: 'answered', at: state.answer, sipCode: state.sipCode });
    // Aborted while the ACK was held: the BYE could not go out before the dialog was confirmed.
    if (this.playback.signal.aborted) return this.hangUp(state.endReason ?? 'aborted');
    const sdh = this.inviter.sessionDescriptionHandler;
    if (!(sdh instanceof RtpDescriptionHandler)) return this.hangUp('no media session');
    await this.play(sdh);
  }

  private async play(sdh: RtpDescriptionHandler): Promise<void> {
    const { request } = this.setup;
    const rtp = await sdh.session();
    const detection = request.machineDetection;
    // As long as the call can last: detection, then the longest audio it may play (it hangs
    // up after the last frame), at most maxCallMs.
    const audioMs = (Math.max(request.audio.length, detection?.machineAudio?.length ?? 0) * 1000) / 8000;
    const detectionMs = detection ? detectionLimitMs(detection) : 0;
    if (request.record) rtp.startRecording(recordingLimitMs(audioMs + detectionMs, request.maxCallMs));
    rtp.onDtmf = (digit) => this.emit({ type: 'dtmf', at: new Date(), digit: digit.digit });
    this.timers.push(setTimeout(() => this.hangUp('max call length'), request.maxCallMs));
    let decided: Detected | undefined;
    if (detection) {
      decided = await detectOnAnswer(rtp, detection, request.audio, this.playback.signal, this.log);
      // Acted on: the detector would otherwise decode every packet until the greeting's end
      // (`detect` mode) for nobody; make bench-sip with BENCH_AMD=1 prices what is left. Only
      // a call taken for a person while waiting for the greeting's end listens on, for a beep.
      if (!decided.lateBeep) rtp.stopMachineDetection();
    }
    let audio = request.audio;
    try {
      for (;;) {
        if (decided) {
          this.state.machineDetection = decided.result;
          if (this.playback.signal.aborted) return decided.lateBeep?.stop();
          if (decided.audio === null)
            return this.hangUp(`answering-machine detection: hung up on a ${decided.result.treatedAs}`);
          audio = decided.audio;
        }
        const late = await this.playUnlessBeep(rtp, audio, decided?.lateBeep);
        if (!late) break;
        decided = late; // a voicemail after all: its action, from the start, after the beep
      }
      if (!this.playback.signal.aborted) this.hangUp('message played');
    } catch (err) {
      decided?.lateBeep?.stop();
      this.log?.warn({ err }, 'playback failed');
      this.hangUp('playback failed');
    }
  }

  /** Plays `audio`; a late beep meanwhile stops it and is returned (the revised decision). */
  private async playUnlessBeep(
    rtp: Awaited<ReturnType<RtpDescriptionHandler['session']>>,
    audio: Int16Array,
    lateBeep: Detected['lateBeep'],
  ): Promise<Detected | undefined> {
    if (!lateBeep) {
      await rtp.play(audio, this.playback.signal);
      return undefined;
    }
    const beep = new AbortController();
    let revised: Detected | undefined;
    void lateBeep.heard.then((late) => {
      revised = late;
      beep.abort();
    });
    try {
      await rtp.play(audio, AbortSignal.any([this.playback.signal, beep.signal]));
    } finally {
      lateBeep.stop();
    }
    return revised;
  }

  /** A final response other than 2xx: the outcome comes from its code (487 after our CANCEL: the cancel's reason). */
  private onRejected(response: Core.IncomingResponse): void {
    const { state } = this;
    state.sipCode = response.message.statusCode ?? 500;
    state.sipReason = response.message.reasonPhrase ?? '';
    state.outcome =
      state.cancelReason && state.sipCode === 487
        ? outcomeForCancelled(state.cancelReason)
        : outcomeForFinalResponse(state.sipCode);
    state.endReason ??=
      realmRefusal(response.message, this.setup.request.trunk.realm) ?? `${state.sipCode} ${state.sipReason}`;
  }

  /** The transport refused the INVITE: nothing reached the gateway. */
  private onInviteNotSent(err: unknown): void {
    const { state } = this;
    this.log?.warn({ err }, 'INVITE could not be sent');
    state.outcome = 'unavailable';
    state.inviteNotSent = true;
    state.endReason = `INVITE not sent: ${err instanceof Error ? err.message : String(err)}`;
    void this.finish();
  }

  private onRemoteBye(bye: Bye): void {
    this.state.hungUpBy ??= 'them';
    this.state.endReason ??= 'remote hang-up';
    void bye.accept().catch(() => undefined);
  }

  /** A key pressed as SIP INFO (RFC 4733 ones come from the RTP session). */
  private onInfo(info: Info): void {
    const { state } = this;
    const digit = parseInfoDtmf(info.request.getHeader('content-type') ?? '', info.request.body);
    void info.accept().catch(() => undefined);
    if (!digit || state.infoDigits.length >= MAX_DTMF_DIGITS) return; // bounded per call, as RTP's (F12)
    const at = new Date();
    state.infoDigits.push({ digit, at: at.getTime() });
    this.emit({ type: 'dtmf', at, digit });
  }

  /** The caller's signal: CANCEL while ringing, BYE once answered. A field, to be removed again. */
  private readonly onAbort = (): void => (this.state.answer ? this.hangUp('aborted') : this.cancel('aborted'));

  /** Ends an answered call from our side (BYE); the first reason given is the one reported. */
  private hangUp(reason: string): void {
    const { state, inviter } = this;
    state.hungUpBy ??= 'us';
    state.endReason ??= reason;
    this.playback.abort(PLAYBACK_STOPPED);
    if (inviter.state === SessionState.Established) inviter.bye().catch(() => inviter.dispose());
  }

  /** Gives up on a call not yet answered (CANCEL). */
  private cancel(reason: CancelReason): void {
    const { state, inviter } = this;
    if (state.answer || state.cancelReason) return;
    state.cancelReason = reason;
    state.endReason = reason === 'ring_timeout' ? 'ring timeout' : 'aborted while ringing';
    // sip.js holds the CANCEL back until a provisional response arrives (RFC 3261 §9.1),
    // and ACKs and BYEs a 2xx that comes after it.
    inviter.cancel().catch(() => inviter.dispose());
    if (!state.provisional) {
      // Nothing at all from the gateway yet: waiting for timer B (32 s) would keep the
      // caller's slot busy long after its ring timeout. The call ends now; sip.js finishes
      // the transaction in the background.
      state.outcome = reason === 'aborted' ? 'cancelled' : 'unavailable';
      state.endReason =
        reason === 'aborted' ? 'aborted before any response' : 'no response from the gateway before the ring timeout';
      void this.finish();
    }
  }

  /** The hard deadline: whatever the far end does, the session goes. */
  private tearDown(): void {
    this.log?.warn('hard deadline reached, tearing the session down');
    this.state.endReason ??= 'hard deadline';
    void this.inviter.dispose().finally(() => void this.finish());
  }

  /** Ends the call once: stops timers and playback, collects the media, resolves the result. */
  private async finish(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    this.timers.forEach(clearTimeout);
    this.setup.signal?.removeEventListener('abort', this.onAbort);
    this.playback.abort(PLAYBACK_STOPPED);
    const { state } = this;
    const sdh = this.inviter.sessionDescriptionHandler;
    const media = sdh instanceof RtpDescriptionHandler ? await sdh.finish() : undefined;
    if (sdh instanceof RtpDescriptionHandler && sdh.refusal) {
      // The answer's media address is one the policy refuses: sip.js ACKed and hung up, no RTP went out.
      state.outcome = 'failed';
      state.endReason = sdh.refusal;
    }
    const end = new Date();
    const outcome = state.outcome ?? (state.answer ? 'answered' : 'unavailable');
    const dtmf = this.keyPresses(media);
    this.emit({ type: 'ended', at: end, outcome });
    this.log?.info({ outcome, sipCode: state.sipCode, endReason: state.endReason }, 'call ended');
    const { request, invite } = this.setup;
    this.resolve({
      outcome,
      ...(state.sipCode !== undefined ? { sipCode: state.sipCode, sipReason: state.sipReason ?? '' } : {}),
      callId: this.inviter.request.callId,
      times: {
        invite,
        ...(state.ringing ? { ringing: state.ringing } : {}),
        ...(state.answer ? { answer: state.answer } : {}),
        end,
      },
      ...(state.hungUpBy ? { hungUpBy: state.hungUpBy } : {}),
      endReason: state.endReason ?? (state.answer ? 'ended' : 'no final response'),
      ...(state.inviteNotSent ? { inviteSent: false } : {}),
      ...(sdh instanceof RtpDescriptionHandler && sdh.media ? { codec: sdh.media.codec } : {}),
      ...(media && state.answer ? { rtp: media.stats } : {}),
      dtmf,
      ...(media && state.answer && request.record ? { recording: encodeWav(media.recording, 8000) } : {}),
      ...(state.answer && state.machineDetection ? { machineDetection: state.machineDetection } : {}),
    });
  }

  /** Both kinds of digit as ms since the answer (RTP ones count from the session's opening, INFO ones are epoch ms). */
  private keyPresses(media: MediaSnapshot | undefined): DtmfDigit[] {
    const answeredAt = (this.state.answer ?? this.setup.invite).getTime();
    return [
      ...(media?.dtmf ?? []).map((d) => ({ ...d, atMs: Math.max(0, media!.startedAt + d.atMs - answeredAt) })),
      ...this.state.infoDigits.map(({ digit, at }): DtmfDigit => ({
        digit,
        atMs: Math.max(0, at - answeredAt),
        durationMs: 0,
        source: 'sip-info',
      })),
    ].sort((a, b) => a.atMs - b.atMs);
  }
}
