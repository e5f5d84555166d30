/**
 * A host killed as its VM leaves for the swap: its agent has stored the boot
 * parameters (durably, before it answers the request) and asks for the
 * stateless reboot, and every process of the host is SIGKILLed at once,
 * before or while its supervisor stops the VM and puts the VM's tree back on
 * the disk. Started again, the host first makes the disk whole (emulated: a
 * copy not yet written back is written back), then boots from the boot
 * parameters into the stateless swapper, never into the VM; the swap
 * converges. Emulated mode (the write-back is its own); ~1-2 min here.
 */
import t from 'tap'
import { agentStatus, assertConverged, leave, swappedTo, worldTest } from './lifecycle-world.js'

t.setTimeout(10 * 60_000)

void worldTest(
  t,
  'emulated: a host killed as its VM leaves for the swap converges when started again',
  { mode: 'emulated' },
  async (t, w) => {
    const { a, b } = w
    await agentStatus(a.sup, (s) => s.peerId === a.agentPeerId)
    await agentStatus(b.sup, (s) => s.peerId === b.agentPeerId)
    t.equal((await leave(w, a)).code, 200, 'A leaves for the swap')
    await a.sup.kill()
    t.notOk(a.sup.alive, 'host 1 died as A left')
    t.equal((await leave(w, b)).code, 200, 'B leaves for the swap')

    await a.sup.restart({ hashDisk: true })
    const [h1, h2] = await Promise.all([swappedTo(a, 'vm-b', 300_000), swappedTo(b, 'vm-a', 300_000)])
    const kinds = h1.boots.map((x) => x.kind)
    t.equal(kinds[0], 'vm', 'host 1 first ran A')
    t.equal(kinds.at(-1), 'vm', 'and runs a VM at the end')
    t.ok(
      kinds.length >= 3 && kinds.slice(1, -1).every((k) => k === 'stateless'),
      `every boot between was the stateless swapper, never the disk's VM: ${kinds.join(', ')}`,
    )
    await assertConverged(t, w, h1, h2)
  },
)
