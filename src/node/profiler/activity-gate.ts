/**
 * The agent's activity gate: benchmarks measure the machine, so the profiler
 * must not run while something else loads it or stops the VM. A swap (from
 * the agreement to the reboot), a verification (the VM frozen while the
 * anchor's image measures the host) and a probe served to a peer each hold
 * the gate; the profiler measures only while nobody holds it.
 *
 * Holders never wait for a measurement: `acquire` aborts a profiling run in
 * progress and resolves once it has stopped (the sandbox ends a run at its
 * abort within milliseconds), so a swap or a probe is delayed by at most that.
 * Holders do not exclude each other: whether a swap and a probe may overlap
 * is their own business.
 */

export type ActivityKind = 'swap' | 'verification' | 'probe'

export interface ActivityLease {
  readonly kind: ActivityKind
  /** Ends this hold; calling it again is harmless. */
  release(): void
}

/** A profiling run's hold on the gate. */
export interface MeasurementSlot {
  /** Aborts when an activity acquires the gate: stop the run and drop its samples. */
  readonly signal: AbortSignal
  /** Ends the run; calling it again is harmless. */
  end(): void
}

export class ActivityGate {
  private readonly held = new Map<ActivityKind, number>()
  private measuring: { abort: AbortController; ended: Promise<void>; end: () => void } | null = null

  /**
   * Holds the gate for `kind`: no profiling run starts until the lease is
   * released, and one in progress is aborted and waited for.
   */
  async acquire(kind: ActivityKind): Promise<ActivityLease> {
    this.held.set(kind, (this.held.get(kind) ?? 0) + 1)
    let released = false
    const lease: ActivityLease = {
      kind,
      release: () => {
        if (released) return
        released = true
        const n = (this.held.get(kind) ?? 1) - 1
        if (n <= 0) this.held.delete(kind)
        else this.held.set(kind, n)
      },
    }
    const run = this.measuring
    if (run !== null) {
      run.abort.abort()
      await run.ended
    }
    return lease
  }

  /** The kinds holding the gate now (empty when idle). */
  get busy(): ActivityKind[] {
    return [...this.held.keys()]
  }

  /** Whether a profiling run holds the gate now. */
  get measuringNow(): boolean {
    return this.measuring !== null
  }

  /**
   * Starts a profiling run when nothing holds the gate and no other run is in
   * progress; null otherwise.
   */
  tryMeasure(): MeasurementSlot | null {
    if (this.held.size > 0 || this.measuring !== null) return null
    const abort = new AbortController()
    let resolveEnded!: () => void
    const ended = new Promise<void>((r) => {
      resolveEnded = r
    })
    const run = {
      abort,
      ended,
      end: () => {
        if (this.measuring === run) this.measuring = null
        resolveEnded()
      },
    }
    this.measuring = run
    return { signal: abort.signal, end: run.end }
  }
}
