/**
 * External calls for the ingest tests (REST, gRPC, agent): a valid call with unique ids, and
 * small WAV recordings.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { encodeWav } from '../../telephony/media/wav';

/** A fresh E.164 number in Berlin's range. */
export const berlinNumber = (): string => `+4930${randomInt(20_000_000, 99_999_999)}`;

/** A valid `POST /api/v1/calls` body: an answered inbound call of 1 min, a fresh external id. */
export function externalCall(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    source: 'pbx-test',
    externalId: `${Date.now()}.${randomUUID().slice(0, 8)}`,
    direction: 'inbound',
    from: berlinNumber(),
    to: '201',
    startAt: '2026-12-05T12:00:00.000Z',
    answerAt: '2026-12-05T12:00:05.000Z',
    endAt: '2026-12-05T12:01:05.000Z',
    disposition: 'answered',
    tags: ['support'],
    fields: { channel: 'PJSIP/trunk-00000042' },
    ...overrides,
  };
}

/** A mono 8 kHz 16-bit WAV of `seconds` of a tone at `hz`. */
export function toneWav(seconds: number, hz = 440): Buffer {
  const pcm = Int16Array.from({ length: Math.round(8000 * seconds) }, (_, i) =>
    Math.round(6000 * Math.sin((2 * Math.PI * hz * i) / 8000)),
  );
  return Buffer.from(encodeWav(pcm, 8000));
}
