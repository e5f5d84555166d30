/** Counters shared by the probe's services. */
import { Counter, type Registry } from 'prom-client'

/** A counter registered once per registry (several services may share one). */
export function outcomeCounter(
  metrics: Registry | undefined,
  name: string,
  help: string,
): Counter<'outcome'> | null {
  if (metrics === undefined) return null
  const existing = metrics.getSingleMetric(name) as Counter<'outcome'> | undefined
  return existing ?? new Counter({ name, help, labelNames: ['outcome'], registers: [metrics] })
}
