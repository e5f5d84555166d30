/**
 * Turns a running count (bytes written, units hashed) into a throughput
 * sample every second, reported as `rate` over the interval actually
 * elapsed (timers run late on a loaded machine; the rate stays right).
 */
import { performance } from 'node:perf_hooks'
import { MB, SAMPLE_INTERVAL_MS } from './constants.js'
import type { WorkloadReporter } from './reporter.js'
import { METRIC_UNIT, type Metric } from './status.js'

export class RateMeter {
  private lastCount: number
  private lastAt = performance.now()
  private timer: NodeJS.Timeout | null = null

  constructor(
    private readonly metric: Metric,
    private readonly reporter: WorkloadReporter,
    /** Count so far (a restarted workload continues its total). */
    public total = 0,
    private readonly intervalMs = SAMPLE_INTERVAL_MS,
  ) {
    this.lastCount = total
  }

  add(n: number): void {
    this.total += n
  }

  start(): void {
    if (this.timer !== null) return
    this.lastAt = performance.now()
    this.lastCount = this.total
    this.timer = setInterval(() => this.sample(), this.intervalMs)
  }

  /** Reports the rate since the last sample. */
  sample(): void {
    const now = performance.now()
    const seconds = (now - this.lastAt) / 1000
    if (seconds <= 0) return
    const unit = METRIC_UNIT[this.metric]
    const delta = this.total - this.lastCount
    this.reporter.report({
      type: 'sample',
      metric: this.metric,
      rate: unit === 'MB/s' ? delta / MB / seconds : delta / seconds,
      unit,
      total: this.total,
      intervalS: seconds,
    })
    this.lastAt = now
    this.lastCount = this.total
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }
}
