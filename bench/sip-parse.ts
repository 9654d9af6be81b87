/**
 * Part (p) of `make bench-sip`: what parsing one SIP message costs, with sip.js's PEG grammar
 * alone and with telephony/sip/fast-grammar.ts in front of it — sip.js's own
 * `Parser.parseMessage` over the messages our engine received from sipp
 * (telephony/sip/fixtures/captured-sip-messages.json). The two alternate round by round, so
 * a busy machine slows both alike; the figure is the median round.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Core } from 'sip.js';
import { repoRoot } from '../scripts/services/paths.js';
import { installFastGrammar } from '../telephony/sip/fast-grammar.js';

const ROUNDS = 9;
const PASSES = 40;

const quiet = { error: () => undefined, warn: () => undefined, log: () => undefined, debug: () => undefined };

function capturedMessages(): string[] {
  const file = join(repoRoot(), 'telephony', 'sip', 'fixtures', 'captured-sip-messages.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { messages: string[] }).messages;
}

/** Microseconds per message for one round of `PASSES` passes over `messages`. */
function round(messages: readonly string[]): number {
  const logger = quiet as unknown as Core.Logger;
  const started = performance.now();
  for (let pass = 0; pass < PASSES; pass++) {
    for (const message of messages) {
      if (!Core.Parser.parseMessage(message, logger)) throw new Error(`not parsed: ${message.slice(0, 60)}`);
    }
  }
  return ((performance.now() - started) * 1000) / (PASSES * messages.length);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Median µs per message with the grammar alone and with the fast parser; leaves the fast parser installed as `fastAfter` says. */
export function parseCost(fastAfter: boolean): { messages: number; grammarUs: number; fastUs: number } {
  const messages = capturedMessages();
  const times = { grammar: [] as number[], fast: [] as number[] };
  for (let n = 0; n <= ROUNDS; n++) {
    for (const mode of ['grammar', 'fast'] as const) {
      installFastGrammar(mode === 'fast');
      const us = round(messages);
      if (n > 0) times[mode].push(us); // round 0 warms the JIT up
    }
  }
  installFastGrammar(fastAfter);
  return { messages: messages.length, grammarUs: median(times.grammar), fastUs: median(times.fast) };
}
