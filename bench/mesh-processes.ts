/**
 * The process mode of bench:mesh: every agent is its own `vboom agent`
 * process (as on real VMs), the anchor runs in the bench process. Timings come
 * from the agents' own debug logs ('advert published' / 'advert accepted',
 * millisecond timestamps on one machine clock), so the bench observes without
 * polling anyone.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { AnchorNode } from '../src/anchor/anchor-node.js'
import type { Logger } from '../src/runtime/log.js'
import { hostConfig, SMALL } from '../src/testnet/mesh.js'

/** Agents republish every third of this; short so the measuring window sees many adverts. */
const TTL_MS = 15_000
/** Time between convergence and the measuring window. */
const SETTLE_MS = 20_000

export interface ProcessMeshResult {
  startedMs: number
  convergedMs: number | null
  latencies: number[]
  rssBytes: number[]
  runner: string
}

interface Child {
  proc: ChildProcess
  peer?: string
  sees: Set<string>
}

export async function processMesh(n: number, measureMs: number, log: Logger): Promise<ProcessMeshResult> {
  const base = await mkdtemp(join(tmpdir(), 'vboom-bench-'))
  const anchor = await AnchorNode.create({
    dataDir: join(base, 'anchor'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    addressScope: 'lan',
    log,
  })
  await anchor.start()
  // The compiled CLI starts far faster than tsx; use it when `npm run build` has run.
  const built = existsSync('dist/src/cli/main.js')
  const runner = built ? 'node dist/src/cli/main.js' : 'node --import tsx src/cli/main.ts'
  const argv = built ? ['dist/src/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts']
  const published = new Map<string, number>() // `${vm}/${seq}` -> ms
  const accepted = new Map<string, number[]>() // `${vm}/${seq}` -> accept times
  const children: Child[] = []
  const t0 = Date.now()
  for (let i = 0; i < n; i++) {
    const cfg = join(base, `agent-${i}.json`)
    await writeFile(
      cfg,
      JSON.stringify({ ...hostConfig(i, SMALL, anchor.multiaddrs), advertTtlMs: TTL_MS, logLevel: 'debug' }),
    )
    const proc = spawn(process.execPath, [...argv, 'agent', '-d', join(base, `agent-${i}`), '-c', cfg], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const child: Child = { proc, sees: new Set() }
    children.push(child)
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const m = line.match(/^agent (\S+)/)
      if (m) child.peer = m[1]
    })
    createInterface({ input: proc.stderr! }).on('line', (line) => {
      if (!line.startsWith('{')) return
      const e = JSON.parse(line) as { msg: string; time: string; vm?: string; sequence?: string }
      if (e.msg === 'advert published' && child.peer)
        published.set(`${child.peer}/${e.sequence}`, Date.parse(e.time))
      if (e.msg === 'advert accepted' && e.vm) {
        child.sees.add(e.vm)
        const k = `${e.vm}/${e.sequence}`
        const list = accepted.get(k) ?? []
        list.push(Date.parse(e.time))
        accepted.set(k, list)
      }
    })
  }
  const wait = async (cond: () => boolean, ms: number): Promise<boolean> => {
    const end = Date.now() + ms
    while (Date.now() < end) {
      if (cond()) return true
      await new Promise((r) => setTimeout(r, 100))
    }
    return cond()
  }
  await wait(() => children.every((c) => c.peer !== undefined), 120_000)
  const startedMs = Date.now() - t0
  const converged = await wait(() => children.every((c) => c.sees.size === n - 1), 180_000)
  const convergedMs = converged ? Date.now() - t0 : null
  // Start-up work (DHT bootstrap, handshakes, routing-table refresh) lingers
  // after convergence; measure the steady state an agent lives in.
  await new Promise((r) => setTimeout(r, SETTLE_MS))
  const windowStart = Date.now()
  await new Promise((r) => setTimeout(r, measureMs))
  // Allow the last adverts of the window to arrive before reading.
  await new Promise((r) => setTimeout(r, 2_000))
  const latencies: number[] = []
  for (const [k, at] of published) {
    if (at < windowStart || at > windowStart + measureMs) continue
    const got = accepted.get(k) ?? []
    if (got.length >= n - 1) latencies.push(Math.max(...got) - at)
  }
  const rssBytes: number[] = []
  for (const c of children) {
    const status = await readFile(`/proc/${c.proc.pid}/status`, 'utf8').catch(() => '')
    const kb = status.match(/VmRSS:\s+(\d+) kB/)
    if (kb) rssBytes.push(Number(kb[1]) * 1024)
  }
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.proc.exitCode !== null) return resolve()
          c.proc.once('close', () => resolve())
          c.proc.kill('SIGTERM')
        }),
    ),
  )
  await anchor.stop()
  await rm(base, { recursive: true, force: true })
  return { startedMs, convergedMs, latencies, rssBytes, runner }
}
