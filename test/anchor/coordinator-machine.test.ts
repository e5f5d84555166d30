/**
 * The anchor's coordinator, in process, held to the swapper's state machine
 * step by step on seeded random walks: the same statuses, the same refusals,
 * the abort reason as recorded in the ledger, and the ownership transfer in
 * the COMMIT entry of each committed swap.
 */
import '../../src/polyfill.js'
import { join } from 'node:path'
import { Level } from 'level'
import t from 'tap'
import { AnchorCoordinator } from '../../src/anchor/coordinator.js'
import { loadOrCreateAnchorKey } from '../../src/anchor/key.js'
import { Ledger } from '../../src/anchor/ledger/index.js'
import { MAX_COORDINATOR_WATCHERS } from '../../src/protocols/anchor-constants.js'
import {
  type CoordinatorEvent,
  initialStatus,
  type SwapStatus,
  step,
} from '../../src/swapper/coordinator/state-machine.js'
import { CoordinatorError } from '../../src/swapper/errors.js'
import { describeEvent, prng, randomWalk, WALK_SEED } from '../swapper/coordinator-walk.js'
import { agreedSwapOfTwo } from './helpers.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** The machine's status after `e`, or the code of its refusal. */
function machine(s: SwapStatus, e: CoordinatorEvent): SwapStatus | string {
  try {
    return step(s, e).status
  } catch (err) {
    if (!(err instanceof CoordinatorError)) throw err
    return err.code
  }
}

async function apply(
  c: AnchorCoordinator,
  swapId: string,
  e: CoordinatorEvent,
): Promise<SwapStatus | string> {
  try {
    if (e.kind === 'prepare') return await c.prepare(swapId, e.role)
    if (e.kind === 'commit') return await c.commit(swapId)
    if (e.kind === 'abort') return await c.abort(swapId, e.role, e.reason)
    return await c.complete(swapId, e.role)
  } catch (err) {
    if (!(err instanceof CoordinatorError)) throw err
    return err.code
  }
}

async function open(
  dir: string,
): Promise<{ c: AnchorCoordinator; ledger: Ledger; db: Level<string, Uint8Array> }> {
  const ledger = await Ledger.open({ dir: join(dir, 'ledger'), anchorKey: await loadOrCreateAnchorKey(dir) })
  const db = new Level<string, Uint8Array>(join(dir, 'db'), { valueEncoding: 'view' })
  await db.open()
  return { c: new AnchorCoordinator(ledger, db), ledger, db }
}

t.test('the anchor coordinator answers as the state machine on seeded random walks', async (t) => {
  const dir = t.testdir()
  let { c, ledger, db } = await open(dir)
  const rng = prng(WALK_SEED + 2)
  const finals = new Map<string, { s: SwapStatus; locations: [string, string] }>()
  for (let w = 0; w < 16; w++) {
    const locations: [string, string] = [`a-${w}`, `b-${w}`]
    const swapId = hex((await agreedSwapOfTwo(ledger, locations)).swapId)
    let s = initialStatus(swapId)
    for (const [i, e] of randomWalk(rng, 10).entries()) {
      const want = machine(s, e)
      t.same(await apply(c, swapId, e), want, `walk ${w} step ${i} ${describeEvent(e)}`)
      if (typeof want !== 'string') s = want
    }
    finals.set(swapId, { s, locations })
  }
  const decisions = new Set([...finals.values()].map((f) => f.s.decision))
  t.same([...decisions].sort(), ['aborted', 'committed', 'pending'], 'the walks end in every decision')

  // restarted: the same statuses, from the ledger and the vote database
  await c.drain()
  await db.close()
  await ledger.close()
  ;({ c, ledger, db } = await open(dir))
  t.teardown(async () => {
    await db.close()
    await ledger.close()
  })
  for (const [swapId, { s, locations }] of finals) {
    t.same(await c.status(swapId), s, `${swapId.slice(0, 8)} after a restart`)
    const r = ledger.swapState(new Uint8Array(Buffer.from(swapId, 'hex')))!
    t.equal(r.status === 'agreed' ? 'pending' : r.status, s.decision, 'the ledger holds the decision')
    const [ownerOfA, ownerOfB] = locations.map((l) => hex(ledger.ownerOf(l)!.owner))
    const moved = s.decision === 'committed'
    t.same(
      [ownerOfA, ownerOfB],
      moved ? [hex(r.ownerB), hex(r.ownerA)] : [hex(r.ownerA), hex(r.ownerB)],
      moved ? 'the COMMIT entry moved both locations' : 'an undecided or aborted swap moved nothing',
    )
  }
})

t.test('the anchor holds at most MAX_COORDINATOR_WATCHERS watches per swap', async (t) => {
  const { c, ledger, db } = await open(t.testdir())
  t.teardown(async () => {
    await db.close()
    await ledger.close()
  })
  const swapId = hex((await agreedSwapOfTwo(ledger)).swapId)
  const seen = await c.status(swapId)
  const held = Array.from({ length: MAX_COORDINATOR_WATCHERS }, () => c.watch(swapId, seen, 5_000))
  await t.rejects(c.watch(swapId, seen, 5_000), { name: 'CoordinatorBusyError', code: 'TOO_MANY_WATCHERS' })
  await c.prepare(swapId, 'b')
  for (const s of await Promise.all(held)) t.same(s.prepared, { a: false, b: true })
  await t.rejects(c.complete(swapId, 'b'), { name: 'SwapNotCommittedError', code: 'NOT_COMMITTED' })
})
