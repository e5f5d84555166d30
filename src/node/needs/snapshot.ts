/**
 * One reading of the counters the needs learner follows. Roots are
 * parameters so tests read captured trees; a file that is missing (not Linux,
 * no PSI: kernels before 4.20 or booted with psi=0) leaves its part null.
 *
 * The VM's disk is the whole disk under the agent's disk dir (where the
 * workload's data lives). Its interfaces are those backed by a device
 * (`/sys/class/net/<if>/device`: virtio, ENA, a NIC), or when there is none
 * (containers, the testnet's veth pairs) every interface but loopback;
 * bridges and veths beside a real NIC would count its bytes twice.
 */
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type CpuTicks,
  type DiskCounters,
  type NetCounters,
  parseDiskstats,
  parseNetDev,
  parsePressure,
  parseProcStat,
} from './proc-parse.js'

export interface SnapshotSource {
  /** Default /proc. */
  procRoot: string
  /** Default /sys. */
  sysRoot: string
  /** `major:minor` of the VM's disk (diskOfDir), or null to skip disk counters. */
  disk: string | null
}

export interface CounterSnapshot {
  atMs: number
  /** Cumulative `some` stall time per PSI file, µs. */
  psi: { cpu: number | null; io: number | null; memory: number | null }
  cpu: CpuTicks | null
  disk: DiskCounters | null
  net: NetCounters | null
  /** The fastest link of the counted interfaces, Mbit/s (their `speed`), or null when none says. */
  linkMbit: number | null
}

const text = (path: string): Promise<string | null> => readFile(path, 'utf8').catch(() => null)

async function psiTotal(procRoot: string, file: string): Promise<number | null> {
  const t = await text(join(procRoot, 'pressure', file))
  return t === null ? null : (parsePressure(t)?.some.totalUs ?? null)
}

/** `major:minor` of the whole disk holding `dir`, or null when it is not on a block device. */
export async function diskOfDir(dir: string, sysRoot = '/sys'): Promise<string | null> {
  let dev: number
  try {
    dev = (await stat(dir)).dev
  } catch {
    return null
  }
  // Linux's dev_t encoding (glibc gnu_dev_major/minor).
  const major = Math.floor(dev / 256) & 0xfff
  const minor = (dev & 0xff) | (Math.floor(dev / 4096) & ~0xff)
  if (major === 0) return null
  const sys = join(sysRoot, 'dev', 'block', `${major}:${minor}`)
  if ((await text(join(sys, 'partition'))) !== null) {
    const parent = await text(join(sys, '..', 'dev'))
    if (parent !== null) return parent.trim()
  }
  return `${major}:${minor}`
}

async function interfaces(sysRoot: string, names: string[]): Promise<string[]> {
  const real: string[] = []
  for (const n of names) {
    if (n === 'lo') continue
    if (
      await stat(join(sysRoot, 'class', 'net', n, 'device')).then(
        () => true,
        () => false,
      )
    )
      real.push(n)
  }
  return real.length > 0 ? real : names.filter((n) => n !== 'lo')
}

async function linkMbit(sysRoot: string, names: string[]): Promise<number | null> {
  let best: number | null = null
  for (const n of names) {
    const v = Number((await text(join(sysRoot, 'class', 'net', n, 'speed')))?.trim())
    // `speed` is -1 or unreadable (EINVAL) when the driver does not know, as virtio often does not.
    if (Number.isFinite(v) && v > 0) best = Math.max(best ?? 0, v)
  }
  return best
}

export async function takeSnapshot(src: SnapshotSource, atMs: number): Promise<CounterSnapshot> {
  const [cpuPsi, ioPsi, memPsi, statText, diskText, netText] = await Promise.all([
    psiTotal(src.procRoot, 'cpu'),
    psiTotal(src.procRoot, 'io'),
    psiTotal(src.procRoot, 'memory'),
    text(join(src.procRoot, 'stat')),
    src.disk === null ? Promise.resolve(null) : text(join(src.procRoot, 'diskstats')),
    text(join(src.procRoot, 'net', 'dev')),
  ])
  let net: NetCounters | null = null
  let link: number | null = null
  if (netText !== null) {
    const all = parseNetDev(netText)
    const names = await interfaces(src.sysRoot, [...all.keys()])
    if (names.length > 0) {
      net = { rxBytes: 0, rxPackets: 0, txBytes: 0, txPackets: 0 }
      for (const n of names) {
        const c = all.get(n)!
        net.rxBytes += c.rxBytes
        net.rxPackets += c.rxPackets
        net.txBytes += c.txBytes
        net.txPackets += c.txPackets
      }
      link = await linkMbit(src.sysRoot, names)
    }
  }
  return {
    atMs,
    psi: { cpu: cpuPsi, io: ioPsi, memory: memPsi },
    cpu: statText === null ? null : parseProcStat(statText),
    disk: diskText === null || src.disk === null ? null : (parseDiskstats(diskText).get(src.disk) ?? null),
    net,
    linkMbit: link,
  }
}
