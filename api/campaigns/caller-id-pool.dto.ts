/** A campaign's caller-ID pool, as the API takes and shows it (campaign/caller-id-pool.ts picks from it). */
import type { CallerIdStrategy } from '../../campaign/caller-id-pool.js';

/**
 * Caller-ID numbers a campaign's calls go out with instead of one `callerId`. `rotate`: the
 * number used least today; `local`: a number sharing the callee's country code and as much of
 * the area code as possible, else the least used. A number makes at most `dailyCapPerNumber`
 * calls per UTC day across all your campaigns; when every number is at its cap the call goes
 * out with the campaign's `callerId` (or the trunk's).
 */
export interface CallerIdPoolDto {
  /**
   * 1 to 100 E.164 numbers, each once.
   * @minItems 1
   * @maxItems 100
   */
  numbers: CallerIdPoolNumber[];
  strategy: CallerIdStrategy;
  /**
   * Calls per number per UTC day across all your campaigns (default 200).
   * @isInt
   * @minimum 1
   * @maximum 100000
   */
  dailyCapPerNumber?: number;
}

/**
 * An E.164 number: `+` and 7 to 15 digits.
 * @pattern ^\+[1-9][0-9]{6,14}$
 */
export type CallerIdPoolNumber = string;
