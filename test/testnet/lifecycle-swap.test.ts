/**
 * The swap lifecycle end to end on two testnet hosts: a registered agreement,
 * both VMs leave for the swap, the stateless swappers swap the disks through
 * the anchor's coordinator, and each host boots the other's VM. Emulated mode
 * always; root mode too where it can run. Each mode takes ~1.5-3 min on this
 * machine, hence the file's timeout.
 */
import t from 'tap'
import { rootModeUnavailable } from '../../src/testnet/hosts/index.js'
import {
  advertisedOf,
  agentStatus,
  createWorld,
  diskHashes,
  leave,
  observe,
  swappedTo,
  withLedger,
} from './lifecycle-world.js'

t.setTimeout(12 * 60_000)

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

for (const mode of ['emulated', 'root'] as const) {
  const why = mode === 'root' ? rootModeUnavailable() : null
  t.test(
    `${mode}: two VMs swap hosts`,
    { skip: why === null ? false : `root mode cannot run here: ${why}` },
    async (t) => {
      const w = await createWorld(t, mode)
      const { a, b } = w
      // both VMs up where they were built, their agents on the mesh
      const before = await agentStatus(a.sup, (s) => s.peerId === a.agentPeerId)
      t.equal(before.location, 'loc-1', "A's agent learns its location from the platform")
      t.ok(
        before.addresses.some((x) => x.startsWith(advertisedOf(a))),
        "A's agent announces its host's advertised address",
      )
      await agentStatus(b.sup, (s) => s.peerId === b.agentPeerId)

      t.equal((await leave(w, a)).code, 200, 'A accepts the swap')
      t.equal((await leave(w, b)).code, 200, 'B accepts the swap')
      const [h1, h2] = await Promise.all([swappedTo(a, 'vm-b', 300_000), swappedTo(b, 'vm-a', 300_000)])

      // each disk now holds the other's original, bit for bit
      const d1 = diskHashes(h1)
      const d2 = diskHashes(h2)
      t.not(d1.left, d2.left, 'the two VMs differ')
      t.equal(d1.now, d2.left, "host 1's disk is B's disk as B left host 2")
      t.equal(d2.now, d1.left, "host 2's disk is A's disk as A left host 1")
      t.same(
        h1.boots.map((x) => x.kind),
        ['vm', 'stateless', 'vm'],
        'host 1 booted its VM, the stateless swapper, then the VM the disk held',
      )
      t.equal(h1.swap?.phase, 'completed', "host 1's swap completed")

      // B runs on host 1 as itself, knows it moved, and rejoins the mesh there
      t.equal(h1.vm?.agentPeerId, b.agentPeerId, "host 1 runs B's agent key")
      const moved = await agentStatus(a.sup, (s) => s.peerId === b.agentPeerId)
      t.equal(moved.location, 'loc-1', "B's agent reports host 1's location")
      t.match(
        moved.moves.at(-1),
        { kind: 'swap', outcome: 'completed', from: 'loc-2', to: 'loc-1', swapId: hex(w.swapId), role: 'b' },
        "B's history records the completed swap",
      )
      t.equal(
        (moved.advert as { location?: string } | null)?.location,
        'loc-1',
        "B's advert carries its new location",
      )
      await agentStatus(a.sup, (s) => s.classPeersInDht.includes(a.agentPeerId), 120_000)
      t.pass('B finds A (now on host 2) as a peer of its class in the DHT')

      // peers find each VM at its new host's address through the DHT, and the anchor locks the former owner out
      const seen = await observe(w, {
        locate: [
          { peer: b.agentPeerId, expect: advertisedOf(a) },
          { peer: a.agentPeerId, expect: advertisedOf(b) },
        ],
        controls: [
          { location: 'loc-1', ownerSecret: hex(a.owner.secretKey) },
          { location: 'loc-1', ownerSecret: hex(b.owner.secretKey), vm: a.agentPeerId },
        ],
        deadlineMs: 90_000,
      })
      t.ok(
        seen.located[b.agentPeerId]?.some((x) => x.startsWith(advertisedOf(a))),
        `the DHT finds B at host 1 (${advertisedOf(a)}): ${seen.located[b.agentPeerId]}`,
      )
      t.ok(
        seen.located[a.agentPeerId]?.some((x) => x.startsWith(advertisedOf(b))),
        `the DHT finds A at host 2 (${advertisedOf(b)}): ${seen.located[a.agentPeerId]}`,
      )
      t.equal(seen.verified[0], 'NOT_OWNER', "alice's control request for loc-1, which she left, is refused")
      t.equal(
        seen.verified[1],
        'WRONG_VM',
        "bob's passes authorization for loc-1 (refused only for naming another VM)",
      )

      // the ledger: the commit moved ownership
      await w.anchor.stop()
      await withLedger(w, (l) => {
        t.equal(l.swapState(w.swapId)?.status, 'committed', 'the swap is committed')
        t.equal(hex(l.ownerOf('loc-1')!.owner), hex(b.owner.publicKey), 'bob owns loc-1')
        t.equal(hex(l.ownerOf('loc-2')!.owner), hex(a.owner.publicKey), 'alice owns loc-2')
      })
    },
  )
}
