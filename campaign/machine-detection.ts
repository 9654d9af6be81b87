/**
 * A campaign's answering-machine detection setting: what to detect and what to do on each
 * verdict (telephony/amd/ does the detecting). Pure: the API validates with it, the
 * activities turn it into the engine's request.
 */

export const MACHINE_DETECTION_MODES = ['off', 'detect', 'detect_message_end'] as const;
export type MachineDetectionMode = (typeof MACHINE_DETECTION_MODES)[number];

/** The detector's timings a campaign may tune, in ms, with their allowed ranges. */
export const AMD_TIMING_LIMITS = {
  initialSilenceMs: [1000, 10_000],
  greetingMs: [800, 5000],
  afterGreetingSilenceMs: [300, 3000],
  totalAnalysisMs: [2000, 10_000],
  endSilenceMs: [500, 5000],
  maxWaitMs: [5000, 60_000],
  lateBeepMs: [0, 60_000],
} as const;
export type AmdTimingName = keyof typeof AMD_TIMING_LIMITS;

export interface MachineDetectionSetting {
  readonly mode: MachineDetectionMode;
  /** A person answered: play the message, or hang up. */
  readonly onHuman: 'play_message' | 'hang_up';
  /** A machine answered: play the message, play `machineAudioId` (a voicemail copy), or hang up. */
  readonly onMachine: 'play_message' | 'play_audio' | 'hang_up';
  readonly machineAudioId: string | null;
  /** How an `unknown` verdict is treated. */
  readonly unknownAs: 'human' | 'machine';
  /** A call answered by a machine (as treated) counts as not reached: retried like `retryOn` outcomes. */
  readonly retryMachines: boolean;
  /** Detector timings that differ from its defaults. */
  readonly timings: Partial<Record<AmdTimingName, number>>;
}

export const MACHINE_DETECTION_DEFAULTS: Omit<MachineDetectionSetting, 'mode'> = Object.freeze({
  onHuman: 'play_message',
  onMachine: 'play_message',
  machineAudioId: null,
  unknownAs: 'human',
  retryMachines: false,
  timings: {},
});

/** Problems as `[field, message]` pairs (fields relative to the setting); empty when valid. */
export function machineDetectionProblems(setting: MachineDetectionSetting): [field: string, message: string][] {
  const problems: [string, string][] = [];
  if (setting.onMachine === 'play_audio' && !setting.machineAudioId) {
    problems.push(['machineAudioId', 'is required when onMachine is play_audio']);
  }
  if (setting.onMachine !== 'play_audio' && setting.machineAudioId) {
    problems.push(['machineAudioId', 'is only used when onMachine is play_audio']);
  }
  for (const [name, value] of Object.entries(setting.timings) as [AmdTimingName, number | undefined][]) {
    const [min, max] = AMD_TIMING_LIMITS[name];
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      problems.push([name, `must be a whole number of ms from ${min} to ${max}`]);
    }
  }
  const { greetingMs, totalAnalysisMs } = setting.timings;
  if (greetingMs !== undefined && totalAnalysisMs !== undefined && greetingMs >= totalAnalysisMs) {
    problems.push(['greetingMs', 'must be shorter than totalAnalysisMs']);
  }
  return problems;
}
