/**
 * The market view: the fresh adverts of this agent's class, one per VM,
 * expired ones evicted. It also remembers the highest sequence accepted per
 * VM (bounded) so replays and rollbacks are refused even after eviction,
 * and the advert each VM replaced last and when, so a message signed under
 * it just before the replacement can still be matched to it.
 */
import type { Advert } from '../../protocols/advert.js'

/** Enough for a large market; beyond it the oldest-seen VMs' sequences are forgotten. */
const MAX_TRACKED_VMS = 100_000

export class MarketView {
  private readonly adverts = new Map<string, Advert>()
  private readonly sequences = new Map<string, bigint>()
  private readonly replaced = new Map<string, { sequence: bigint; atMs: number }>()

  lastSequence(vm: string): bigint | undefined {
    return this.sequences.get(vm)
  }

  /**
   * The sequence of the advert `vm` replaced last, when that happened at or
   * after `sinceMs` (ms since the epoch); undefined otherwise.
   */
  replacedSequenceSince(vm: string, sinceMs: number): bigint | undefined {
    const r = this.replaced.get(vm)
    return r !== undefined && r.atMs >= sinceMs ? r.sequence : undefined
  }

  /** Keeps an advert that passed validation (its sequence is above the last one), received at `nowMs`. */
  upsert(advert: Advert, nowMs: number = Date.now()): void {
    const previous = this.adverts.get(advert.vm)
    if (previous !== undefined) {
      this.replaced.delete(advert.vm)
      this.replaced.set(advert.vm, { sequence: previous.sequence, atMs: nowMs })
    }
    this.adverts.set(advert.vm, advert)
    this.sequences.delete(advert.vm)
    this.sequences.set(advert.vm, advert.sequence)
    if (this.sequences.size > MAX_TRACKED_VMS) {
      const oldest = this.sequences.keys().next().value
      if (oldest !== undefined) this.sequences.delete(oldest)
    }
    if (this.replaced.size > MAX_TRACKED_VMS) {
      const oldest = this.replaced.keys().next().value
      if (oldest !== undefined) this.replaced.delete(oldest)
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
