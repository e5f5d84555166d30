import '../../src/polyfill.js'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import t from 'tap'
import { generateSecretKey, publicKeyOf } from '../../src/protocols/signing.js'
import { SwapAgent } from '../../src/swapper/agent.js'
import type { SwapAgreement } from '../../src/swapper/agent-options.js'
import {
  type Coordinator,
  LevelCoordinator,
  type SwapStatus,
} from '../../src/swapper/coordinator/coordinator.js'
import { CoordinatorError, CoordinatorUnsupportedError } from '../../src/swapper/errors.js'
import type { Role } from '../../src/swapper/index/manifest.js'
import { swapImages } from '../../src/swapper/local/swap-images.js'
import { createSwapNode } from '../../src/swapper/local/swap-node.js'
import { MiB, random, randomPair, sha256File, writeImage } from './helpers.js'

t.test('a connection dropped mid-transfer is re-established and the swap completes', async (t) => {
  const dir = t.testdir()
  const paths = { a: join(dir, 'a.img'), b: join(dir, 'b.img') }
  await writeImage(paths.a, random(8 * MiB))
  await writeImage(paths.b, random(8 * MiB))
  const before = { a: await sha256File(paths.a), b: await sha256File(paths.b) }
  const nodes = { a: await createSwapNode(randomBytes(32)), b: await createSwapNode(randomBytes(32)) }
  const coordinator = await LevelCoordinator.open(join(dir, 'coord'))
  const keys = { a: generateSecretKey(), b: generateSecretKey() }
  const agreement: SwapAgreement = {
    swapId: randomBytes(16),
    parties: {
      a: { peerId: nodes.a.peerId, swapKey: publicKeyOf(keys.a) },
      b: { peerId: nodes.b.peerId, swapKey: publicKeyOf(keys.b) },
    },
  }
  const notes: string[] = []
  let dropped = false
  const agent = (role: Role): SwapAgent => {
    const peer: Role = role === 'a' ? 'b' : 'a'
    return new SwapAgent({
      role,
      diskPath: paths[role],
      stateDir: join(dir, `state-${role}`),
      agreement,
      swapSecretKey: keys[role],
      coordinator,
      node: nodes[role],
      peerAddrs: nodes[peer].getMultiaddrs(),
      stagingReserveBytes: 0,
      streams: 1,
      window: 1,
      onProgress: (e) => {
        if (e.type === 'note') notes.push(e.message)
        // cut every connection once A has staged some of B's blocks
        if (!dropped && role === 'a' && e.type === 'progress' && e.phase === 'stage' && e.done >= 2 * MiB) {
          dropped = true
          void nodes.a.hangUp(nodes.b.peerId)
        }
      },
    })
  }
  const agents = [agent('a'), agent('b')]
  t.teardown(async () => {
    for (const a of agents) await a.stop()
    for (const n of Object.values(nodes)) await n.stop()
    await coordinator.close()
  })
  for (const a of agents) await a.start()
  const [ra, rb] = await Promise.all(agents.map((a) => a.run()))
  t.ok(dropped, 'the connection was dropped mid-transfer')
  t.ok(
    notes.some((n) => /connection lost/.test(n)),
    'a side noticed and retried',
  )
  t.equal(ra!.outcome, 'swapped')
  t.equal(rb!.outcome, 'swapped')
  t.equal(await sha256File(paths.a), before.b)
  t.equal(await sha256File(paths.b), before.a)
})

for (const withWatch of [false, true]) {
  t.test(
    `a coordinator that is briefly unreachable is retried; the swap completes (${withWatch ? 'its long poll lossy too' : 'polled: no long poll'})`,
    async (t) => {
      const dir = t.testdir()
      const { pa, pb, ha, hb } = await randomPair(dir, 2 * MiB)
      const real = await LevelCoordinator.open(join(dir, 'coord'))
      t.teardown(() => real.close())
      // the real coordinator behind a link that drops every third call, as a network would
      let calls = 0
      let dropped = 0
      const lossy =
        <A extends unknown[]>(fn: (...a: A) => Promise<SwapStatus>) =>
        async (...a: A): Promise<SwapStatus> => {
          if (++calls % 3 === 0) {
            dropped++
            throw new CoordinatorError('COORDINATOR_UNREACHABLE', 'link down')
          }
          return fn(...a)
        }
      const coordinator: Coordinator = {
        prepare: lossy((id: string, role: Role) => real.prepare(id, role)),
        commit: lossy((id: string) => real.commit(id)),
        abort: lossy((id: string, role: Role, reason: string) => real.abort(id, role, reason)),
        complete: lossy((id: string, role: Role) => real.complete(id, role)),
        status: lossy((id: string) => real.status(id)),
        watch: withWatch
          ? lossy((id: string, seen: SwapStatus, ms: number) => real.watch(id, seen, ms))
          : undefined,
        close: async () => undefined,
      }
      const r = await swapImages(pa, pb, { coordinator, stagingReserveBytes: 0, workDir: join(dir, 'w') })
      t.ok(dropped > 0, `${dropped} coordinator calls were lost and retried`)
      t.equal(r.a.outcome, 'swapped')
      t.equal(await sha256File(pa), hb)
      t.equal(await sha256File(pb), ha)
    },
  )
}

t.test('a coordinator without the long poll (an anchor from before WATCH) is polled instead', async (t) => {
  const dir = t.testdir()
  const { pa, pb, ha, hb } = await randomPair(dir, 2 * MiB)
  const real = await LevelCoordinator.open(join(dir, 'coord'))
  t.teardown(() => real.close())
  let refused = 0
  const coordinator: Coordinator = {
    prepare: (id, role) => real.prepare(id, role),
    commit: (id) => real.commit(id),
    abort: (id, role, reason) => real.abort(id, role, reason),
    complete: (id, role) => real.complete(id, role),
    status: (id) => real.status(id),
    watch: async () => {
      refused++
      throw new CoordinatorUnsupportedError('WATCH', 'unknown coordinator operation')
    },
    close: async () => undefined,
  }
  const notes: string[] = []
  const r = await swapImages(pa, pb, {
    coordinator,
    stagingReserveBytes: 0,
    workDir: join(dir, 'w'),
    onProgress: (e) => {
      if (e.type === 'note') notes.push(e.message)
    },
  })
  t.ok(refused > 0, 'the long poll was tried')
  t.ok(
    notes.some((n) => n.includes('polling instead')),
    'and the user told that the side polls instead',
  )
  t.equal(r.a.outcome, 'swapped')
  t.equal(await sha256File(pa), hb)
  t.equal(await sha256File(pb), ha)
})

t.test(
  'a garbled answer to the long poll fails the swap instead of turning into polling; a rerun converges',
  async (t) => {
    const dir = t.testdir()
    const { pa, pb, ha, hb } = await randomPair(dir, 2 * MiB)
    const real = await LevelCoordinator.open(join(dir, 'coord'))
    t.teardown(() => real.close())
    // B votes only once A has asked for a long poll: A must wait for B, so its wait really runs
    const aWatched = Promise.withResolvers<void>()
    let watched = 0
    const garbled: Coordinator = {
      prepare: async (id, role) => {
        if (role === 'b') await Promise.race([aWatched.promise, new Promise((r) => setTimeout(r, 20_000))])
        return real.prepare(id, role)
      },
      commit: (id) => real.commit(id),
      abort: (id, role, reason) => real.abort(id, role, reason),
      complete: (id, role) => real.complete(id, role),
      status: (id) => real.status(id),
      watch: async () => {
        watched++
        aWatched.resolve()
        throw new CoordinatorError('MALFORMED', 'anchor coordinator: the answer does not decode')
      },
      close: async () => undefined,
    }
    const notes: string[] = []
    const work = join(dir, 'w')
    const err = await swapImages(pa, pb, {
      coordinator: garbled,
      stagingReserveBytes: 0,
      workDir: work,
      onProgress: (e) => {
        if (e.type === 'note') notes.push(e.message)
      },
    }).then(
      () => null,
      (e: unknown) => e as Error & { code?: string },
    )
    t.ok(watched > 0, 'the long poll was tried')
    t.equal(err?.name, 'CoordinatorError', 'the swap failed with the coordinator error')
    t.equal(err?.code, 'MALFORMED')
    t.notOk(
      notes.some((n) => n.includes('polling instead')),
      'nothing switched to polling',
    )
    // the swap's state is intact: with a sound coordinator the same swap finishes
    const r = await swapImages(pa, pb, { coordinator: real, stagingReserveBytes: 0, workDir: work })
    t.ok(r.a.outcome === 'swapped' || r.a.outcome === 'already-swapped')
    t.equal(await sha256File(pa), hb, 'A holds B bit for bit')
    t.equal(await sha256File(pb), ha, 'B holds A bit for bit')
  },
)
