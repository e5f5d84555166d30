/**
 * Small text formats the view shares: durations, byte counts, rates,
 * profiles, and cells cut or padded to a width.
 */
import type { HostProfile } from '../hosts/index.js'

/** `m:ss`, or `h:mm:ss` from an hour. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`
}

/** MiB with one decimal (swap sizes are disk sizes: binary). */
export const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1)

export function rate(value: number, unit: string): string {
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${unit}`
}

/** `disk w 18 r 50 MB/s · 300 IOPS · cpu 0.5 · net 20 Mbit/s 15 ms`: the limits set, in the profile's units. */
export function profileText(p: HostProfile): string {
  const parts: string[] = []
  const disk: string[] = []
  if (p.diskWriteMBps !== undefined) disk.push(`w ${p.diskWriteMBps}`)
  if (p.diskReadMBps !== undefined) disk.push(`r ${p.diskReadMBps}`)
  if (disk.length > 0) parts.push(`disk ${disk.join(' ')} MB/s`)
  const iops: string[] = []
  if (p.diskWriteIops !== undefined) iops.push(`w ${p.diskWriteIops}`)
  if (p.diskReadIops !== undefined) iops.push(`r ${p.diskReadIops}`)
  if (iops.length > 0) parts.push(`IOPS ${iops.join(' ')}`)
  if (p.cpuCores !== undefined) parts.push(`cpu ${p.cpuCores}`)
  if (p.cpuMachineShare !== undefined) parts.push(`cpu ${Math.round(p.cpuMachineShare * 100)}%`)
  if (p.netMbit !== undefined || p.netDownMbit !== undefined) {
    const down = p.netDownMbit !== undefined && p.netDownMbit !== p.netMbit ? `/${p.netDownMbit}` : ''
    parts.push(`net ${p.netMbit ?? '-'}${down} Mbit/s`)
  }
  if (p.netDelayMs !== undefined) parts.push(`${p.netDelayMs} ms`)
  return parts.length === 0 ? 'unlimited' : parts.join(' · ')
}

/** `text` cut to `width` (an ellipsis marks the cut) and padded to it. */
export function cell(text: string, width: number): string {
  if (width <= 0) return ''
  const chars = [...text]
  if (chars.length > width) return `${chars.slice(0, width - 1).join('')}\u2026`
  return text + ' '.repeat(width - chars.length)
}

/** `text` cut to `width`, not padded. */
export function cut(text: string, width: number): string {
  const chars = [...text]
  return chars.length > width ? `${chars.slice(0, Math.max(0, width - 1)).join('')}\u2026` : text
}
