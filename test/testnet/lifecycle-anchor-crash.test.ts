/**
 * The anchor dies mid-swap and comes back: the stateless swappers cannot
 * commit without it and wait (their coordinator retries every call lost in
 * transit); once it is back, with its ledger and votes on disk, the swap
 * completes and each host boots the other's VM. Root mode where it can run,
 * emulated otherwise; ~2-3 min on this machine, hence the file's timeout.
 * Afterwards nothing of the run is left on the system.
 */
import t from 'tap'
import type { SupervisorStatus } from '../../src/testnet/host/index.js'
import { rootModeUnavailable } from '../../src/testnet/hosts/index.js'
import { agentStatus, diskHashes, leave, swappedTo, withLedger, worldTest } from './lifecycle-world.js'

t.setTimeout(10 * 60_000)

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
/** A host is done with the swap once it runs a VM again after its stateless boot. */
const swapDone = (s: SupervisorStatus): boolean =>
  s.state === 'vm' && s.boots.some((x) => x.kind === 'stateless')

const mode = rootModeUnavailable() === null ? 'root' : 'emulated'
void worldTest(
  t,
  `${mode}: the anchor killed mid-swap and started again: the swap converges`,
  { mode },
  async (t, w) => {
    const { a, b } = w
    await agentStatus(a.sup, (s) => s.peerId === a.agentPeerId)
    await agentStatus(b.sup, (s) => s.peerId === b.agentPeerId)
    t.equal((await leave(w, a)).code, 200, 'A leaves for the swap')
    t.equal((await leave(w, b)).code, 200, 'B leaves for the swap')

    // the swap under way on a host: its swapper has begun (it asked the anchor, then indexes its disk)
    await Promise.any(
      [a, b].map((p) =>
        p.sup.waitFor(
          (s) => s.state === 'stateless' && Object.keys(s.swap?.progress ?? {}).length > 0,
          300_000,
          'swapping',
        ),
      ),
    )
    await w.anchor.kill()
    const at = await Promise.all([a.sup.status(), b.sup.status()])
    t.notOk(at.some(swapDone), 'neither host had finished when the anchor died')

    await new Promise((r) => setTimeout(r, 8_000))
    const later = await Promise.all([a.sup.status(), b.sup.status()])
    t.notOk(later.some(swapDone), 'no host finishes without the anchor')

    await w.anchor.restart()
    const [h1, h2] = await Promise.all([swappedTo(a, 'vm-b', 300_000), swappedTo(b, 'vm-a', 300_000)])
    const d1 = diskHashes(h1)
    const d2 = diskHashes(h2)
    t.equal(d1.now, d2.left, "host 1's disk is B's disk as B left host 2")
    t.equal(d2.now, d1.left, "host 2's disk is A's disk as A left host 1")
    t.equal(h1.vm?.agentPeerId, b.agentPeerId, "host 1 runs B's VM")
    t.equal(h2.vm?.agentPeerId, a.agentPeerId, "host 2 runs A's VM")

    await w.anchor.stop()
    await withLedger(w, (l) => {
      t.equal(l.swapState(w.swapId)?.status, 'committed', 'the ledger has the swap committed')
      t.equal(hex(l.ownerOf('loc-1')!.owner), hex(b.owner.publicKey), 'bob owns loc-1')
      t.equal(hex(l.ownerOf('loc-2')!.owner), hex(a.owner.publicKey), 'alice owns loc-2')
    })
  },
)
