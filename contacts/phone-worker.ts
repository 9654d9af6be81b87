/**
 * Worker thread of {@link PhoneWorkerPool}: normalises batches of raw values. Messages in:
 * `{ values: string[], defaultCountry?: string }`; out: `PhoneResult[]` in the same order.
 */
import { parentPort } from 'node:worker_threads';
import type { CountryCode } from 'libphonenumber-js/max';
import { normalisePhone, type PhoneResult } from './phone.js';

export interface PhoneBatch {
  readonly values: readonly string[];
  readonly defaultCountry: CountryCode | undefined;
}

parentPort?.on('message', ({ values, defaultCountry }: PhoneBatch) => {
  const results: PhoneResult[] = new Array<PhoneResult>(values.length);
  for (let i = 0; i < values.length; i += 1) results[i] = normalisePhone(values[i], defaultCountry);
  parentPort?.postMessage(results);
});
