import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import type { Test } from 'tap'
import type { Check } from '../../src/testnet/hosts/verify.js'

/**
 * Whether a measurement shows the limit applied. The machine is shared, so
 * a measurement may fall short of its cap (more for CPU, which CFS shares
 * with every busy process); what must never happen is the cap missing
 * (measured well above it). A delay must never come out shorter than set;
 * it comes out longer by the relay's wait for the CPU, and in emulated mode
 * also by the dialing host's CPU quota stopping the tool itself (checked from
 * the runner every 10 ms, where the kernel's CFS is finer), so its upper
 * bound there is loose.
 */
export function withinBand(c: Check, mode: 'root' | 'emulated'): boolean {
  if (c.unit === 'ms')
    return c.measured >= c.set * 0.8 && c.measured <= (mode === 'root' ? c.set * 1.35 + 2 : c.set * 2.5 + 5)
  const low = c.unit === 'cores' ? 0.2 : 0.5
  return c.measured >= c.set * low && c.measured <= c.set * 1.35
}

export function assertChecks(t: Test, checks: readonly Check[], mode: 'root' | 'emulated'): void {
  for (const c of checks)
    t.ok(
      withinBand(c, mode),
      `${c.host} ${c.metric}: set ${c.set} ${c.unit}, measured ${c.measured.toFixed(2)} (${c.tool})`,
    )
}

const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8' })

/** What the system holds of run `runId` (read from the system, not from the run's records). */
export function systemLeftovers(runId: string): string[] {
  const stem = `vboomtn-${runId}`
  const left: string[] = []
  for (const h of ['cpu', 'blkio'])
    for (const name of readdirSync(`/sys/fs/cgroup/${h}`))
      if (name.startsWith(stem)) left.push(`cgroup ${h}/${name}`)
  const loops = JSON.parse(sh('losetup', ['-J', '-l']) || '{}') as {
    loopdevices?: { name: string; 'back-file': string }[]
  }
  for (const l of loops.loopdevices ?? [])
    if (l['back-file']?.includes(stem)) left.push(`loop ${l.name} ${l['back-file']}`)
  for (const line of sh('ip', ['netns', 'list']).split('\n'))
    if (line.startsWith(stem)) left.push(`netns ${line}`)
  for (const line of sh('cat', ['/proc/self/mountinfo']).split('\n'))
    if (line.includes(`/${stem}/`)) left.push(`mount ${line.split(' ')[4]}`)
  return left
}

/** Names of links of a type in the root namespace. */
export const rootLinks = (type: 'veth' | 'ifb' | 'bridge'): string[] =>
  sh('ip', ['-o', 'link', 'show', 'type', type])
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(': ')[1]?.split('@')[0] ?? '')

export const isAlive = (pid: number): boolean => {
  try {
    const state = sh('cat', [`/proc/${pid}/stat`]).split(') ')[1]?.[0]
    return state !== 'Z' && state !== 'X'
  } catch {
    return false
  }
}
