/**
 * The market view: the fresh adverts of this agent's class, one per VM,
 * expired ones evicted. It also remembers the highest sequence accepted per
 * VM (bounded) so replays and rollbacks are refused even after eviction.
 */
import type { Advert } from '../../protocols/advert.js'

/** Enough for a large market; beyond it the oldest-seen VMs' sequences are forgotten. */
const MAX_TRACKED_VMS = 100_000

export class MarketView {
  private readonly adverts = new Map<string, Advert>()
  private readonly sequences = new Map<string, bigint>()

  lastSequence(vm: string): bigint | undefined {
    return this.sequences.get(vm)
  }

  /** Keeps an advert that passed validation (its sequence is above the last one). */
  upsert(advert: Advert): void {
    this.adverts.set(advert.vm, advert)
    this.sequences.delete(advert.vm)
    this.sequences.set(advert.vm, advert.sequence)
    if (this.sequences.size > MAX_TRACKED_VMS) {
      const oldest = this.sequences.keys().next().value
      if (oldest !== undefined) this.sequences.delete(oldest)
    }
  }

  /** Drops expired adverts; returns how many. */
  evictExpired(nowMs: number): number {
    let n = 0
    for (const [vm, a] of this.adverts) {
      if (a.expiresAtMs <= nowMs) {
        this.adverts.delete(vm)
        n++
      }
    }
    return n
  }

  get(vm: string): Advert | undefined {
    return this.adverts.get(vm)
  }

  list(): Advert[] {
    return [...this.adverts.values()]
  }

  get size(): number {
    return this.adverts.size
  }
}
