/**
 * A campaign's answering-machine detection setting (campaign/machine-detection.ts) as the
 * telephony engine's request (telephony/call-types.ts).
 */
import type { MachineDetectionSetting } from '../campaign/machine-detection.js';
import type { MachineDetectionRequest } from '../telephony/call-types.js';

/** The engine's request; undefined when detection is off. `machineAudio` is the setting's copy, read already. */
export function detectionRequest(
  setting: MachineDetectionSetting | null,
  machineAudio: Int16Array | undefined,
): MachineDetectionRequest | undefined {
  if (setting === null || setting.mode === 'off') return undefined;
  return {
    mode: setting.mode,
    settings: { ...setting.timings },
    unknownAs: setting.unknownAs,
    onHuman: setting.onHuman === 'hang_up' ? 'hang_up' : 'play',
    onMachine: setting.onMachine === 'hang_up' ? 'hang_up' : 'play',
    ...(setting.onMachine === 'play_audio' && machineAudio ? { machineAudio } : {}),
  };
}
