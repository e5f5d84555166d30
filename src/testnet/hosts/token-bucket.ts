/**
 * A token bucket in virtual time (the generic cell rate algorithm): instead
 * of counting tokens it keeps the theoretical time the bucket is empty again,
 * so a request learns at once when it may pass and callers sleep until then.
 * The emulated mode's disk and network limits are these. A rate of Infinity
 * never holds anything.
 */
export class TokenBucket {
  /** When the bucket would be full again, ms (performance.now() scale). */
  private tat = 0

  /**
   * @param ratePerSecond units (bytes, operations) per second
   * @param burstSeconds how much may pass at once, in seconds of the rate
   */
  constructor(
    readonly ratePerSecond: number,
    readonly burstSeconds: number,
  ) {}

  /** Earliest time (ms) at which a request may pass, given now. */
  availableAt(now: number): number {
    if (this.ratePerSecond === Infinity) return now
    return Math.max(now, this.tat - this.burstSeconds * 1000)
  }

  /** Charges `amount` units passing at time `at` (ms). */
  commit(amount: number, at: number): void {
    if (this.ratePerSecond === Infinity) return
    this.tat = Math.max(this.tat, at) + (amount / this.ratePerSecond) * 1000
  }
}

/** The time (ms) at which a request charged to several buckets passes; charges them all at that time. */
export function reserve(
  charges: readonly (readonly [TokenBucket | undefined, number])[],
  now: number,
): number {
  let at = now
  for (const [bucket, _] of charges) if (bucket !== undefined) at = Math.max(at, bucket.availableAt(now))
  for (const [bucket, amount] of charges) bucket?.commit(amount, at)
  return at
}
