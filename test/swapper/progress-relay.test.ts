import '../../src/polyfill.js'
import t from 'tap'
import type { SwapProgressEvent } from '../../src/swapper/events.js'
import { ProgressRelay, RELAY_INTERVAL_MS } from '../../src/swapper/local/progress-relay.js'

const progress = (phase: 'index' | 'stage', done: number, total = 100): SwapProgressEvent => ({
  type: 'progress',
  role: 'a',
  phase,
  done,
  total,
})

t.test('progress goes out at most once per interval per phase; first, last and order kept', async (t) => {
  let now = 0
  const sent: SwapProgressEvent[] = []
  const relay = new ProgressRelay(
    (e) => sent.push(e),
    () => now,
  )
  relay.push({ type: 'phase-start', role: 'a', phase: 'index', total: 100 })
  relay.push(progress('index', 1)) // first: at once
  relay.push(progress('index', 2)) // held
  relay.push(progress('index', 3)) // replaces the held one
  t.same(
    sent.map((e) => (e.type === 'progress' ? e.done : e.type)),
    ['phase-start', 1],
  )
  now = RELAY_INTERVAL_MS
  relay.push(progress('index', 4)) // the interval has passed: at once, the held one dropped for it
  t.same(
    sent.map((e) => (e.type === 'progress' ? e.done : e.type)),
    ['phase-start', 1, 4],
  )
  relay.push(progress('index', 5)) // held
  relay.push({ type: 'note', role: 'a', message: 'x' }) // the held one goes out before it
  t.same(
    sent.map((e) => (e.type === 'progress' ? e.done : e.type)),
    ['phase-start', 1, 4, 5, 'note'],
  )
  relay.push(progress('index', 6)) // held (5 went out just now)
  relay.push(progress('stage', 1)) // another phase: index's held one first
  relay.push(progress('index', 100)) // the last of a phase: at once
  t.same(
    sent.slice(5).map((e) => (e.type === 'progress' ? `${e.phase} ${e.done}` : e.type)),
    ['index 6', 'stage 1', 'index 100'],
  )
})

t.test('a held progress event goes out by itself once the interval has passed', async (t) => {
  const sent: SwapProgressEvent[] = []
  const relay = new ProgressRelay((e) => sent.push(e))
  relay.push(progress('stage', 1))
  relay.push(progress('stage', 2))
  t.equal(sent.length, 1)
  await new Promise((r) => setTimeout(r, RELAY_INTERVAL_MS + 30))
  t.same(
    sent.map((e) => (e.type === 'progress' ? e.done : -1)),
    [1, 2],
  )
  relay.flush() // nothing held: nothing sent
  t.equal(sent.length, 2)
})
