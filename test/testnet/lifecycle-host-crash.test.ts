/**
 * A host loses power mid-swap, after the commit point (its supervisor's test
 * fault kills every process of the host at the stateless swapper's second
 * apply progress event): the other host finishes alone and boots the VM it
 * swapped in; the dead host, started again, boots from its boot parameters
 * into the stateless swapper, which resumes from its journal. Both VMs end
 * whole on the hosts the ledger names. Emulated mode (runs anywhere); ~2-3
 * min on this machine, hence the file's timeout.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { agentStatus, createWorld, diskHashes, leave, swappedTo, withLedger } from './lifecycle-world.js'

t.setTimeout(10 * 60_000)

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

t.test('a host killed after the commit point converges when started again', async (t) => {
  const w = await createWorld(t, 'emulated', { crashAt: { a: 'apply:progress:2' } })
  const { a, b } = w
  await agentStatus(a.sup, (s) => s.peerId === a.agentPeerId)
  await agentStatus(b.sup, (s) => s.peerId === b.agentPeerId)
  t.equal((await leave(w, a)).code, 200, 'A leaves for the swap')
  t.equal((await leave(w, b)).code, 200, 'B leaves for the swap')

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
  const d1 = diskHashes(h1)
  const d2 = diskHashes(h2)
  t.not(h1.boots[2]?.diskSha256, d1.left, 'the power cut left host 1 part way through its apply')
  t.equal(d1.now, d2.left, "host 1's disk is B's disk as B left host 2")
  t.equal(d2.now, d1.left, "host 2's disk is A's disk as A left host 1")

  const moved = await agentStatus(a.sup, (s) => s.peerId === b.agentPeerId)
  t.equal(moved.location, 'loc-1', "B's agent runs on host 1")
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
})
