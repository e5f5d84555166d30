/**
 * Per-peer token bucket: `burst` messages at once, refilled at `perSecond`.
 * Buckets of idle peers are dropped when full again, so memory follows the
 * number of active peers.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
  ) {}

  /** Takes one token for `peer`; false when the peer is over its rate. */
  take(peer: string, nowMs: number): boolean {
    const b = this.buckets.get(peer) ?? { tokens: this.burst, at: nowMs }
    b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.at) / 1000) * this.perSecond)
    b.at = nowMs
    if (b.tokens < 1) {
      this.buckets.set(peer, b)
      return false
    }
    b.tokens -= 1
    this.buckets.set(peer, b)
    return true
  }

  /** Forgets peers whose buckets have refilled: they carry no state worth keeping. */
  prune(nowMs: number): void {
    for (const [peer, b] of this.buckets) {
      if (b.tokens + ((nowMs - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(peer)
    }
  }
}
