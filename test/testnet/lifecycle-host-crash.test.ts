/**
 * A host dies mid-swap and is started again; the swap converges: both VMs
 * whole (disk hashes) on the hosts the ledger names, and nothing of the run
 * left on the system afterwards.
 *
 * - Power cut after the commit point: the supervisor's test fault kills every
 *   process of host 1 at its stateless swapper's second apply progress event;
 *   host 2 finishes alone and boots the VM it swapped in; host 1, started
 *   again, boots from its boot parameters into the stateless swapper, which
 *   resumes from its journal. Emulated mode always, root mode where it runs.
 * - Killed from outside while it stages (before the commit point, as the
 *   testnet kills a host): every process of host 2 SIGKILLed; host 1 cannot
 *   commit without it and waits; host 2 started again resumes.
 *   Root mode where it runs, emulated otherwise.
 *
 * Each world takes ~1-2 min on this machine, hence the file's timeout.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Test } from 'tap'
import t from 'tap'
import type { SupervisorStatus } from '../../src/testnet/host/index.js'
import { rootModeUnavailable } from '../../src/testnet/hosts/index.js'
import {
  agentStatus,
  diskHashes,
  leave,
  swappedTo,
  type World,
  withLedger,
  worldTest,
} from './lifecycle-world.js'

t.setTimeout(15 * 60_000)

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const rootWhy = rootModeUnavailable()

/** Both VMs whole, each on the other's host, and the ledger saying so. */
async function assertConverged(t: Test, w: World, h1: SupervisorStatus, h2: SupervisorStatus): Promise<void> {
  const { a, b } = w
  const d1 = diskHashes(h1)
  const d2 = diskHashes(h2)
  t.not(d1.left, d2.left, 'the two VMs differ')
  t.equal(d1.now, d2.left, "host 1's disk is B's disk as B left host 2")
  t.equal(d2.now, d1.left, "host 2's disk is A's disk as A left host 1")
  t.equal(h1.vm?.agentPeerId, b.agentPeerId, "host 1 runs B's VM")
  t.equal(h2.vm?.agentPeerId, a.agentPeerId, "host 2 runs A's VM")

  const moved = await agentStatus(a.sup, (s) => s.peerId === b.agentPeerId)
  t.equal(moved.location, 'loc-1', "B's agent runs on host 1 and knows it")
  t.match(
    moved.moves.at(-1),
    { kind: 'swap', outcome: 'completed', swapId: hex(w.swapId) },
    'and records the swap',
  )

  await w.anchor.stop()
  await withLedger(w, (l) => {
    t.equal(l.swapState(w.swapId)?.status, 'committed', 'the ledger has the swap committed')
    t.equal(hex(l.ownerOf('loc-1')!.owner), hex(b.owner.publicKey), 'bob owns loc-1, where B runs')
    t.equal(hex(l.ownerOf('loc-2')!.owner), hex(a.owner.publicKey), 'alice owns loc-2, where A runs')
  })
}

async function bothUpAndLeaving(t: Test, w: World): Promise<void> {
  const { a, b } = w
  await agentStatus(a.sup, (s) => s.peerId === a.agentPeerId)
  await agentStatus(b.sup, (s) => s.peerId === b.agentPeerId)
  t.equal((await leave(w, a)).code, 200, 'A leaves for the swap')
  t.equal((await leave(w, b)).code, 200, 'B leaves for the swap')
}

for (const mode of ['emulated', 'root'] as const)
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
