/**
 * The parts of a campaign that calls a sipp gateway, made through the API by one owner: a
 * trunk to the gateway, a tone message long enough to outlast what the test does during
 * the call, and a contact list of given E.164 numbers.
 */
import { randomUUID } from 'node:crypto';
import type { SippInstance } from '../../scripts/services/sipp';
import { call } from './api';
import { uploadAudio } from './audio';
import { phoneList } from './contact-lists';
import { buildWav, encodeSamples, sine } from './wav-builder';

export interface GatewayParts {
  readonly trunkId: string;
  readonly audioId: string;
  readonly contactListId: string;
}

async function idOf(res: Response, what: string): Promise<string> {
  if (res.status !== 201) throw new Error(`creating the ${what} failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

export { phoneList };

export async function gatewayParts(
  token: string,
  sipp: SippInstance,
  phones: readonly string[],
  audioSeconds: number,
): Promise<GatewayParts> {
  const trunkBody = {
    name: `gw-${sipp.port}-${randomUUID().slice(0, 8)}`,
    host: '127.0.0.1',
    port: sipp.port,
    callerIdNumber: '+4930000000',
    maxConcurrentCalls: 10,
    maxCallsPerSecond: 20,
  };
  const wav = buildWav(
    { tag: 1, bits: 16, channels: 1, sampleRate: 8000 },
    encodeSamples([sine(440, 8000, audioSeconds)], 1, 16),
  );
  const [trunkId, audioId, contactListId] = await Promise.all([
    call('POST', '/api/v1/trunks', { token, body: trunkBody }).then((res) => idOf(res, 'trunk')),
    uploadAudio({ token, bytes: wav, name: `tone ${audioSeconds}s` }).then((res) => idOf(res, 'audio message')),
    phoneList(token, phones),
  ]);
  return { trunkId, audioId, contactListId };
}
