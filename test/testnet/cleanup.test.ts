/**
 * Nothing of a testnet is left on the system once it is gone, checked on the
 * system itself (cgroups under /sys/fs/cgroup, `losetup -a`, `ip netns`, the
 * mount table, `ps`), never through the testnet's own records:
 *
 * - a runner SIGKILLed while its host runs a VM (root mode: the VM's disk
 *   attached and mounted by the host's supervisor, which the run never
 *   recorded) leaves it all behind, and the next run's sweep removes it all;
 * - a world torn down in the middle of a swap, one host's supervisor killed
 *   while its VM ran, is removed by its test's teardown (every lifecycle test
 *   ends with the same check, through `worldTest`).
 *
 * Root mode where it runs, emulated always; ~1-2 min on this machine.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createHostFabric, rootModeUnavailable } from '../../src/testnet/hosts/index.js'
import { sweepDeadRuns } from '../../src/testnet/hosts/sweep.js'
import { isAlive } from './helpers.js'
import { agentStatus, leave, worldTest } from './lifecycle-world.js'
import { runOnSystem } from './system-objects.js'

t.setTimeout(10 * 60_000)

const rootWhy = rootModeUnavailable()
const fixture = join(import.meta.dirname, 'fixtures', 'host-with-vm.ts')

/** Starts the fixture runner (its run in `baseDir`, recorded in `stateDir`). */
const spawnRunner = (mode: string, stateDir: string, baseDir: string): ChildProcess =>
  spawn(process.execPath, ['--import', 'tsx', fixture, mode, stateDir, baseDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })

/** The runner's run id and the pids of its host's processes, once its VM runs. */
async function runnerReady(child: ChildProcess): Promise<{ runId: string; pids: number[] }> {
  let out = ''
  child.stdout!.setEncoding('utf8')
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: string) => {
      out += d
      if (out.includes('\n')) resolve(out.split('\n')[0]!)
    })
    child.once('exit', (code) => reject(new Error(`the runner exited (${code}) before its VM ran`)))
  })
  return JSON.parse(line) as { runId: string; pids: number[] }
}

const killed = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })

for (const mode of ['root', 'emulated'] as const)
  t.test(
    `${mode}: a runner killed while its host runs a VM leaves it all to the next run's sweep`,
    { skip: mode === 'root' && rootWhy !== null ? `root mode cannot run here: ${rootWhy}` : false },
    async (t) => {
      const base = await mkdtemp(join(tmpdir(), `vboom-cleanup-${mode}-`))
      const stateDir = join(base, 'state')
      const child = spawnRunner(mode, stateDir, base)
      t.teardown(async () => {
        // whatever a failed assertion left: the runner killed, its run swept, the files removed
        await killed(child)
        const swept = sweepDeadRuns(stateDir)
        if (swept.problems.length > 0) t.comment(`teardown sweep: ${swept.problems.join('; ')}`)
        await rm(base, { recursive: true, force: true })
      })
      const run = await runnerReady(child)
      const dir = join(base, `vboomtn-${run.runId}`)
      await killed(child)
      t.ok(
        run.pids.every(isAlive),
        "the killed runner left its host's supervisor, agent and workload running",
      )
      const left = runOnSystem(run.runId, dir)
      t.ok(
        left.some((l) => l.startsWith('process ')),
        'ps shows the run',
      )
      if (mode === 'root') {
        t.ok(
          left.some((l) => l === `mount ${join(dir, 'h0', 'host', 'vm')}`),
          "the VM's disk is still mounted where the supervisor mounted it",
        )
        for (const [kind, what] of [
          ['cgroup', 'cgroups'],
          ['loop', 'loop devices'],
          ['netns', 'network namespaces'],
        ])
          t.ok(
            left.some((l) => l.startsWith(`${kind} `)),
            `the system holds the run's ${what}`,
          )
      }

      const lines: string[] = []
      const next = await createHostFabric({
        mode,
        stateDir,
        baseDir: base,
        print: (l) => lines.push(l),
        hosts: [{ name: 'next', profile: {} }],
      })
      await next.close()
      t.ok(
        lines.includes(`testnet hosts: removed leftovers of dead runs ${run.runId}`),
        'the next run swept the dead one',
      )
      t.same(runOnSystem(run.runId, dir), [], 'nothing of the killed run is left on the system')
      t.same(runOnSystem(next.runId, join(base, `vboomtn-${next.runId}`)), [], 'nor of the next run')
    },
  )

const worldMode = rootWhy === null ? 'root' : 'emulated'
void worldTest(
  t,
  `${worldMode}: a world torn down mid-swap, one host killed while its VM ran, leaves nothing`,
  { mode: worldMode },
  async (t, w) => {
    const { a, b } = w
    await agentStatus(a.sup, (s) => s.peerId === a.agentPeerId)
    await agentStatus(b.sup, (s) => s.peerId === b.agentPeerId)
    t.equal((await leave(w, a)).code, 200, 'A leaves for the swap')
    await a.sup.waitFor((s) => s.state === 'stateless', 300_000, 'stateless')
    await b.sup.kill()
    const left = runOnSystem(w.run.runId, w.run.dir)
    t.ok(
      left.some((l) => l.startsWith('process ')),
      "the run's processes are up (the anchor, host 1's stateless swapper)",
    )
    if (worldMode === 'root')
      t.ok(
        left.includes(`mount ${b.sup.layout.vmRoot}`),
        "host 2's killed supervisor left its VM's disk mounted",
      )
    // the test ends here with A mid-swap and B dead: its teardown must remove all of it
  },
)
