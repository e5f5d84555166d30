import { join } from 'node:path'
import t from 'tap'
import type { Agent } from '../../src/node/agent.js'
import { LARGE, SMALL } from '../../src/testnet/mesh.js'
import { startAgent, startAnchor, waitFor } from './helpers.js'

t.test('five agents and an anchor: every agent sees the other four; another class sees none', async (t) => {
  const dir = t.testdir()
  const anchor = await startAnchor(t, dir)
  const agents: Agent[] = []
  for (let i = 0; i < 5; i++)
    agents.push(await startAgent(t, join(dir, `a${i}`), i, SMALL, anchor.multiaddrs))
  const other = await startAgent(t, join(dir, 'other'), 9, LARGE, anchor.multiaddrs)

  t.ok(await waitFor(() => agents.every((a) => a.market.size === 4), 45_000), 'all markets hold 4 adverts')
  for (const a of agents) {
    const seen = a.market
      .list()
      .map((ad) => ad.vm)
      .sort()
    const expected = agents
      .filter((b) => b !== a)
      .map((b) => b.peerId.toString())
      .sort()
    t.same(seen, expected, `${a.config.location} sees exactly the other four`)
    const ad = a.market.get(expected[0]!)
    t.ok(ad && ad.profile.diskWrite !== undefined, 'adverts carry the profile')
  }
  // Give the other class time to (wrongly) hear anything, then check it heard nothing.
  await new Promise((r) => setTimeout(r, 1000))
  t.equal(other.market.size, 0, 'an agent of another class sees none of them')
  t.notOk(
    agents.some((a) => a.market.get(other.peerId.toString())),
    'and they do not see it',
  )

  await t.test('a late agent finds the others through the DHT and the anchor', async (t) => {
    const late = await startAgent(t, join(dir, 'late'), 7, SMALL, anchor.multiaddrs)
    const ids = agents.map((a) => a.peerId.toString())
    t.ok(
      await waitFor(() => ids.every((id) => late.discovery.classPeers.includes(id)), 45_000),
      'the DHT names every agent of its class',
    )
    t.ok(await waitFor(() => late.market.size === 5, 45_000), 'its market holds all five adverts')
    t.ok(
      await waitFor(() => agents.every((a) => a.market.get(late.peerId.toString()) !== undefined), 45_000),
      'and they see it',
    )
  })

  await t.test("an agent finds a peer's new addresses by peer id after the peer moved", async (t) => {
    const mover = agents[0]!
    const id = mover.peerId
    const oldAddrs = mover.host.getMultiaddrs().map((a) => a.toString())
    await mover.stop()
    const moved = await startAgent(t, join(dir, 'a0'), 0, SMALL, anchor.multiaddrs)
    t.equal(moved.peerId.toString(), id.toString(), 'same data dir, same peer id')
    const newAddr = moved.host.getMultiaddrs()[0]!.toString()
    t.notOk(oldAddrs.includes(newAddr), 'it listens somewhere new')
    const finder = agents[1]!
    t.ok(
      await waitFor(async () => {
        const found = await finder.discovery.locate(id).catch(() => [])
        return found.some((a) => newAddr.startsWith(a.toString()))
      }, 45_000),
      'the DHT answers with the new address',
    )
    // The moved agent may already have dialed the finder (gossip, DHT): that
    // connection's remote address is its outbound port, not where it listens.
    // Hang it up so the dial below must use what the DHT answered.
    await finder.host.hangUp(id)
    const reached = await finder.discovery.reach(id)
    const outbound = finder.host.getConnections(id).filter((c) => c.direction === 'outbound')
    t.ok(reached.toString().endsWith(id.toString()), `reached ${id} at ${reached}`)
    t.ok(
      outbound.length === 0 || outbound.some((c) => newAddr.startsWith(c.remoteAddr.toString())),
      'a connection the finder dialed goes to the new address',
    )
  })
})
