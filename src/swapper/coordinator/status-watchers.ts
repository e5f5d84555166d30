/**
 * Callers waiting for a swap's status to change (the coordinators' long
 * poll): the in-process LevelCoordinator and the anchor's share this. A
 * coordinator admits a wait first (the state machine's `admitWatch`: how
 * long, how many per swap), and calls `changed` after every durable
 * transition; a waiter is answered then, at once when what it saw is already
 * stale, or with the status as it is when its wait runs out.
 */
export class StatusWatchers<S> {
  private readonly bySwap = new Map<string, Set<(s: S) => void>>()

  constructor(
    /** Whether two statuses record the same state. */
    private readonly same: (x: S, y: S) => boolean,
  ) {}

  /** Waits open on one swap. */
  count(swapId: string): number {
    return this.bySwap.get(swapId)?.size ?? 0
  }

  /** The status once it differs from `seen` (read with `read`), at most `waitMs` from now. */
  wait(swapId: string, seen: S, waitMs: number, read: () => Promise<S>): Promise<S> {
    const set = this.bySwap.get(swapId) ?? new Set()
    this.bySwap.set(swapId, set)
    return new Promise<S>((resolve, reject) => {
      const wake = (s: S): void => {
        clearTimeout(timer)
        set.delete(wake)
        resolve(s)
      }
      const timer = setTimeout(() => {
        set.delete(wake)
        read().then(resolve, reject)
      }, waitMs)
      set.add(wake)
      // registered before reading: a transition landing meanwhile wakes it
      read().then((now) => {
        if (!this.same(now, seen)) wake(now)
      }, reject)
    })
  }

  /** Answers every wait on `swapId` with `s`, its status after a transition. */
  changed(swapId: string, s: S): void {
    const set = this.bySwap.get(swapId)
    if (set === undefined) return
    this.bySwap.delete(swapId)
    for (const wake of set) wake(s)
  }

  /** Answers every wait with its swap's status as `read` gives it (a coordinator closing). */
  async release(read: (swapId: string) => Promise<S>): Promise<void> {
    for (const swapId of [...this.bySwap.keys()]) this.changed(swapId, await read(swapId))
  }
}
