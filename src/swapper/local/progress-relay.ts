/**
 * Progress events on their way out of an agent process, at most one per
 * phase every RELAY_INTERVAL_MS. Each IPC message cost ~0.35 ms of the agent's
 * CPU here (a write to the channel and a wake-up of the parent), ~30 ms per
 * GiB indexed at 1 % steps, on cores that indexing keeps busy; a progress bar
 * needs no more than ~20 updates a second. The first and the last progress of
 * a phase always go out, and a held one goes out before any other event, so
 * the order of events is kept.
 */
import type { SwapProgressEvent } from '../events.js'

type Progress = Extract<SwapProgressEvent, { type: 'progress' }>

export const RELAY_INTERVAL_MS = 50

export class ProgressRelay {
  private held: Progress | null = null
  private timer: NodeJS.Timeout | undefined
  /** When progress of each phase last went out (ms, monotonic). */
  private readonly sentAt = new Map<string, number>()

  constructor(
    private readonly send: (e: SwapProgressEvent) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(e: SwapProgressEvent): void {
    if (e.type !== 'progress') {
      this.flush()
      this.send(e)
      return
    }
    const key = `${e.role}:${e.phase}`
    const last = this.sentAt.get(key)
    const wait = last === undefined ? 0 : last + RELAY_INTERVAL_MS - this.now()
    if (e.done >= e.total || wait <= 0) {
      // another phase's held progress first: events leave in the order they came
      if (this.held !== null && `${this.held.role}:${this.held.phase}` !== key) this.flush()
      this.drop()
      this.sentAt.set(key, this.now())
      this.send(e)
      return
    }
    if (this.held !== null && `${this.held.role}:${this.held.phase}` !== key) this.flush()
    this.held = e
    this.timer ??= setTimeout(() => this.flush(), wait)
  }

  /** Sends the held progress event, if any. */
  flush(): void {
    const e = this.held
    this.drop()
    if (e !== null) {
      this.sentAt.set(`${e.role}:${e.phase}`, this.now())
      this.send(e)
    }
  }

  private drop(): void {
    this.held = null
    clearTimeout(this.timer)
    this.timer = undefined
  }
}
