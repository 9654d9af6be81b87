import { decideAfterAttempt } from './retry-policy';
import {
  MACHINE_DETECTION_DEFAULTS,
  machineDetectionProblems,
  type MachineDetectionSetting,
} from './machine-detection';

const setting = (extra: Partial<MachineDetectionSetting> = {}): MachineDetectionSetting => ({
  mode: 'detect',
  ...MACHINE_DETECTION_DEFAULTS,
  ...extra,
});

describe('machineDetectionProblems', () => {
  it('accepts the defaults', () => expect(machineDetectionProblems(setting())).toEqual([]));

  it('wants an audio for play_audio, and none otherwise', () => {
    expect(machineDetectionProblems(setting({ onMachine: 'play_audio' }))).toEqual([
      ['machineAudioId', 'is required when onMachine is play_audio'],
    ]);
    expect(machineDetectionProblems(setting({ machineAudioId: 'a' }))).toEqual([
      ['machineAudioId', 'is only used when onMachine is play_audio'],
    ]);
  });

  it('keeps the timings in range and the greeting inside the analysis time', () => {
    expect(
      machineDetectionProblems(setting({ timings: { greetingMs: 799, maxWaitMs: 5000.5 } })).map((p) => p[0]),
    ).toEqual(['greetingMs', 'maxWaitMs']);
    expect(machineDetectionProblems(setting({ timings: { greetingMs: 3000, totalAnalysisMs: 3000 } }))).toEqual([
      ['greetingMs', 'must be shorter than totalAnalysisMs'],
    ]);
  });
});

describe('retrying machines', () => {
  const policy = { maxAttempts: 2, retryDelaySeconds: 60, retryOn: ['busy' as const] };
  const end = new Date('2026-12-06T12:00:00Z');

  it('an answered call is done, a machine too unless the policy retries machines', () => {
    expect(decideAfterAttempt(policy, 1, 'answered', end, true)).toEqual({ kind: 'done', outcome: 'answered' });
    expect(decideAfterAttempt({ ...policy, retryMachines: true }, 1, 'answered', end, false).kind).toBe('done');
    expect(decideAfterAttempt({ ...policy, retryMachines: true }, 1, 'answered', end, true)).toEqual({
      kind: 'retry',
      at: new Date('2026-12-06T12:01:00Z'),
    });
    // maxAttempts still bounds it.
    expect(decideAfterAttempt({ ...policy, retryMachines: true }, 2, 'answered', end, true).kind).toBe('done');
  });
});
