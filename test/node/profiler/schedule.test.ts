import t from 'tap'
import {
  budgetFloorMs,
  firstRun,
  jittered,
  nextRunAfter,
  type RunCost,
  retryRun,
  type ScheduleOptions,
} from '../../../src/node/profiler/index.js'
import { checkScheduleOptions } from '../../../src/node/profiler/schedule.js'

const OPTS: ScheduleOptions = {
  intervalMs: 600_000,
  jitter: 0.2,
  startDelayMs: 120_000,
  busyRetryMs: 60_000,
  cpuShare: 0.02,
  diskShare: 0.01,
  cores: 2,
}
const cost = (over: Partial<RunCost> = {}): RunCost => ({
  wallMs: 5_000,
  cpuMs: 1_000,
  diskMs: 2_000,
  readBytes: 0,
  writeBytes: 0,
  benchmarkBytes: 0,
  ...over,
})

/** A deterministic uniform source (a linear congruential generator), so the tests need no luck. */
function lcg(seed: number): () => number {
  let x = seed >>> 0
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    return x / 2 ** 32
  }
}

t.test('jitter stays within interval x (1 ± jitter) and covers the band', async (t) => {
  const random = lcg(7)
  const gaps = Array.from({ length: 2000 }, () => jittered(600_000, 0.2, random))
  t.ok(Math.min(...gaps) >= 480_000 && Math.max(...gaps) <= 720_000, 'between 8 and 12 min')
  t.ok(Math.min(...gaps) < 490_000 && Math.max(...gaps) > 710_000, 'the whole band is used')
  t.equal(jittered(600_000, 0, random), 600_000, 'no jitter, no spread')
})

t.test('the budget floor: each run pays for its cost with the gap after it', async (t) => {
  // 1 s of CPU at 2 % of 2 cores needs 25 s; 2 s of disk at 1 % needs 200 s; the larger wins.
  t.equal(budgetFloorMs(1_000, cost(), OPTS), 1_000 + 200_000)
  t.equal(budgetFloorMs(0, cost({ cpuMs: 10_000, diskMs: 0 }), OPTS), 250_000, 'CPU-bound run')
  t.equal(
    budgetFloorMs(0, cost({ cpuMs: 0, diskMs: 0, wallMs: 9_000 }), OPTS),
    9_000,
    'never before it ended',
  )
  const cheap = nextRunAfter(0, cost(), OPTS, () => 0.5)
  t.same(cheap, { atMs: 600_000, reason: 'interval' }, 'a cheap run: the jittered interval decides')
  const dear = nextRunAfter(0, cost({ diskMs: 17_000 }), OPTS, () => 0.5)
  t.same(dear, { atMs: 1_700_000, reason: 'budget' }, 'a slow disk stretches the gap to 28 min')
})

t.test('first run and retries never come before the persisted floor', async (t) => {
  t.same(
    firstRun(0, 0, OPTS, () => 0),
    { atMs: 120_000, reason: 'start' },
  )
  t.same(
    firstRun(0, 0, OPTS, () => 0.5),
    { atMs: 120_000 + 60_000, reason: 'start' },
    'plus part of a jitter',
  )
  t.same(
    firstRun(0, 900_000, OPTS, () => 0.5),
    { atMs: 900_000, reason: 'budget' },
    'a restart keeps the floor',
  )
  t.same(
    retryRun(0, 0, 'busy', OPTS, () => 0.5),
    { atMs: 60_000, reason: 'busy' },
  )
  t.same(
    retryRun(0, 100_000, 'busy', OPTS, () => 0.5),
    { atMs: 100_000, reason: 'budget' },
  )
})

t.test('simulated weeks with random costs: the long-run shares stay under the budget', async (t) => {
  const random = lcg(42)
  for (const o of [
    OPTS,
    { ...OPTS, intervalMs: 1_000, jitter: 0.5 },
    { ...OPTS, cores: 1, cpuShare: 0.001 },
  ]) {
    let now = 0
    let floor = 0
    let cpu = 0
    let disk = 0
    let early = 0
    for (let run = 0; run < 5_000; run++) {
      // Costs from cheap to far over the interval's budget, some runs busy-deferred.
      const c = cost({
        cpuMs: random() * 20_000,
        diskMs: random() * 30_000,
        wallMs: 1_000 + random() * 30_000,
      })
      if (now < floor) early++
      cpu += c.cpuMs
      disk += c.diskMs
      const next = nextRunAfter(now, c, o, random)
      floor = budgetFloorMs(now, c, o)
      now = random() < 0.2 ? retryRun(next.atMs, floor, 'busy', o, random).atMs : next.atMs
    }
    t.equal(early, 0, 'no run starts before the floor')
    t.ok(
      cpu / (now * o.cores) <= o.cpuShare,
      `CPU share ${(cpu / (now * o.cores)).toFixed(4)} <= ${o.cpuShare}`,
    )
    t.ok(disk / now <= o.diskShare, `disk share ${(disk / now).toFixed(4)} <= ${o.diskShare}`)
  }
})

t.test('out-of-range options are refused with a typed error', async (t) => {
  t.throws(() => checkScheduleOptions({ ...OPTS, cpuShare: 0 }), {
    name: 'ProfilerError',
    code: 'BAD_OPTIONS',
  })
  t.throws(() => checkScheduleOptions({ ...OPTS, jitter: 1 }), { name: 'ProfilerError', code: 'BAD_OPTIONS' })
})
