/**
 * Delay before retry number `attempt` (1-based) of a rejected submission: exponential from `base`,
 * capped at `max`, with "equal jitter" (half fixed, half random) so a crowd of clients rejected
 * together does not come back together.
 */
export function retryDelay(attempt: number, base: number, max: number, random: () => number = Math.random): number {
  const ceiling = Math.min(max, base * 2 ** (attempt - 1))
  return ceiling / 2 + random() * (ceiling / 2)
}
