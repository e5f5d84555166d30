/**
 * A snapshot as the terminal shows it: a header, the jobs, the hosts with
 * their profiles, the VMs with their throughput, the swaps with progress
 * bars, and the ledger's last entries. Pure: the same snapshot and width
 * give the same text, so it is tested as a string; colour is optional.
 * Throughput bars of one unit share one scale (the largest host limit or
 * rate of that metric), so VMs compare at a glance.
 */
import { Chalk, type ChalkInstance } from 'chalk'
import type { HostProfile } from '../hosts/index.js'
import type { Metric } from '../workloads/index.js'
import { bar } from './bar.js'
import { FINISHED_SWAPS_SHOWN, LEDGER_LINES, MIN_COLUMNS, STALE_SAMPLE_MS } from './constants.js'
import { cell, cut, duration, mib, profileText, rate } from './format.js'
import type { HostState, SnapshotSwap, TestnetSnapshot, VmState } from './snapshot.js'

export interface RenderOptions {
  /** Columns available. */
  width: number
  /** ANSI colours. Default false. */
  color?: boolean
}

/** A metric's limit on a host, in the sample's unit (MB/s); undefined when not limited or not comparable. */
function hostLimit(p: HostProfile, metric: Metric): number | undefined {
  switch (metric) {
    case 'disk-write':
      return p.diskWriteMBps
    case 'net-send':
      return p.netMbit === undefined ? undefined : p.netMbit / 8
    case 'net-recv': {
      const down = p.netDownMbit ?? p.netMbit
      return down === undefined ? undefined : down / 8
    }
    case 'cpu':
      return undefined
  }
}

function scales(s: TestnetSnapshot): Map<Metric, number> {
  const out = new Map<Metric, number>()
  const raise = (m: Metric, v: number | undefined): void => {
    if (v !== undefined && Number.isFinite(v) && v > (out.get(m) ?? 0)) out.set(m, v)
  }
  for (const vm of s.vms) if (vm.latest !== null) raise(vm.latest.metric, vm.latest.rate)
  const metrics = new Set(s.vms.flatMap((v) => (v.latest === null ? [] : [v.latest.metric])))
  for (const m of metrics) for (const h of s.hosts) raise(m, hostLimit(h.profile, m))
  return out
}

const hostColor = (c: ChalkInstance, st: HostState): ((t: string) => string) =>
  ({ running: c.green, stateless: c.yellow, verifying: c.magenta, booting: c.cyan, idle: c.gray })[st]

const vmColor = (c: ChalkInstance, st: VmState): ((t: string) => string) =>
  ({ running: c.green, swapping: c.yellow, booting: c.cyan, stopped: c.gray })[st]

function swapLines(s: TestnetSnapshot, sw: SnapshotSwap, width: number, c: ChalkInstance): string[] {
  const [a, b] = sw.sides
  const terms = sw.terms === undefined ? '' : `  (${sw.terms})`
  const head = `${sw.id.slice(0, 8)}  ${a.vm} ${a.from} \u2192 ${a.to}  \u21c4  ${b.vm} ${b.from} \u2192 ${b.to}${terms}`
  const finished = sw.phase === 'committed' || sw.phase === 'aborted'
  const elapsed = duration((sw.endedAt ?? s.at) - sw.startedAt)
  const bytes = sw.bytesTotal > 0 ? `  ${mib(sw.bytesDone)}/${mib(sw.bytesTotal)} MiB` : ''
  const pct = `${String(Math.round(sw.progress * 100)).padStart(3)}%`
  const tail = `${pct}${bytes}  ${elapsed}`
  const barWidth = Math.max(10, Math.min(30, width - 2 - 11 - tail.length - 2))
  const colour = sw.phase === 'aborted' ? c.red : finished ? c.green : c.yellow
  const line = `  ${cell(sw.phase, 10)} ${colour(bar(finished ? 1 : sw.progress, barWidth))} ${tail}`
  return [cut(head, width), line]
}

export function renderSnapshot(s: TestnetSnapshot, o: RenderOptions): string {
  const width = Math.max(MIN_COLUMNS, o.width)
  const c = new Chalk({ level: o.color === true ? 1 : 0 })
  const out: string[] = []
  const title = `VBoom testnet${s.scenario === null ? '' : ` \u00b7 ${s.scenario}`} \u00b7 ${s.mode} mode \u00b7 ${duration(s.at - s.startedAt)} elapsed`
  out.push(c.bold(cut(title, width)))
  out.push(c.gray(cut(`  ${s.modeReason}`, width)))

  for (const j of s.jobs) {
    const frac = j.tasksTotal === 0 ? 0 : j.tasksDone / j.tasksTotal
    const time = j.startedAt === null ? 'not started' : duration((j.endedAt ?? s.at) - j.startedAt)
    const tail = `${j.tasksDone}/${j.tasksTotal} tasks, ${j.running} running, ${time}${j.endedAt === null ? '' : ' (done)'}`
    const barWidth = Math.max(10, Math.min(30, width - 18 - tail.length))
    out.push(`job ${cell(j.vm, 12)} ${(j.endedAt === null ? c.cyan : c.green)(bar(frac, barWidth))} ${tail}`)
  }

  out.push('', c.bold('HOSTS'))
  const hostHead = `${cell('host', 14)} ${cell('state', 10)} ${cell('vm', 12)} profile`
  out.push(c.gray(cut(hostHead, width)))
  for (const h of s.hosts) {
    const rest = Math.max(8, width - 14 - 10 - 12 - 3)
    out.push(
      `${cell(h.name, 14)} ${hostColor(c, h.state)(cell(h.state, 10))} ${cell(h.vm ?? '-', 12)} ${cut(profileText(h.profile), rest)}`,
    )
  }

  out.push('', c.bold('VMS'))
  out.push(
    c.gray(
      cut(
        `${cell('vm', 12)} ${cell('owner', 10)} ${cell('host', 14)} ${cell('workload', 13)} throughput`,
        width,
      ),
    ),
  )
  const scale = scales(s)
  for (const vm of s.vms) {
    const left = `${cell(vm.name, 12)} ${cell(vm.owner, 10)} ${cell(vm.host ?? '-', 14)} ${cell(vm.workload ?? '-', 13)} `
    const room = width - [...left].length
    let right: string
    if (vm.state !== 'running' || vm.latest === null) right = vmColor(c, vm.state)(cut(vm.state, room))
    else {
      const l = vm.latest
      const stale = s.at - l.at > STALE_SAMPLE_MS
      const text = `${rate(l.rate, l.unit).padStart(10)}${stale ? ' (stale)' : ''}`
      const barWidth = Math.min(30, room - text.length - 1)
      const b = barWidth >= 5 ? `${c.cyan(bar(l.rate / (scale.get(l.metric) ?? l.rate), barWidth))} ` : ''
      right = b + (stale ? c.dim(cut(text, room)) : cut(text, room))
    }
    out.push(left + right)
  }

  const running = s.swaps.filter((w) => w.endedAt === null)
  const finished = s.swaps.filter((w) => w.endedAt !== null).slice(-FINISHED_SWAPS_SHOWN)
  if (running.length + finished.length > 0) {
    out.push('', c.bold('SWAPS'))
    for (const sw of [...finished, ...running]) out.push(...swapLines(s, sw, width, c))
  }

  if (s.ledger.length > 0) {
    out.push('', c.bold('LEDGER'))
    for (const e of s.ledger.slice(-LEDGER_LINES)) out.push(cut(e.text, width))
  }
  return out.join('\n')
}

/** One line for logs (stdout not a terminal): elapsed, jobs, each VM's rate or state, swaps in progress. */
export function renderPlainLine(s: TestnetSnapshot): string {
  const parts = [`[${duration(s.at - s.startedAt)}]`]
  for (const j of s.jobs)
    parts.push(`job ${j.vm} ${j.tasksDone}/${j.tasksTotal} tasks${j.endedAt === null ? '' : ' done'}`)
  for (const vm of s.vms) {
    const where = vm.host === null ? vm.name : `${vm.name}@${vm.host}`
    parts.push(
      vm.state === 'running' && vm.latest !== null
        ? `${where} ${rate(vm.latest.rate, vm.latest.unit)}`
        : `${where} ${vm.state}`,
    )
  }
  for (const sw of s.swaps.filter((w) => w.endedAt === null))
    parts.push(`swap ${sw.id.slice(0, 8)} ${sw.phase} ${Math.round(sw.progress * 100)}%`)
  return parts.join(' | ')
}
