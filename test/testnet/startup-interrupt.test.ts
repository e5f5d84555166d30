/**
 * The first SIGINT during a run's start-up (hosts built, VM disks written,
 * the anchor up, the first host's supervisor starting) stops it there: the
 * start-up never completes, `vboom testnet` exits 130, and nothing of the
 * run is left on the system (checked on the system itself: cgroups, loop
 * devices, namespaces, mounts, processes), nor its directory.
 *
 * Root mode where it runs, else emulated (the start-up's steps are the
 * same; the suite runs each mode's start-up elsewhere); ~1-2 min here.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ROOT_STATE_DIR } from '../../src/testnet/hosts/constants.js'
import { rootModeUnavailable } from '../../src/testnet/hosts/index.js'
import { sweepDeadRuns } from '../../src/testnet/hosts/sweep.js'
import { runOnSystem } from './system-objects.js'

t.setTimeout(10 * 60_000)

const rootWhy = rootModeUnavailable()
const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts')

/** Polls until `check` holds, or the child exits first (false). */
async function until(child: ChildProcess, check: () => boolean): Promise<boolean> {
  while (child.exitCode === null && child.signalCode === null) {
    if (check()) return true
    await new Promise((r) => setTimeout(r, 100))
  }
  return false
}

const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode)
    child.once('exit', (code) => resolve(code))
  })

const mode = rootWhy === null ? 'root' : 'emulated'
if (rootWhy !== null) t.comment(`emulated mode only: root mode cannot run here (${rootWhy})`)

t.test(`${mode}: SIGINT during the start-up stops it and leaves nothing`, async (t) => {
  const base = await mkdtemp(join(tmpdir(), `vboom-startup-int-${mode}-`))
  // the run's records: where the CLI keeps them with its temp dir set to `base`
  const stateDir =
    process.getuid?.() === 0 ? ROOT_STATE_DIR : join(base, `vboom-testnet-${process.getuid?.() ?? 'user'}`)
  let stderr = ''
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'testnet', '--mode', mode, '--hosts', '3'], {
    env: { ...process.env, TMPDIR: base },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d
  })
  t.teardown(async () => {
    // whatever a failed assertion left: the runner killed, its run swept, the files removed
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited(child)
    const swept = sweepDeadRuns(stateDir)
    if (swept.problems.length > 0) t.comment(`teardown sweep: ${swept.problems.join('; ')}`)
    await rm(base, { recursive: true, force: true })
  })
  let runDir = ''
  const starting = await until(child, () => {
    const stem = readdirSync(base).find((n) => n.startsWith('vboomtn-'))
    if (stem === undefined) return false
    runDir = join(base, stem)
    // the first host's supervisor is starting: hosts, disks and the anchor are up
    return existsSync(join(runDir, 'h0', 'host', 'logs', 'supervisor.log'))
  })
  t.ok(starting, `the start-up reached the hosts' supervisors (stderr: ${stderr.slice(-400)})`)
  const runId = runDir.slice(runDir.lastIndexOf('vboomtn-') + 'vboomtn-'.length)
  t.ok(
    runOnSystem(runId, runDir).some((l) => l.startsWith('process ')),
    'ps shows the run starting',
  )
  const sentAt = performance.now()
  child.kill('SIGINT')
  t.equal(await exited(child), 130, 'the CLI exits 130')
  t.comment(`stopped ${((performance.now() - sentAt) / 1000).toFixed(1)} s after the SIGINT`)
  t.notMatch(stderr, 'testnet: run directory', 'the start-up never completed')
  t.match(stderr, 'interrupted during its start-up', 'it says it was interrupted during the start-up')
  t.same(runOnSystem(runId, runDir), [], 'nothing of the run is left on the system')
  t.notOk(existsSync(runDir), 'its directory is removed')
})
