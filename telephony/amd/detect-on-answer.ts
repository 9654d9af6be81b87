/**
 * Answering-machine detection on an answered call: starts the detector on the call's
 * media, waits until the call knows what to do, and says what to play. The call's own
 * class (outbound-call.ts) plays it or hangs up.
 */
import type { Logger } from '../../lib/logger.js';
import type { MachineDetectionRequest, MachineDetectionResult } from '../call-types.js';
import type { CallMedia } from '../rtp/call-media.js';
import { DEFAULT_AMD_SETTINGS, type AmdMessageEnd } from './amd-detector.js';
import type { CallAmdVerdict } from './early-media-amd.js';

/** Spare time past the detector's own limits before the call gives up on its verdict (a lost media thread). */
const DETECTION_GUARD_MS = 2000;

/** What detection decided: the result, and the audio to play (null: hang up). */
export interface Detected {
  readonly result: MachineDetectionResult;
  readonly audio: Int16Array | null;
  /**
   * detect_message_end on a call treated as human: detection goes on listening for a late
   * beep (`lateBeepMs`) while the message plays. `heard` resolves with the revised decision
   * when one comes; `stop()` ends the listening (the media's detection too).
   */
  readonly lateBeep?: { readonly heard: Promise<Detected>; stop(): void };
}

/** The longest detection may take: the verdict's cap, or the wait for a greeting's end, plus the guard. */
export function detectionLimitMs(detection: MachineDetectionRequest): number {
  const settings = { ...DEFAULT_AMD_SETTINGS, ...detection.settings };
  return (detection.mode === 'detect' ? settings.totalAnalysisMs : settings.maxWaitMs) + DETECTION_GUARD_MS;
}

/** What a decided call does: play the message, play the machine copy, or hang up. */
export function actionFor(
  treatedAs: 'human' | 'machine',
  detection: MachineDetectionRequest,
): MachineDetectionResult['action'] {
  if (treatedAs === 'human') return detection.onHuman === 'play' ? 'message' : 'hung_up';
  if (detection.onMachine === 'hang_up') return 'hung_up';
  return detection.machineAudio ? 'machine_audio' : 'message';
}

/**
 * Runs detection from the answer until the call knows what to do: at a human verdict (or
 * `unknown` taken as human), at any verdict in `detect` mode or when a machine is hung up
 * on, else at the greeting's end. Never waits past {@link detectionLimitMs}; `ending`
 * (the call ending) stops it too, with what is known by then.
 */
export function detectOnAnswer(
  rtp: CallMedia,
  detection: MachineDetectionRequest,
  message: Int16Array,
  ending: AbortSignal,
  log?: Logger,
): Promise<Detected> {
  const started = Date.now();
  const treat = (v: CallAmdVerdict): 'human' | 'machine' => (v.verdict === 'unknown' ? detection.unknownAs : v.verdict);
  return new Promise<Detected>((resolve) => {
    let verdict: CallAmdVerdict | undefined;
    let settled = false;
    const finish = (end?: AmdMessageEnd): void => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      ending.removeEventListener('abort', onEnding);
      rtp.onAmd = undefined;
      const decided = verdict ?? { verdict: 'unknown', cause: 'timeout', atMs: Date.now() - started };
      const treatedAs = treat(decided);
      const action = actionFor(treatedAs, detection);
      const result: MachineDetectionResult = {
        verdict: decided.verdict,
        cause: decided.cause,
        decisionMs: Math.round(decided.atMs),
        treatedAs,
        ...(end ? { greetingEnd: { cause: end.cause, atMs: Math.round(end.atMs) } } : {}),
        ...(end?.beep ? { beep: { endMs: end.beep.endMs, hz: end.beep.hz } } : {}),
        action,
      };
      log?.info({ machineDetection: result }, 'answering-machine detection');
      const audio = audioFor(action, detection, message);
      const watch = treatedAs === 'human' && detection.mode === 'detect_message_end' && !ending.aborted;
      resolve({
        result,
        audio,
        ...(watch ? { lateBeep: watchForLateBeep(rtp, detection, message, result, log) } : {}),
      });
    };
    const onEnding = (): void => finish();
    const guard = setTimeout(onEnding, detectionLimitMs(detection));
    ending.addEventListener('abort', onEnding, { once: true });
    rtp.onAmd = (event) => {
      if (event.kind === 'end') return finish(event.end);
      verdict = event.verdict;
      if (treat(verdict) === 'human' || detection.mode === 'detect' || detection.onMachine === 'hang_up') finish();
    };
    rtp.detectMachine(detection.settings ?? {});
  });
}

function audioFor(
  action: MachineDetectionResult['action'],
  detection: MachineDetectionRequest,
  message: Int16Array,
): Int16Array | null {
  return action === 'hung_up' ? null : action === 'machine_audio' ? detection.machineAudio! : message;
}

/**
 * After a human decision in detect_message_end mode: a beep the detector still hears (it
 * listens up to `lateBeepMs` after the answer) means a voicemail taken for a person; the
 * decision becomes the machine's, with the beep as the greeting's end.
 */
function watchForLateBeep(
  rtp: CallMedia,
  detection: MachineDetectionRequest,
  message: Int16Array,
  first: MachineDetectionResult,
  log?: Logger,
): { heard: Promise<Detected>; stop(): void } {
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    rtp.onAmd = undefined;
    rtp.stopMachineDetection();
  };
  const heard = new Promise<Detected>((resolve) => {
    rtp.onAmd = (event) => {
      if (stopped || event.kind !== 'end' || event.end.cause !== 'beep' || !event.end.beep) return;
      stop();
      const { beep } = event.end;
      const action = actionFor('machine', detection);
      const result: MachineDetectionResult = {
        verdict: 'machine',
        cause: 'beep',
        decisionMs: Math.round(event.end.atMs),
        treatedAs: 'machine',
        greetingEnd: { cause: 'beep', atMs: Math.round(event.end.atMs) },
        beep: { endMs: beep.endMs, hz: beep.hz },
        action,
        revisedFrom: { verdict: first.verdict, cause: first.cause, decisionMs: first.decisionMs },
      };
      log?.info({ machineDetection: result }, 'answering-machine detection: a beep after the human verdict');
      resolve({ result, audio: audioFor(action, detection, message) });
    };
  });
  return { heard, stop };
}
