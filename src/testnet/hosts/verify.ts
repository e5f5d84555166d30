/**
 * Verifies a fabric's hosts against their profiles with measurements this
 * project did not write: fio (disk, root mode), the kernel's per-process I/O
 * and CPU counters (/proc/<pid>/io, /proc/<pid>/stat), iperf3 (rate) and
 * sockperf (latency, which it reports as half the round trip). Each check
 * runs a few seconds; only limits a profile sets are checked.
 *
 *   disk   root: fio, direct I/O, in the host's cgroup on its disk; plus the
 *          HostFile API (write) measured by the kernel's counters.
 *          emulated: the HostFile API (fio's I/O does not pass the emulation).
 *   cpu    `yes` in the host; its CPU time over wall time, in cores.
 *   net    iperf3 between a client outside any host and a server in the host,
 *          through the host's advertised address: towards the host (its
 *          download) and with -R (its upload).
 *   delay  sockperf ping-pong through the advertised address: from outside
 *          (expect the host's delay) and from host 0 to each other host
 *          (expect the sum of both delays).
 */
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HostEmulationError } from './errors.js'
import type { Host, HostFabric, HostSpawnOptions } from './host.js'
import { CLOCK_TICKS, readStat } from './proc.js'

export interface Check {
  host: string
  metric: string
  unit: string
  set: number
  measured: number
  /** What measured it. */
  tool: string
}

export interface VerifyOptions {
  /** Seconds each measurement runs. Default 2. */
  seconds?: number
}

/** fio's file in the host's scratch dir, bytes: well under the default 64 MiB scratch. */
const FIO_FILE_BYTES = 32 * 2 ** 20
/** The HostFile load's file, bytes. */
const LOAD_FILE_BYTES = 16 * 2 ** 20
/** Time before a measurement window opens, ms: process start, and the buckets' bursts pass. */
const RAMP_MS = 500
/** How long a tool's server may take to listen, ms. */
const LISTEN_WAIT_MS = 10_000

type Spawner = (command: string, args: readonly string[], opts?: HostSpawnOptions) => ChildProcess

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

interface Done {
  code: number | null
  stdout: string
  stderr: string
}

function finished(child: ChildProcess): Promise<Done> {
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  return new Promise((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new HostEmulationError(
              'TOOL_MISSING',
              `${err.path ?? 'a tool'} is not installed: apt-get install fio iperf3 sockperf`,
            )
          : err,
      ),
    )
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

function kill(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

/** Waits until process `pid` (in whatever namespace it is) listens on `port`, and is `comm`. */
async function listening(pid: number, port: number, comm: string): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`
  const deadline = Date.now() + LISTEN_WAIT_MS
  while (Date.now() < deadline) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm) {
        const tables = ['tcp', 'tcp6'].map((t) => readFileSync(`/proc/${pid}/net/${t}`, 'utf8')).join('\n')
        // state 0A is LISTEN
        if (
          tables
            .split('\n')
            .some((l) => l.trim().split(/\s+/)[1]?.endsWith(hex) && l.trim().split(/\s+/)[3] === '0A')
        )
          return
      }
    } catch {
      // not started yet, or gone (then the tool's own error follows)
    }
    await sleep(50)
  }
  throw new HostEmulationError(
    'TOOL_OUTPUT',
    `${comm} did not listen on port ${port} within ${LISTEN_WAIT_MS} ms`,
  )
}

function parseJson(tool: string, text: string): Record<string, unknown> {
  try {
    return JSON.parse(text.slice(text.indexOf('{'))) as Record<string, unknown>
  } catch (err) {
    throw new HostEmulationError('TOOL_OUTPUT', `${tool} printed no JSON: ${text.slice(0, 300)}`, {
      cause: err,
    })
  }
}

async function runTool(spawner: Spawner, tool: string, args: string[]): Promise<string> {
  const done = await finished(spawner(tool, args))
  if (done.code !== 0)
    throw new HostEmulationError(
      'TOOL_OUTPUT',
      `${tool} ${args.join(' ')} exited ${done.code}: ${done.stderr || done.stdout}`,
    )
  return done.stdout
}

/** fio in the host: bytes/s and IOPS of one job. */
async function fio(
  host: Host,
  rw: string,
  bs: string,
  seconds: number,
): Promise<{ bps: number; iops: number }> {
  const out = await runTool(host.spawn.bind(host), 'fio', [
    '--name=verify',
    `--filename=${join(host.info.scratchDir, 'fio.dat')}`,
    `--size=${FIO_FILE_BYTES}`,
    `--rw=${rw}`,
    `--bs=${bs}`,
    '--direct=1',
    // IOPS need requests in flight: at depth 1 the latency of this loaded disk, not the cap, sets them (155 of 400)
    ...(bs === '4k' ? ['--ioengine=libaio', '--iodepth=16'] : ['--ioengine=psync']),
    '--time_based',
    `--runtime=${seconds}`,
    `--ramp_time=${RAMP_MS / 1000}`,
    '--output-format=json',
  ])
  const job = (parseJson('fio', out).jobs as Record<string, { bw_bytes: number; iops: number }>[])[0]
  const side = job?.[rw.includes('read') ? 'read' : 'write']
  if (side === undefined) throw new HostEmulationError('TOOL_OUTPUT', `fio printed no ${rw} result`)
  return { bps: side.bw_bytes, iops: side.iops }
}

const measureEntry = (): string => {
  const here = fileURLToPath(import.meta.url)
  return join(dirname(here), `measure-main${extname(here)}`)
}

function ioCounters(pid: number): { rchar: number; wchar: number } {
  const text = readFileSync(`/proc/${pid}/io`, 'utf8')
  const get = (k: string): number => Number(new RegExp(`^${k}: (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN)
  return { rchar: get('rchar'), wchar: get('wchar') }
}

/** The HostFile load in the host, measured by the kernel's counters: bytes/s and I/O per second. */
async function hostFileLoad(
  host: Host,
  kind: 'read' | 'write',
  pattern: 'seq' | 'rand',
  block: number,
  seconds: number,
): Promise<{ bps: number; iops: number }> {
  const path = join(host.info.scratchDir, `load-${kind}.dat`)
  if (kind === 'read') await writeFile(path, Buffer.alloc(LOAD_FILE_BYTES, 0x5a), { flush: true })
  // small blocks in flight together, as fio's iodepth, so the cap and not the disk's latency sets IOPS
  const depth = block < 2 ** 20 ? 16 : 1
  const child = host.spawnNode(measureEntry(), [
    kind,
    pattern,
    String(block),
    String(LOAD_FILE_BYTES),
    path,
    String(depth),
  ])
  const done = finished(child)
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout?.once('data', () => resolve())
      done.then(
        (d) => reject(new HostEmulationError('TOOL_OUTPUT', `the disk load exited ${d.code}: ${d.stderr}`)),
        reject,
      )
    })
    await sleep(RAMP_MS)
    const key = kind === 'read' ? 'rchar' : 'wchar'
    const a = ioCounters(child.pid!)[key]
    const t0 = performance.now()
    await sleep(seconds * 1000)
    const b = ioCounters(child.pid!)[key]
    const bps = ((b - a) * 1000) / (performance.now() - t0)
    return { bps, iops: bps / block }
  } finally {
    kill(child)
    await done.catch(() => {})
    await rm(path, { force: true })
  }
}

/** `yes` in the host: cores it gets. */
async function cpuCores(host: Host, seconds: number): Promise<number> {
  const child = host.spawn('yes', [], { stdio: 'ignore' })
  const done = finished(child)
  try {
    await sleep(RAMP_MS)
    const a = readStat(child.pid!)?.cpuTicks ?? Number.NaN
    const t0 = performance.now()
    await sleep(seconds * 1000)
    const b = readStat(child.pid!)?.cpuTicks ?? Number.NaN
    return (b - a) / CLOCK_TICKS / ((performance.now() - t0) / 1000)
  } finally {
    kill(child)
    await done.catch(() => {})
  }
}

/**
 * The service port a tool uses: sockperf the first, iperf3 the last (the
 * agent does not run yet). Apart, since sockperf binds without SO_REUSEADDR
 * and iperf3's closed connections leave the port in TIME_WAIT.
 */
const toolPort = (host: Host, tool: string): number =>
  tool === 'sockperf' ? 0 : host.info.service.length - 1

/** A server tool in `host`, a client elsewhere through the host's advertised address. */
async function withServer<T>(
  host: Host,
  tool: string,
  serverArgs: string[],
  client: (adv: { host: string; port: number }) => Promise<T>,
): Promise<T> {
  const k = toolPort(host, tool)
  const svc = host.info.service[k]!
  const server = host.spawn(
    tool,
    [...serverArgs, '-p', String(svc.port)].map((a) => (a === '{addr}' ? svc.host : a)),
  )
  const done = finished(server)
  try {
    await Promise.race([
      listening(server.pid!, svc.port, tool),
      done.then((d) => {
        throw new HostEmulationError(
          'TOOL_OUTPUT',
          `${tool} server exited ${d.code}: ${d.stderr || d.stdout}`,
        )
      }),
    ])
    return await client(host.info.advertised[k]!)
  } finally {
    kill(server)
    await done.catch(() => {})
  }
}

async function iperf3(fabric: HostFabric, host: Host, reverse: boolean, seconds: number): Promise<number> {
  return withServer(host, 'iperf3', ['-s', '-1', '-B', '{addr}'], async (adv) => {
    const out = await runTool(fabric.spawnOutside.bind(fabric), 'iperf3', [
      '-c',
      adv.host,
      '-p',
      String(adv.port),
      '-t',
      String(seconds),
      '-J',
      ...(reverse ? ['-R'] : []),
    ])
    const end = parseJson('iperf3', out).end as { sum_received?: { bits_per_second: number } } | undefined
    if (end?.sum_received === undefined)
      throw new HostEmulationError('TOOL_OUTPUT', `iperf3 printed no result: ${out.slice(0, 300)}`)
    return end.sum_received.bits_per_second
  })
}

/** sockperf's median latency (half a round trip), ms. */
async function sockperf(from: Spawner, host: Host, seconds: number): Promise<number> {
  return withServer(host, 'sockperf', ['sr', '--tcp', '-i', '{addr}'], async (adv) => {
    const out = await runTool(from, 'sockperf', [
      'ping-pong',
      '--tcp',
      '-i',
      adv.host,
      '-p',
      String(adv.port),
      '-t',
      String(seconds),
    ])
    const m = /percentile 50\.000 =\s*([\d.]+)/.exec(out)
    if (m === null)
      throw new HostEmulationError('TOOL_OUTPUT', `sockperf printed no median: ${out.slice(-300)}`)
    return Number(m[1]) / 1000
  })
}

export async function verifyFabric(fabric: HostFabric, opts: VerifyOptions = {}): Promise<Check[]> {
  const s = opts.seconds ?? 2
  const checks: Check[] = []
  const add = (
    host: Host,
    metric: string,
    unit: string,
    set: number,
    measured: number,
    tool: string,
  ): void => {
    checks.push({ host: host.info.name, metric, unit, set, measured, tool })
  }
  const root = fabric.mode === 'root'
  for (const h of fabric.hosts) {
    const l = h.limits
    if (root) {
      if (l.writeBps !== Infinity) {
        add(
          h,
          'disk write',
          'MB/s',
          l.writeBps / 1e6,
          (await fio(h, 'write', '1M', s)).bps / 1e6,
          'fio write 1M direct',
        )
        add(
          h,
          'disk write',
          'MB/s',
          l.writeBps / 1e6,
          (await hostFileLoad(h, 'write', 'seq', 2 ** 20, s)).bps / 1e6,
          'HostFile 1M, /proc/pid/io',
        )
      }
      if (l.readBps !== Infinity)
        add(
          h,
          'disk read',
          'MB/s',
          l.readBps / 1e6,
          (await fio(h, 'read', '1M', s)).bps / 1e6,
          'fio read 1M direct',
        )
      if (l.writeIops !== Infinity)
        add(
          h,
          'disk write',
          'IOPS',
          l.writeIops,
          (await fio(h, 'randwrite', '4k', s)).iops,
          'fio randwrite 4k direct',
        )
      if (l.readIops !== Infinity)
        add(
          h,
          'disk read',
          'IOPS',
          l.readIops,
          (await fio(h, 'randread', '4k', s)).iops,
          'fio randread 4k direct',
        )
      await rm(join(h.info.scratchDir, 'fio.dat'), { force: true })
    } else {
      const tool = 'HostFile, /proc/pid/io'
      if (l.writeBps !== Infinity)
        add(
          h,
          'disk write',
          'MB/s',
          l.writeBps / 1e6,
          (await hostFileLoad(h, 'write', 'seq', 2 ** 20, s)).bps / 1e6,
          `${tool} 1M`,
        )
      if (l.readBps !== Infinity)
        add(
          h,
          'disk read',
          'MB/s',
          l.readBps / 1e6,
          (await hostFileLoad(h, 'read', 'seq', 2 ** 20, s)).bps / 1e6,
          `${tool} 1M`,
        )
      if (l.writeIops !== Infinity)
        add(
          h,
          'disk write',
          'IOPS',
          l.writeIops,
          (await hostFileLoad(h, 'write', 'rand', 4096, s)).iops,
          `${tool} 4k`,
        )
      if (l.readIops !== Infinity)
        add(
          h,
          'disk read',
          'IOPS',
          l.readIops,
          (await hostFileLoad(h, 'read', 'rand', 4096, s)).iops,
          `${tool} 4k`,
        )
    }
    if (l.cpuCores !== Infinity)
      add(h, 'cpu', 'cores', l.cpuCores, await cpuCores(h, s), 'yes, /proc/pid/stat')
    if (l.downBps !== Infinity)
      add(h, 'net down', 'Mbit/s', l.downBps / 1e6, (await iperf3(fabric, h, false, s)) / 1e6, 'iperf3')
    if (l.upBps !== Infinity)
      add(h, 'net up', 'Mbit/s', l.upBps / 1e6, (await iperf3(fabric, h, true, s)) / 1e6, 'iperf3 -R')
    if (l.delayMs > 0)
      add(
        h,
        'delay one-way',
        'ms',
        l.delayMs,
        await sockperf(fabric.spawnOutside.bind(fabric), h, s),
        'sockperf median',
      )
  }
  const [first, ...others] = fabric.hosts
  if (first !== undefined)
    for (const h of others) {
      const set = first.limits.delayMs + h.limits.delayMs
      if (set > 0)
        checks.push({
          host: `${first.info.name}->${h.info.name}`,
          metric: 'delay one-way',
          unit: 'ms',
          set,
          measured: await sockperf(first.spawn.bind(first), h, s),
          tool: 'sockperf median',
        })
    }
  return checks
}

/** The checks as a text table: host, metric, set, measured, measured/set, tool. */
export function formatChecks(checks: readonly Check[]): string {
  const rows = [
    ['host', 'metric', 'set', 'measured', 'ratio', 'tool'],
    ...checks.map((c) => [
      c.host,
      `${c.metric} (${c.unit})`,
      c.set.toFixed(c.set < 10 ? 2 : 1),
      c.measured.toFixed(c.measured < 10 ? 2 : 1),
      (c.measured / c.set).toFixed(2),
      c.tool,
    ]),
  ]
  const widths = rows[0]!.map((_, k) => Math.max(...rows.map((r) => r[k]!.length)))
  return rows
    .map((r) =>
      r
        .map((cell, k) => cell.padEnd(widths[k]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}
