/**
 * A runner SIGKILLed with hosts up removes nothing itself; the next run's
 * sweep removes all of it (system objects, processes, files), and leaves a
 * live run alone. Root mode where it can run, the emulated mode always.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createHostFabric, rootModeUnavailable } from '../../src/testnet/hosts/index.js'
import { pidsWithMarker } from '../../src/testnet/hosts/proc.js'
import { isAlive, systemLeftovers } from './helpers.js'

const fixture = join(import.meta.dirname, 'fixtures', 'create-hosts.ts')

async function startRunner(
  mode: string,
  stateDir: string,
  baseDir: string,
): Promise<{ child: ChildProcess; runId: string; pids: number[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode, stateDir, baseDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout!.setEncoding('utf8')
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: string) => {
      out += d
      if (out.includes('\n')) resolve(out.split('\n')[0]!)
    })
    child.once('exit', (code) => reject(new Error(`the runner exited (${code}) before creating hosts`)))
  })
  const { runId, pids } = JSON.parse(line) as { runId: string; pids: number[] }
  return { child, runId, pids }
}

const killed = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })

for (const mode of ['root', 'emulated'] as const) {
  const why = mode === 'root' ? rootModeUnavailable() : null
  t.test(
    `${mode}: the next run sweeps a killed run's leftovers`,
    { skip: why === null ? false : `root mode cannot run here: ${why}` },
    async (t) => {
      const dir = await mkdtemp(join(tmpdir(), `vboom-hosts-crash-${mode}-`))
      const stateDir = join(dir, 'state')
      t.teardown(() => rm(dir, { recursive: true, force: true }))
      const dead = await startRunner(mode, stateDir, dir)
      const live = await startRunner(mode, stateDir, dir)
      t.teardown(() => killed(live.child))
      await killed(dead.child)
      t.ok(dead.pids.every(isAlive), 'the killed run left its processes running')
      if (mode === 'root') t.not(systemLeftovers(dead.runId), [], 'and its system objects')
      t.ok(existsSync(join(dir, `vboomtn-${dead.runId}`)), 'and its directory')

      const lines: string[] = []
      const next = await createHostFabric({
        mode,
        stateDir,
        baseDir: dir,
        print: (l) => lines.push(l),
        hosts: [{ name: 'n', profile: {} }],
      })
      await next.close()
      t.ok(
        lines.includes(`testnet hosts: removed leftovers of dead runs ${dead.runId}`),
        'the sweep names the run it removed',
      )
      t.notOk(dead.pids.some(isAlive), "the dead run's processes are gone")
      t.same(pidsWithMarker(dead.runId), [])
      if (mode === 'root') t.same(systemLeftovers(dead.runId), [], "the dead run's system objects are gone")
      t.notOk(existsSync(join(dir, `vboomtn-${dead.runId}`)), "the dead run's directory is gone")

      t.ok(live.pids.every(isAlive), "the live run's processes were left alone")
      if (mode === 'root') t.not(systemLeftovers(live.runId), [], 'and its system objects')
      t.same(readdirSync(stateDir), [`vboomtn-${live.runId}.json`], "only the live run's record remains")
      await killed(live.child)
      const again = await createHostFabric({
        mode,
        stateDir,
        baseDir: dir,
        print: () => {},
        hosts: [{ name: 'n', profile: {} }],
      })
      await again.close()
      t.notOk(live.pids.some(isAlive), 'once dead, it is swept too')
      if (mode === 'root') t.same(systemLeftovers(live.runId), [])
    },
  )
}

for (const mode of ['root', 'emulated'] as const) {
  const why = mode === 'root' ? rootModeUnavailable() : null
  t.test(
    `${mode}: SIGTERM makes the runner remove its run`,
    { skip: why === null ? false : `root mode cannot run here: ${why}` },
    async (t) => {
      const dir = await mkdtemp(join(tmpdir(), `vboom-hosts-term-${mode}-`))
      const stateDir = join(dir, 'state')
      t.teardown(() => rm(dir, { recursive: true, force: true }))
      const run = await startRunner(mode, stateDir, dir)
      t.teardown(() => killed(run.child))
      const exit = new Promise<string>((r) => run.child.once('exit', (code, sig) => r(sig ?? String(code))))
      run.child.kill('SIGTERM')
      // 143 = 128 + SIGTERM: tap's signal-exit also listens in the child, so the exit status carries the signal
      t.match(await exit, /^(SIGTERM|143)$/, 'the runner ends on the signal, after its teardown')
      t.notOk(run.pids.some(isAlive), 'its processes are gone')
      if (mode === 'root') t.same(systemLeftovers(run.runId), [], 'its system objects are gone')
      t.notOk(existsSync(join(dir, `vboomtn-${run.runId}`)), 'its directory is gone')
      t.same(readdirSync(stateDir), [], 'its record is gone')
    },
  )
}
