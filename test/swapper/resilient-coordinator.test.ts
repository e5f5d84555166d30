/**
 * The coordinator decorator one swap side uses: retries of calls lost in
 * transit, the long poll, and its fallback to polling only where the
 * coordinator has no long poll.
 */
import t from 'tap'
import type { Coordinator, SwapStatus } from '../../src/swapper/coordinator/coordinator.js'
import { ResilientCoordinator } from '../../src/swapper/coordinator/resilient.js'
import { CoordinatorError, CoordinatorUnsupportedError } from '../../src/swapper/errors.js'

const ID = 'ab'.repeat(16)

function status(over: Partial<SwapStatus> = {}): SwapStatus {
  return {
    swapId: ID,
    decision: 'pending',
    prepared: { a: false, b: false },
    completed: { a: false, b: false },
    ...over,
  }
}

/** A coordinator whose status is `current` and whose long poll is `watch`; counts calls. */
function fake(watch?: Coordinator['watch']) {
  const calls = { status: 0, watch: 0, abort: 0 }
  let current = status()
  const c: Coordinator = {
    prepare: async () => current,
    commit: async () => current,
    abort: async () => {
      calls.abort++
      current = { ...current, decision: 'aborted' }
      return current
    },
    complete: async () => current,
    status: async () => {
      calls.status++
      return current
    },
    watch:
      watch === undefined
        ? undefined
        : (...a) => {
            calls.watch++
            return watch(...a)
          },
    close: async () => undefined,
  }
  return {
    c,
    calls,
    set: (s: SwapStatus) => {
      current = s
    },
  }
}

t.test('a call lost in transit is retried; a refusal is not', async (t) => {
  const f = fake()
  let fails = 1
  f.c.complete = async () => {
    if (fails-- > 0) throw new CoordinatorError('COORDINATOR_UNREACHABLE', 'link down')
    throw new CoordinatorError('NOT_COMMITTED', 'swap is pending')
  }
  const notes: string[] = []
  const r = new ResilientCoordinator(f.c, { retryForMs: 60_000, onNote: (m) => notes.push(m) })
  await t.rejects(r.complete(ID, 'a'), { code: 'NOT_COMMITTED' }, 'the refusal comes through')
  t.equal(fails, -1, 'after one retry of the lost call')
  t.match(notes, [/coordinator unreachable/])
})

t.test('a garbled long poll fails the wait; the next wait tries the long poll again', async (t) => {
  const f = fake(async () => {
    throw new CoordinatorError('MALFORMED', 'the answer does not decode')
  })
  const notes: string[] = []
  const r = new ResilientCoordinator(f.c, { retryForMs: 60_000, onNote: (m) => notes.push(m) })
  await t.rejects(r.watch(ID, status(), 1000), { code: 'MALFORMED' })
  await t.rejects(r.watch(ID, status(), 1000), { code: 'MALFORMED' })
  t.equal(f.calls.watch, 2, 'each wait asked the long poll')
  t.equal(f.calls.status, 0, 'nothing polled')
  t.same(notes, [])
})

t.test(
  'any other failure of the long poll fails the wait too (after its retries), never polls',
  async (t) => {
    const f = fake(async () => {
      throw new Error('socket hang up')
    })
    const r = new ResilientCoordinator(f.c, { retryForMs: 0 })
    await t.rejects(r.watch(ID, status(), 1000), { message: 'socket hang up' })
    t.equal(f.calls.status, 0, 'nothing polled')
  },
)

t.test('a coordinator without the long poll is polled, from then on without asking again', async (t) => {
  const f = fake(async () => {
    throw new CoordinatorUnsupportedError('WATCH', 'unknown coordinator operation')
  })
  const notes: string[] = []
  const r = new ResilientCoordinator(f.c, { retryForMs: 60_000, onNote: (m) => notes.push(m) })
  setTimeout(() => f.set(status({ prepared: { a: false, b: true } })), 50)
  const s = await r.watch(ID, status(), 10_000)
  t.equal(s.prepared.b, true, 'the change was seen by polling')
  t.ok(f.calls.status > 1, `${f.calls.status} polls`)
  t.equal(f.calls.watch, 1)
  t.match(notes, [/polling instead/])
  // unchanged: the wait runs out with the status as it is
  const same = await r.watch(ID, s, 30)
  t.equal(same.prepared.b, true)
  t.equal(f.calls.watch, 1, 'the long poll was not asked again')
})

t.test(
  'a long poll answers on the change; unchanged slices are asked again until the wait runs out',
  async (t) => {
    let now = status()
    const f = fake(async (_id, seen, ms) => {
      await new Promise((r) => setTimeout(r, Math.min(ms, 20)))
      return now === seen ? seen : now
    })
    const r = new ResilientCoordinator(f.c, { retryForMs: 60_000 })
    const seen = now
    setTimeout(() => {
      now = status({ decision: 'committed', prepared: { a: true, b: true } })
    }, 70)
    const s = await r.watch(ID, seen, 10_000)
    t.equal(s.decision, 'committed')
    t.ok(f.calls.watch > 1, 'several slices')
  },
)

t.test('a cancelled wait rejects with the reason at once; transitions still go through', async (t) => {
  const f = fake(() => new Promise<SwapStatus>(() => undefined))
  const ac = new AbortController()
  const r = new ResilientCoordinator(f.c, { retryForMs: 60_000, signal: ac.signal })
  const waiting = r.watch(ID, status(), 60_000)
  setTimeout(() => ac.abort(new Error('cancelled')), 20)
  await t.rejects(waiting, { message: 'cancelled' })
  const s = await r.abort(ID, 'a', 'cancelled')
  t.equal(s.decision, 'aborted', 'the abort vote reached the coordinator')
  await t.rejects(
    r.watch(ID, s, 60_000),
    { message: 'cancelled' },
    'a wait after the cancellation ends at once',
  )
})
