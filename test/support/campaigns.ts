/**
 * Campaign building blocks for the integration tests, made through the API (a trunk, an
 * audio message, a contact list), and a Temporal client on the test stack's server to
 * look at the campaign workflows the API starts.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { call } from './api';
import { uploadAudio } from './audio';
import { uploadContacts } from './contact-lists';
import { readStack } from './stack';
import { buildWav, encodeSamples, sine } from './wav-builder';

export interface CampaignParts {
  readonly trunkId: string;
  readonly audioId: string;
  readonly contactListId: string;
  /** E.164 numbers of the list, in file order. */
  readonly phones: readonly string[];
}

async function created(res: Response, what: string): Promise<{ id: string }> {
  if (res.status !== 201) throw new Error(`creating the ${what} failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}

/**
 * A trunk pointing at a port where nothing listens, a 1-second message and a list of
 * `contacts` Berlin numbers, all owned by the holder of `token`.
 */
export async function campaignParts(token: string, contacts = 5): Promise<CampaignParts> {
  const trunk = await created(
    await call('POST', '/api/v1/trunks', {
      token,
      body: { name: `trunk-${randomUUID().slice(0, 8)}`, host: '127.0.0.1', port: 9, callerIdNumber: '+4930999999' },
    }),
    'trunk',
  );
  const wav = buildWav({ tag: 1, bits: 16, channels: 1, sampleRate: 8000 }, encodeSamples([sine(440, 8000, 1)], 1, 16));
  const audio = await created(await uploadAudio({ token, bytes: wav, name: 'hello' }), 'audio message');
  const phones = Array.from({ length: contacts }, (_, i) => `+4930${String(1_234_000 + i)}`);
  const list = await created(
    await uploadContacts(token, `phone,name\n${phones.map((p, i) => `${p},Person ${i}`).join('\n')}\n`),
    'contact list',
  );
  return { trunkId: trunk.id, audioId: audio.id, contactListId: list.id, phones };
}

/**
 * A calling window that is closed now and for the next hours (it opens in three hours, for
 * one hour, every day, in UTC): a started campaign waits in it and places no call, whether
 * or not the worker can dial.
 */
export function closedWindow(now = new Date()): { days: string[]; from: string; to: string; timezone: string } {
  const at = (hours: number) => {
    const d = new Date(now.getTime() + hours * 3_600_000);
    return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  };
  return { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: at(3), to: at(4), timezone: 'UTC' };
}

/** A Temporal client on the test stack's server; close its connection when done. */
export async function temporalClient(): Promise<{ client: Client; close: () => Promise<void> }> {
  const { temporal } = readStack();
  const connection = await Connection.connect({ address: temporal.address });
  return { client: new Client({ connection, namespace: temporal.namespace }), close: () => connection.close() };
}
