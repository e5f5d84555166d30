/**
 * A host dies mid-swap and is started again; the swap converges: both VMs
 * whole (disk hashes) on the hosts the ledger names, and nothing of the run
 * left on the system afterwards.
 *
 * - Power cut after the commit point: the supervisor's test fault kills every
 *   process of host 1 at its stateless swapper's second apply progress event;
 *   host 2 finishes alone and boots the VM it swapped in; host 1, started
 *   again, boots from its boot parameters into the stateless swapper, which
 *   resumes from its journal. Root mode where it runs, emulated otherwise;
 *   both with VBOOM_CRASH_FULL=1.
 * - Killed from outside while it stages (before the commit point, as the
 *   testnet kills a host): every process of host 2 SIGKILLed; host 1 cannot
 *   commit without it and waits; host 2 started again resumes.
 *   Root mode where it runs, emulated otherwise.
 *
 * Each world takes ~1-2 min on this machine, hence the file's timeout.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { rootModeUnavailable } from '../../src/testnet/hosts/index.js'
import { assertConverged, bothUpAndLeaving, diskHashes, swappedTo, worldTest } from './lifecycle-world.js'

t.setTimeout(15 * 60_000)

const rootWhy = rootModeUnavailable()

/** Power-cut modes: the fullest one here by default, both with VBOOM_CRASH_FULL=1. */
const powerCutModes =
  process.env.VBOOM_CRASH_FULL === '1'
    ? (['emulated', 'root'] as const)
    : ([rootWhy === null ? 'root' : 'emulated'] as const)

for (const mode of powerCutModes)
  void worldTest(
    t,
    `${mode}: a host losing power after the commit point converges when started again`,
    {
      mode,
      skip: mode === 'root' && rootWhy !== null ? `root mode cannot run here: ${rootWhy}` : false,
      world: { crashAt: { a: 'apply:progress:2' } },
    },
    async (t, w) => {
      const { a, b } = w
      await bothUpAndLeaving(t, w)

      await a.sup.exited()
      await a.sup.groupGone()
      const crashLog = join(a.sup.layout.logs, 'supervisor-crash.log')
      t.ok(existsSync(crashLog), 'host 1 lost power')
      t.match(
        readFileSync(crashLog, 'utf8'),
        /power cut at apply:progress:2/,
        'in the middle of its apply, after the commit point',
      )

      // host 2 does not need host 1 after the commit point
      const h2 = await swappedTo(b, 'vm-a', 300_000)
      t.equal(h2.vm?.agentPeerId, a.agentPeerId, "host 2 runs A's VM while host 1 is down")

      await a.sup.restart({ hashDisk: true })
      const h1 = await swappedTo(a, 'vm-b', 300_000)
      t.same(
        h1.boots.map((x) => x.kind),
        ['vm', 'stateless', 'stateless', 'vm'],
        'host 1 booted stateless again after the power cut, then the VM the disk held',
      )
      t.not(
        h1.boots[2]?.diskSha256,
        diskHashes(h1).left,
        'the power cut left host 1 part way through its apply',
      )
      await assertConverged(t, w, h1, h2)
    },
  )

const killMode = rootWhy === null ? 'root' : 'emulated'
void worldTest(
  t,
  `${killMode}: a host killed from outside while it stages converges when started again`,
  { mode: killMode },
  async (t, w) => {
    const { a, b } = w
    await bothUpAndLeaving(t, w)

    const at = await b.sup.waitFor(
      (s) => s.state === 'stateless' && s.swap?.progress.stage !== undefined,
      300_000,
      'staging',
    )
    await b.sup.kill()
    t.notOk(b.sup.alive, "host 2's supervisor is dead")
    t.comment(`host 2 killed with its journal at ${at.swap?.journal ?? 'none'}`)
    const meanwhile = await a.sup.status()
    t.equal(meanwhile.state, 'stateless', 'host 1 still swaps while host 2 is down')

    await b.sup.restart({ hashDisk: true })
    const [h1, h2] = await Promise.all([swappedTo(a, 'vm-b', 300_000), swappedTo(b, 'vm-a', 300_000)])
    t.same(
      h2.boots.map((x) => x.kind),
      ['vm', 'stateless', 'stateless', 'vm'],
      'host 2 booted stateless again after the kill, then the VM the disk held',
    )
    await assertConverged(t, w, h1, h2)
  },
)
