/**
 * One outbound call: INVITE, wait for an answer (CANCEL after the ring timeout), play the
 * message over RTP, record the callee, hang up, report.
 *
 *   INVITE ─▶ 1xx ─▶ 2xx ── answered: play ─▶ BYE (message played | max call length | aborted)
 *     │        │             └─ remote BYE (hungUpBy: them)
 *     │        └─ ring timeout / abort ─▶ CANCEL ─▶ 487 (no_answer / cancelled)
 *     └─ final error ─▶ outcome from the SIP code; no final response ─▶ unavailable
 *
 * Every path ends: a hard deadline (ring timeout + max call length + SIP timer B) tears
 * the session down whatever the far end does.
 */
import { Inviter, SessionState, UserAgent, type Bye, type Core, type Info } from 'sip.js';
import type { Logger } from '../lib/logger.js';
import { ABORTED_BEFORE_DIALLING } from '../campaign/journal-codes.js';
import type { CallOutcome } from '../campaign/outcomes.js';
import type { CallEvent, CallResult, DialRequest } from './call-types.js';
import { encodeWav } from './media/wav.js';
import { recordingLimitMs } from './rtp/recording-buffer.js';
import { MAX_DTMF_DIGITS, type DtmfDigit } from './rtp/rtp-session.js';
import { sipHost } from './sip/addressing.js';
import { parseInfoDtmf } from './sip/info-dtmf.js';
import { outcomeForCancelled, outcomeForFinalResponse } from './sip/outcome.js';
import { realmRefusal } from './sip/realm.js';
import { RtpDescriptionHandler } from './sip/rtp-description-handler.js';
import { checkCallerIdText, displayNameContent } from './sip/sip-text.js';
import type { UserAgents } from './user-agents.js';

/**
 * Why playback stops. A reason given to `abort()` spares the DOMException (and its stack
 * trace) `abort()` makes otherwise, once per call; playback only looks at `aborted`.
 */
const PLAYBACK_STOPPED = 'call ending';

/** SIP timer B (64 × T1): how long an INVITE transaction may go without a final response. */
const TIMER_B_MS = 32_000;

/** The part of a sip.js response the call needs. */
interface FinalResponse {
  readonly message: { readonly statusCode?: number; readonly reasonPhrase?: string };
}

interface CallState {
  outcome?: CallOutcome;
  sipCode?: number;
  sipReason?: string;
  ringing?: Date;
  answer?: Date;
  hungUpBy?: 'us' | 'them';
  endReason?: string;
  cancelReason?: 'ring_timeout' | 'aborted';
  /** A 1xx arrived: from then on CANCEL can go out and the call ends with the INVITE's final response. */
  provisional?: boolean;
  /** SIP INFO key presses with their epoch ms; made into `DtmfDigit`s (ms from the answer) at the end. */
  infoDigits: { readonly digit: string; readonly at: number }[];
  /** The transport refused the INVITE: nothing reached the gateway. */
  inviteNotSent?: boolean;
}

/**
 * sip.js keeps a call's INVITE client for 32 s after the call (timer M, to ACK a
 * retransmitted 2xx again), and through the client's delegate and its dialog's, the whole
 * session: our media handler, the RTP session, this call's closures. Neither delegate has
 * work left once the session is over, so both go: a call then leaves about 12 KB for those
 * 32 s instead of 23 KB (heap snapshots), and `make bench-sip` places about a tenth more
 * calls per second, the garbage collector having less to move. The only thing the
 * client's delegate still did — ACK and BYE a 2xx that arrives after the session ended
 * (another fork, or after a CANCEL) — its replacement does.
 */
function letGoOfSession(inviter: Inviter): void {
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

export async function dial(
  userAgents: UserAgents,
  request: DialRequest,
  signal?: AbortSignal,
  logger?: Logger,
): Promise<CallResult> {
  const invite = new Date();
  const emit = (event: CallEvent) => {
    try {
      request.onEvent?.(event);
    } catch (err) {
      logger?.warn({ err }, 'call event handler failed');
    }
  };
  const early = (outcome: CallOutcome, endReason: string): CallResult => {
    const end = new Date();
    emit({ type: 'ended', at: end, outcome });
    return { outcome, endReason, times: { invite, end }, dtmf: [], inviteSent: false };
  };

  if (signal?.aborted) return early('cancelled', ABORTED_BEFORE_DIALLING);
  const { trunk } = request;
  const target = UserAgent.makeURI(
    `sip:${encodeURIComponent(request.destination)}@${sipHost(trunk.host)}:${trunk.port}${trunk.transport === 'tcp' ? ';transport=tcp' : ''}`,
  );
  if (!target || !/^\+?[0-9*#]{1,32}$/.test(request.destination))
    return early('invalid_number', 'not a dialable number');

  const callerId = request.callerId ?? trunk.callerId;
  try {
    checkCallerIdText(callerId); // the trunk's own fields are checked when its user agent is made
  } catch (err) {
    return early('failed', err instanceof Error ? err.message : String(err));
  }

  let userAgent: UserAgent;
  try {
    userAgent = await userAgents.get(trunk);
  } catch (err) {
    logger?.warn({ err, trunkId: trunk.id }, 'trunk unreachable');
    return early('unavailable', `trunk unreachable: ${err instanceof Error ? err.message : String(err)}`);
  }

  const state: CallState = { infoDigits: [] };
  const inviter = new Inviter(userAgent, target, {
    params: {
      fromUri: `sip:${encodeURIComponent(callerId.number)}@${sipHost(trunk.host)}`,
      ...(callerId.displayName ? { fromDisplayName: displayNameContent(callerId.displayName) } : {}),
    },
    earlyMedia: false,
    delegate: {
      onBye: (bye: Bye) => {
        state.hungUpBy ??= 'them';
        state.endReason ??= 'remote hang-up';
        void bye.accept().catch(() => undefined);
      },
      onInfo: (info: Info) => {
        const digit = parseInfoDtmf(info.request.getHeader('content-type') ?? '', info.request.body);
        void info.accept().catch(() => undefined);
        if (!digit || state.infoDigits.length >= MAX_DTMF_DIGITS) return; // bounded per call, as RTP's (F12)
        const at = new Date();
        state.infoDigits.push({ digit, at: at.getTime() });
        emit({ type: 'dtmf', at, digit });
      },
    },
  });
  const callId = inviter.request.callId;
  const log = logger?.child({ callId, trunkId: trunk.id });

  return new Promise<CallResult>((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    const playback = new AbortController();
    let settled = false;

    const hangUp = (reason: string) => {
      state.hungUpBy ??= 'us';
      state.endReason ??= reason;
      playback.abort(PLAYBACK_STOPPED);
      if (inviter.state === SessionState.Established) inviter.bye().catch(() => inviter.dispose());
    };
    const cancel = (reason: 'ring_timeout' | 'aborted') => {
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
        void finish();
      }
    };
    const onAbort = () => (state.answer ? hangUp('aborted') : cancel('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });

    const finish = async () => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      signal?.removeEventListener('abort', onAbort);
      playback.abort(PLAYBACK_STOPPED);
      const sdh = inviter.sessionDescriptionHandler;
      const media = sdh instanceof RtpDescriptionHandler ? await sdh.finish() : undefined;
      if (sdh instanceof RtpDescriptionHandler && sdh.refusal) {
        // The answer's media address is one the policy refuses: sip.js ACKed and hung up, no RTP went out.
        state.outcome = 'failed';
        state.endReason = sdh.refusal;
      }
      const end = new Date();
      const outcome = state.outcome ?? (state.answer ? 'answered' : 'unavailable');
      // Both kinds of digit as ms since the answer (RTP ones count from the session's opening, INFO ones are epoch ms).
      const answeredAt = (state.answer ?? invite).getTime();
      const dtmf = [
        ...(media?.dtmf ?? []).map((d) => ({ ...d, atMs: Math.max(0, media!.startedAt + d.atMs - answeredAt) })),
        ...state.infoDigits.map(({ digit, at }): DtmfDigit => ({
          digit,
          atMs: Math.max(0, at - answeredAt),
          durationMs: 0,
          source: 'sip-info',
        })),
      ].sort((a, b) => a.atMs - b.atMs);
      emit({ type: 'ended', at: end, outcome });
      log?.info({ outcome, sipCode: state.sipCode, endReason: state.endReason }, 'call ended');
      resolve({
        outcome,
        ...(state.sipCode !== undefined ? { sipCode: state.sipCode, sipReason: state.sipReason ?? '' } : {}),
        callId,
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
      });
    };

    const onAnswered = async (response: FinalResponse) => {
      state.answer = new Date();
      state.outcome = 'answered';
      state.sipCode = response.message.statusCode ?? 200;
      state.sipReason = response.message.reasonPhrase ?? 'OK';
      emit({ type: 'answered', at: state.answer, sipCode: state.sipCode });
      const sdh = inviter.sessionDescriptionHandler;
      if (!(sdh instanceof RtpDescriptionHandler)) return hangUp('no media session');
      const rtp = await sdh.session();
      // As long as the call can last: the message's length (it hangs up after the last frame), at most maxCallMs.
      if (request.record) rtp.startRecording(recordingLimitMs((request.audio.length * 1000) / 8000, request.maxCallMs));
      rtp.onDtmf = (digit) => emit({ type: 'dtmf', at: new Date(), digit: digit.digit });
      timers.push(setTimeout(() => hangUp('max call length'), request.maxCallMs));
      try {
        await rtp.play(request.audio, playback.signal);
        if (!playback.signal.aborted) hangUp('message played');
      } catch (err) {
        log?.warn({ err }, 'playback failed');
        hangUp('playback failed');
      }
    };

    inviter.stateChange.addListener((next) => {
      if (next !== SessionState.Terminated) return;
      void finish();
      letGoOfSession(inviter);
    });
    timers.push(setTimeout(() => cancel('ring_timeout'), request.ringTimeoutMs));
    timers.push(
      setTimeout(
        () => {
          log?.warn('hard deadline reached, tearing the session down');
          state.endReason ??= 'hard deadline';
          void inviter.dispose().finally(() => void finish());
        },
        request.ringTimeoutMs + request.maxCallMs + TIMER_B_MS,
      ),
    );

    inviter
      .invite({
        requestDelegate: {
          onTrying: () => {
            state.provisional = true;
            emit({ type: 'trying', at: new Date(), sipCode: 100 });
          },
          onProgress: (response) => {
            state.provisional = true;
            const code = response.message.statusCode;
            if ((code === 180 || code === 183) && !state.ringing) {
              state.ringing = new Date();
              emit({ type: 'ringing', at: state.ringing, sipCode: code });
            }
          },
          onAccept: (response) => void onAnswered(response),
          onReject: (response) => {
            state.sipCode = response.message.statusCode ?? 500;
            state.sipReason = response.message.reasonPhrase ?? '';
            state.outcome =
              state.cancelReason && state.sipCode === 487
                ? outcomeForCancelled(state.cancelReason)
                : outcomeForFinalResponse(state.sipCode);
            state.endReason ??= realmRefusal(response.message, trunk.realm) ?? `${state.sipCode} ${state.sipReason}`;
          },
        },
      })
      .catch((err: unknown) => {
        log?.warn({ err }, 'INVITE could not be sent');
        state.outcome = 'unavailable';
        state.inviteNotSent = true;
        state.endReason = `INVITE not sent: ${err instanceof Error ? err.message : String(err)}`;
        void finish();
      });
  });
}
