/**
 * Renders swap progress events as one cli-progress bar per side and phase,
 * for the `vboom swap-images` command. Returns the event handler and a stop
 * function that clears the bars.
 */
import cliProgress from 'cli-progress'
import type { SwapProgressEvent } from '../events.js'

export interface ProgressRenderer {
  onProgress: (e: SwapProgressEvent) => void
  stop: () => void
}

export function createProgressBars(stream: NodeJS.WriteStream = process.stderr): ProgressRenderer {
  const multi = new cliProgress.MultiBar(
    {
      stream,
      clearOnComplete: false,
      hideCursor: true,
      format: ' {side} {phase} [{bar}] {percentage}% {doneMiB}/{totalMiB} MiB {note}',
    },
    cliProgress.Presets.shades_classic,
  )
  // cli-progress replaces the whole payload on update: keep it per bar
  const bars = new Map<string, { bar: cliProgress.SingleBar; payload: Record<string, string> }>()
  const mib = (n: number): string => (n / 2 ** 20).toFixed(1)
  return {
    onProgress: (e) => {
      if (e.type === 'note') {
        multi.log(`${e.role}: ${e.message}\n`)
        return
      }
      const key = `${e.role}:${e.phase}`
      if (e.type === 'phase-start') {
        const payload = {
          side: e.role.toUpperCase(),
          phase: e.phase.padEnd(8),
          doneMiB: '0.0',
          totalMiB: mib(e.total),
          note: '',
        }
        bars.set(key, { bar: multi.create(Math.max(1, e.total), 0, payload), payload })
        return
      }
      const b = bars.get(key)
      if (b === undefined) return
      if (e.type === 'progress') {
        b.payload.doneMiB = mib(e.done)
        b.bar.update(Math.min(e.done, e.total), b.payload)
      } else {
        b.payload.doneMiB = b.payload.totalMiB!
        b.payload.note = `${(e.ms / 1000).toFixed(2)} s`
        b.bar.update(b.bar.getTotal(), b.payload)
        bars.delete(key)
      }
    },
    stop: () => multi.stop(),
  }
}
