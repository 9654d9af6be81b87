/** Retry rules per outcome, as the API takes and shows them (campaign/retry-policy.ts decides with them). */

/**
 * How one outcome is retried. Naming an outcome retries it, whether or not `retryOn` lists it.
 * Give `delaySeconds` (the same wait every time) or `delays` (the wait after attempt 1, 2, …;
 * the last repeats), or neither (the campaign's `retryDelaySeconds`).
 */
export interface OutcomeRetryDto {
  /**
   * Seconds between an attempt with this outcome and the retry.
   * @isInt
   * @minimum 0
   * @maximum 604800
   */
  delaySeconds?: number;
  /**
   * Escalating waits in seconds: `delays[0]` after attempt 1, `delays[1]` after attempt 2, …; the last one repeats. 0 to 604800 each.
   * @minItems 1
   * @maxItems 20
   */
  delays?: number[];
  /**
   * After an attempt with this outcome the contact is called again only while it has had
   * fewer attempts than this; the campaign's `maxAttempts` bounds it too.
   * @isInt
   * @minimum 1
   * @maximum 20
   */
  maxAttempts?: number;
}

/**
 * Retry rules per outcome. Only the outcomes that can be retried may be named; an outcome
 * left out follows `retryOn` and `retryDelaySeconds`.
 */
export interface RetryByOutcomeDto {
  busy?: OutcomeRetryDto;
  no_answer?: OutcomeRetryDto;
  unavailable?: OutcomeRetryDto;
  failed?: OutcomeRetryDto;
}
