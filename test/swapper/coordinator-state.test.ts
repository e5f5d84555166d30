/**
 * The coordinator's state machine: its transition table, its refusals and
 * limits, invariants over seeded random walks, and the local coordinator held
 * to it step by step (the anchor's is, in test/anchor/coordinator-machine.test.ts).
 */
import '../../src/polyfill.js'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { MAX_TEXT_LENGTH } from '../../src/anchor/ledger/constants.js'
import {
  MAX_ABORT_REASON_BYTES,
  MAX_COORDINATOR_WATCH_MS,
  MAX_COORDINATOR_WATCHERS,
} from '../../src/protocols/anchor-constants.js'
import { CoordinatorFailureCode } from '../../src/protocols/coordinator-wire.js'
import { LevelCoordinator } from '../../src/swapper/coordinator/coordinator.js'
import { coordinatorFailure } from '../../src/swapper/coordinator/failures.js'
import {
  abortReason,
  admitWatch,
  type CoordinatorEvent,
  type CoordinatorStep,
  initialStatus,
  isSwapStatus,
  type SwapStatus,
  sameSwapState,
  step,
} from '../../src/swapper/coordinator/state-machine.js'
import {
  CoordinatorError,
  CoordinatorUnsupportedError,
  SwapNotCommittedError,
} from '../../src/swapper/errors.js'
import type { Role } from '../../src/swapper/index/manifest.js'
import { describeEvent, prng, REASONS, randomWalk, WALK_SEED } from './coordinator-walk.js'

const bytes = (s: string): number => Buffer.byteLength(s)
const ROLES: Role[] = ['a', 'b']

/** A status deep-frozen, so a machine that mutated its input would throw. */
function frozen(s: SwapStatus): SwapStatus {
  Object.freeze(s.prepared)
  Object.freeze(s.completed)
  return Object.freeze(s)
}

/** Every reachable status of a swap: 4 pending, 4 committed, 4 aborted. */
function everyStatus(): SwapStatus[] {
  const out: SwapStatus[] = []
  for (const pa of [false, true])
    for (const pb of [false, true]) {
      out.push({ ...initialStatus('s'), prepared: { a: pa, b: pb } })
      out.push({ ...initialStatus('s'), decision: 'aborted', prepared: { a: pa, b: pb }, reason: 'a: why' })
    }
  for (const ca of [false, true])
    for (const cb of [false, true])
      out.push({
        ...initialStatus('s'),
        decision: 'committed',
        prepared: { a: true, b: true },
        completed: { a: ca, b: cb },
      })
  return out
}

const EVERY_EVENT: CoordinatorEvent[] = [
  ...ROLES.map((role) => ({ kind: 'prepare', role }) as const),
  { kind: 'commit' },
  ...ROLES.map((role) => ({ kind: 'abort', role, reason: 'why' }) as const),
  ...ROLES.map((role) => ({ kind: 'complete', role }) as const),
]

/**
 * The rules, restated event by event from the coordinator's contract: what
 * `event` must do to `before` (the status it must answer and the effect it
 * must ask for), or the refusal it must throw.
 */
function expected(before: SwapStatus, e: CoordinatorEvent): CoordinatorStep | 'NOT_COMMITTED' {
  const same = { status: before, effect: null }
  const after = structuredClone(before)
  switch (e.kind) {
    case 'prepare':
      if (before.decision !== 'pending' || before.prepared[e.role]) return same
      after.prepared[e.role] = true
      return { status: after, effect: { kind: 'record-vote', role: e.role } }
    case 'commit':
      if (before.decision !== 'pending' || !(before.prepared.a && before.prepared.b)) return same
      after.decision = 'committed'
      return { status: after, effect: { kind: 'record-commit' } }
    case 'abort': {
      if (before.decision !== 'pending') return same
      after.decision = 'aborted'
      after.reason = abortReason(e.role, e.reason)
      return { status: after, effect: { kind: 'record-abort', role: e.role, reason: after.reason } }
    }
    case 'complete':
      if (before.decision !== 'committed') return 'NOT_COMMITTED'
      if (before.completed[e.role]) return same
      after.completed[e.role] = true
      return { status: after, effect: { kind: 'record-completion', role: e.role } }
  }
}

/** The machine's answer, or the code of its refusal. */
function run(s: SwapStatus, e: CoordinatorEvent): CoordinatorStep | string {
  try {
    return step(s, e)
  } catch (err) {
    if (!(err instanceof CoordinatorError)) throw err
    return err.code
  }
}

t.test('the transition table: every reachable status under every event', async (t) => {
  const statuses = everyStatus()
  t.equal(statuses.length, 12)
  for (const s of statuses)
    for (const e of EVERY_EVENT) {
      const label = `${s.decision} p=${+s.prepared.a}${+s.prepared.b} c=${+s.completed.a}${+s.completed.b} ${describeEvent(e)}`
      t.same(run(frozen(structuredClone(s)), e), expected(s, e), label)
    }
})

t.test('the rules of a swap, in the words of the contract', async (t) => {
  let s = initialStatus('s1')
  t.equal(step(s, { kind: 'commit' }).effect, null, 'commit before any vote changes nothing')
  s = step(s, { kind: 'prepare', role: 'a' }).status
  t.equal(step(s, { kind: 'prepare', role: 'a' }).effect, null, 'a repeated vote changes nothing')
  t.equal(step(s, { kind: 'commit' }).status.decision, 'pending', 'one vote is not enough')
  s = step(s, { kind: 'prepare', role: 'b' }).status
  const committed = step(s, { kind: 'commit' })
  t.same(committed.effect, { kind: 'record-commit' })
  s = committed.status
  t.equal(
    step(s, { kind: 'abort', role: 'b', reason: 'late' }).status.decision,
    'committed',
    'abort after commit loses',
  )
  t.same(step(s, { kind: 'complete', role: 'b' }).status.completed, { a: false, b: true })

  let x = step(initialStatus('s2'), { kind: 'prepare', role: 'a' }).status
  x = step(x, { kind: 'abort', role: 'b', reason: 'no space' }).status
  t.equal(x.reason, 'b: no space', 'the reason names who aborted')
  t.equal(step(x, { kind: 'prepare', role: 'b' }).status.decision, 'aborted', 'a vote after abort is moot')
  t.equal(
    step(x, { kind: 'abort', role: 'a', reason: 'other' }).status.reason,
    'b: no space',
    'the first abort wins',
  )
  t.throws(() => step(x, { kind: 'complete', role: 'a' }), SwapNotCommittedError)
  t.throws(() => step(initialStatus('s3'), { kind: 'complete', role: 'a' }), {
    name: 'SwapNotCommittedError',
    code: 'NOT_COMMITTED',
    message: /wait for the decision/,
  })
  t.throws(() => step(initialStatus('s'), { kind: 'prepare', role: 'c' as Role }), {
    name: 'CoordinatorCallRejectedError',
    code: 'BAD_ROLE',
  })
})

t.test('abort reasons are cut to MAX_ABORT_REASON_BYTES, never inside a character', async (t) => {
  t.ok(MAX_ABORT_REASON_BYTES <= MAX_TEXT_LENGTH, "a recorded reason fits the ledger's text field")
  t.equal(abortReason('a', 'no space'), 'a: no space', 'a short reason is kept whole')
  t.equal(bytes(abortReason('a', 'x'.repeat(600))), MAX_ABORT_REASON_BYTES, 'ASCII fills the limit')
  for (const why of REASONS) {
    const r = abortReason('b', why)
    t.ok(bytes(r) <= MAX_ABORT_REASON_BYTES, `${bytes(r)} bytes`)
    t.ok(r.length <= MAX_TEXT_LENGTH, `${r.length} characters`)
    t.ok(`b: ${why}`.startsWith(r), 'a prefix of the reason')
    t.notOk(/[\uD800-\uDBFF]$/.test(r), 'no half of a surrogate pair at the end')
    t.equal(Buffer.from(r).toString(), r, 'round-trips through UTF-8')
  }
  const boundary = abortReason('a', `${'x'.repeat(252)}\u{1F600}`)
  t.equal(boundary, `a: ${'x'.repeat(252)}`, 'a character that would cross the limit is left out whole')
})

t.test('watch admission: one limit for the wait and for the watches open per swap', async (t) => {
  const w = { swapId: 's', open: 0 }
  t.equal(admitWatch({ ...w, waitMs: 60_000 }), MAX_COORDINATOR_WATCH_MS, 'a longer wait is cut')
  t.equal(admitWatch({ ...w, waitMs: Number.POSITIVE_INFINITY }), MAX_COORDINATOR_WATCH_MS)
  t.equal(admitWatch({ ...w, waitMs: 1234.7 }), 1234)
  t.equal(admitWatch({ ...w, waitMs: 0 }), 0, 'no wait: the status now')
  t.equal(admitWatch({ ...w, waitMs: -5 }), 0)
  t.equal(admitWatch({ ...w, waitMs: 100, closing: true }), 0, 'a closing coordinator answers at once')
  t.equal(admitWatch({ ...w, waitMs: 100, open: MAX_COORDINATOR_WATCHERS - 1 }), 100, 'the last free slot')
  t.throws(() => admitWatch({ ...w, waitMs: 100, open: MAX_COORDINATOR_WATCHERS }), {
    name: 'CoordinatorBusyError',
    code: 'TOO_MANY_WATCHERS',
  })
  t.equal(admitWatch({ ...w, waitMs: 0, open: MAX_COORDINATOR_WATCHERS }), 0, 'a status read takes no slot')
  t.throws(() => admitWatch({ ...w, waitMs: Number.NaN }), {
    name: 'CoordinatorCallRejectedError',
    code: 'MALFORMED',
  })
})

t.test('sameSwapState and isSwapStatus', async (t) => {
  const s = initialStatus('s')
  t.ok(sameSwapState(s, { ...s, reason: 'ignored' }), 'the reason aside')
  t.notOk(sameSwapState(s, { ...s, decision: 'aborted' }))
  t.notOk(sameSwapState(s, { ...s, prepared: { a: false, b: true } }))
  t.notOk(sameSwapState(s, { ...s, completed: { a: true, b: false } }))
  t.ok(isSwapStatus(s))
  t.ok(isSwapStatus({ ...s, reason: 'a: x' }))
  for (const bad of [
    null,
    'pending',
    { ...s, decision: 'maybe' },
    { ...s, prepared: { a: 1, b: false } },
    { ...s, completed: undefined },
    { ...s, swapId: 7 },
    { ...s, reason: 3 },
  ])
    t.notOk(isSwapStatus(bad), JSON.stringify(bad))
})

t.test('a refusal code reads back as its one class; only UNSUPPORTED_OP is "unsupported"', async (t) => {
  const C = CoordinatorFailureCode
  const classOf: Record<string, string> = {
    [C.UNSUPPORTED_OP]: 'CoordinatorUnsupportedError',
    [C.NOT_COMMITTED]: 'SwapNotCommittedError',
    [C.TOO_MANY_WATCHERS]: 'CoordinatorBusyError',
    [C.NOT_PARTY]: 'CoordinatorNotPartyError',
    [C.UNKNOWN_SWAP]: 'UnknownSwapError',
    [C.MALFORMED]: 'CoordinatorCallRejectedError',
    [C.BAD_SWAP_ID]: 'CoordinatorCallRejectedError',
    [C.BAD_ROLE]: 'CoordinatorCallRejectedError',
    [C.WRONG_SWAP]: 'CoordinatorCallRejectedError',
    [C.STALE_CALL]: 'CoordinatorCallRejectedError',
    [C.BAD_SIGNATURE]: 'CoordinatorCallRejectedError',
    [C.INTERNAL]: 'CoordinatorRemoteError',
  }
  t.same(Object.keys(classOf).sort(), Object.values(C).sort(), 'every wire code is mapped')
  const cases: [string, string][] = [
    ...Object.entries(classOf),
    ['LEDGER_SOMETHING', 'CoordinatorRemoteError'],
  ]
  for (const [code, name] of cases) {
    const err = coordinatorFailure(code, 'detail', 'watch')
    t.equal(err.name, name, code)
    t.equal(err instanceof CoordinatorUnsupportedError, code === C.UNSUPPORTED_OP, `${code}: unsupported?`)
    if (code !== C.UNSUPPORTED_OP) t.equal(err.code, code, `${code} keeps its code`)
  }
  t.match(coordinatorFailure(C.STALE_CALL, 'not fresh', 'commit').message, /clock/, 'says what to do')
})

/** Checks the machine's invariants across one step; returns the next status, and whether all held. */
function checkStep(
  t: Test,
  before: SwapStatus,
  e: CoordinatorEvent,
  where: string,
): { s: SwapStatus; held: boolean } {
  let held = true
  const next = checkedStep(before, e, (what) => {
    held = false
    t.fail(`${where}: ${what}`, { before, event: e })
  })
  return { s: next, held }
}

function checkedStep(before: SwapStatus, e: CoordinatorEvent, fail: (what: string) => void): SwapStatus {
  const got = run(frozen(structuredClone(before)), e)
  if (typeof got === 'string') {
    if (got !== 'NOT_COMMITTED' || e.kind !== 'complete' || before.decision === 'committed')
      fail('refused, and not a completion before the commit')
    return before
  }
  const s = got.status
  if (s.decision === 'committed' && !(s.prepared.a && s.prepared.b)) fail('committed without both votes')
  if ((s.completed.a || s.completed.b) && s.decision !== 'committed') fail('completed before the commit')
  if ((s.reason !== undefined) !== (s.decision === 'aborted')) fail('a reason iff aborted')
  if (s.reason !== undefined && bytes(s.reason) > MAX_ABORT_REASON_BYTES) fail('reason over the limit')
  if (before.decision !== 'pending' && s.decision !== before.decision) fail('a decision changed')
  for (const r of ROLES) {
    if (before.prepared[r] && !s.prepared[r]) fail('a vote was lost')
    if (before.completed[r] && !s.completed[r]) fail('a completion was lost')
  }
  const identical = (x: SwapStatus, y: SwapStatus): boolean =>
    x.swapId === y.swapId && sameSwapState(x, y) && x.reason === y.reason
  if ((got.effect !== null) === identical(before, s)) fail('an effect iff the status changed')
  // idempotent: the same event again changes nothing and answers the same
  const again = run(frozen(structuredClone(s)), e)
  if (typeof again === 'string' || again.effect !== null || !identical(again.status, s))
    fail('not idempotent')
  return s
}

t.test('seeded random walks keep every invariant', async (t) => {
  const rng = prng(WALK_SEED)
  const reached = new Set<string>()
  const walks = 1000
  walking: for (let w = 0; w < walks; w++) {
    let s = initialStatus(`walk-${w}`)
    for (const [i, e] of randomWalk(rng, 16).entries()) {
      const r = checkStep(t, s, e, `seed ${WALK_SEED} walk ${w} step ${i} ${describeEvent(e)}`)
      if (!r.held) break walking // the first broken walk says enough
      s = r.s
      reached.add(`${s.decision}/${+s.completed.a}${+s.completed.b}`)
    }
  }
  t.pass(`${walks} walks of 16 events from seed ${WALK_SEED}`)
  // the walks reach every kind of end, so the invariants were tried on all of them
  t.same([...reached].sort(), [
    'aborted/00',
    'committed/00',
    'committed/01',
    'committed/10',
    'committed/11',
    'pending/00',
  ])
})

t.test(
  'the local coordinator answers as the machine, step by step, and keeps it over a restart',
  async (t) => {
    const path = join(t.testdir(), 'coord')
    let c = await LevelCoordinator.open(path)
    const rng = prng(WALK_SEED + 1)
    const finals = new Map<string, SwapStatus>()
    for (let w = 0; w < 30; w++) {
      const swapId = `walk-${w}`
      let s = initialStatus(swapId)
      for (const [i, e] of randomWalk(rng, 10).entries()) {
        const want = run(s, e)
        const got = await apply(c, swapId, e)
        t.same(got, typeof want === 'string' ? want : want.status, `walk ${w} step ${i} ${describeEvent(e)}`)
        if (typeof want !== 'string') s = want.status
      }
      finals.set(swapId, s)
    }
    await c.close()
    c = await LevelCoordinator.open(path)
    t.teardown(() => c.close())
    for (const [swapId, s] of finals) t.same(await c.status(swapId), s, `${swapId} after a restart`)
  },
)

/** One event on a coordinator: its status, or the code of its refusal. */
async function apply(c: LevelCoordinator, swapId: string, e: CoordinatorEvent): Promise<SwapStatus | string> {
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

t.test('the local coordinator holds at most MAX_COORDINATOR_WATCHERS watches per swap', async (t) => {
  const c = await LevelCoordinator.open(join(t.testdir(), 'coord'))
  t.teardown(() => c.close())
  const seen = await c.status('w')
  const held = Array.from({ length: MAX_COORDINATOR_WATCHERS }, () => c.watch('w', seen, 60_000))
  await t.rejects(c.watch('w', seen, 60_000), { name: 'CoordinatorBusyError', code: 'TOO_MANY_WATCHERS' })
  t.equal(
    (await c.watch('other', await c.status('other'), 0)).decision,
    'pending',
    'other swaps are not held up',
  )
  await c.prepare('w', 'a')
  for (const s of await Promise.all(held)) t.same(s.prepared, { a: true, b: false })
  const again = c.watch('w', await c.status('w'), 60_000)
  await c.prepare('w', 'b')
  t.same((await again).prepared, { a: true, b: true }, 'answered watches free their slots')
})
