/**
 * Retries `attempt` with capped exponential backoff until it succeeds or `deadlineMs` has
 * passed, for dependencies that may be briefly away: a container stack still coming up,
 * object storage restarting.
 */
export async function retryUntil<T>(
  attempt: () => Promise<T>,
  options: { deadlineMs: number; onRetry?: (err: unknown, delayMs: number) => void },
): Promise<T> {
  const deadline = Date.now() + options.deadlineMs;
  let delay = 250;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() + delay > deadline) throw err;
      options.onRetry?.(err, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }
}
