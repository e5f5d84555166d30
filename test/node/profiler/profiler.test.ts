import t from 'tap'
import {
  DEFAULT_MARKET_POLICY,
  decide,
  type MarketSide,
  type SelfState,
} from '../../../src/node/market/decision.js'
import { advertisedLink, DEFAULT_UTILITY_MODEL } from '../../../src/node/market/utility.js'
import {
  ActivityGate,
  advertisedProfile,
  type BenchmarkRunner,
  Profiler,
  type ProfilerOptions,
  SampleStore,
} from '../../../src/node/profiler/index.js'
import type { Profile } from '../../../src/protocols/advert.js'
import { openDataDir } from '../../../src/runtime/data-dir.js'
import { createLogger } from '../../../src/runtime/log.js'
import {
  BenchmarkFailedError,
  BenchmarkResource,
  type VerifiedBenchmark,
} from '../../../src/runtime/sandbox/index.js'
import { CPU_BENCH, fakeBenchmark, ManualClock, tempDataDir, WRITE_BENCH } from './helpers.js'

const log = createLogger('silent')
const MIN = 60_000

const OPTIONS: ProfilerOptions = {
  intervalMs: 10 * MIN,
  jitter: 0.2,
  startDelayMs: 2 * MIN,
  busyRetryMs: MIN,
  cpuShare: 0.02,
  diskShare: 0.01,
  retentionMs: 7 * 24 * 60 * MIN,
  retentionSamples: 1008,
  windowMs: 24 * 60 * MIN,
}

/**
 * A runner that takes `wallMs` of the manual clock per benchmark and returns
 * the next value of its benchmark's queue (or its default).
 */
function scriptedRunner(
  clock: ManualClock,
  values: Record<string, number[]>,
  defaults: Record<string, number>,
  wallMs: Record<string, number> = {},
): BenchmarkRunner & { calls: string[] } {
  const calls: string[] = []
  const run: BenchmarkRunner = async (b, o) => {
    const name = b.manifest.name
    calls.push(name)
    if (o.signal.aborted) throw new BenchmarkFailedError('ABORTED', `${name} aborted`)
    clock.advance(wallMs[name] ?? 1_000)
    const v = values[name]?.shift() ?? defaults[name]
    if (v === undefined) throw new BenchmarkFailedError('CRASHED', `${name} has no script`)
    return { value: v }
  }
  return Object.assign(run, { calls })
}

const fixedMeter = (cpuMs: number) => async () => ({
  finish: async (wallMs: number, diskMs: number, benchmarkBytes: number) => ({
    wallMs,
    cpuMs,
    diskMs,
    readBytes: 0,
    writeBytes: 0,
    benchmarkBytes,
  }),
})

function profiler(
  db: import('../../../src/runtime/data-dir.js').Db,
  clock: ManualClock,
  runner: BenchmarkRunner,
  over: {
    suite?: VerifiedBenchmark[]
    options?: Partial<ProfilerOptions>
    gate?: ActivityGate
    location?: string
    cpuMs?: number
    onMaterialChange?: (why: string) => void
  } = {},
): Profiler {
  return new Profiler({
    db,
    gate: over.gate ?? new ActivityGate(),
    location: over.location ?? 'loc-1',
    suite: () => over.suite ?? [CPU_BENCH, WRITE_BENCH],
    anchorKey: new Uint8Array(32),
    diskDir: '/nonexistent',
    options: { ...OPTIONS, ...over.options },
    cores: 2,
    log,
    clock,
    random: () => 0.5,
    runner,
    meter: fixedMeter(over.cpuMs ?? 500),
    onMaterialChange: over.onMaterialChange,
  })
}

t.test(
  'runs on the jittered schedule; a dear run waits for the budget floor; a restart keeps it',
  async (t) => {
    const dir = t.testdir()
    const clock = new ManualClock()
    const t0 = clock.now()
    let data = await openDataDir(`${dir}/d`)
    const runner = scriptedRunner(
      clock,
      {},
      { 'vboom/cpu': 1000, 'vboom/disk-write': 100 },
      {
        'vboom/disk-write': 2_000,
      },
    )
    let p = profiler(data.db, clock, runner)
    await p.start()
    // random 0.5: the start delay plus half a jitter of the interval (0.2 x 10 min x 0.5 = 1 min).
    t.equal(clock.nextAtMs, t0 + 3 * MIN, 'first run after the start delay and the jitter')
    t.equal(p.status().next?.reason, 'start')
    clock.fireNext()
    await p.runDue()
    t.same(runner.calls, ['vboom/cpu', 'vboom/disk-write'], 'the suite runs in order')
    const s = p.status()
    t.equal(s.lastRun?.outcome, 'measured')
    t.equal(s.lastRun?.cost.diskMs, 2_000, 'disk time is the disk benchmark’s wall time')
    t.equal(s.lastRun?.cost.wallMs, 3_000)
    t.equal(s.next?.reason, 'interval', '2 s of disk at 1 % needs 200 s: the 10 min interval decides')
    t.equal(clock.nextAtMs, t0 + 3 * MIN + 10 * MIN)
    t.same(Object.keys(p.profile()).sort(), ['cpu', 'diskWrite'])

    // The disk slows: 15 s of disk benchmark needs 1500 s of gap, more than the interval.
    clock.advance(10 * MIN)
    const slow = scriptedRunner(
      clock,
      {},
      { 'vboom/cpu': 1000, 'vboom/disk-write': 20 },
      { 'vboom/disk-write': 15_000 },
    )
    await p.stop()
    p = profiler(data.db, clock, slow)
    await p.start()
    await p.runDue()
    const started = clock.now() - 16_000
    t.equal(p.status().next?.reason, 'budget')
    t.equal(clock.nextAtMs, started + 15_000 / 0.01, 'the next run waits until the disk time is paid for')

    // A restart right away: the persisted floor holds, whatever the start delay says.
    await p.stop()
    await data.close()
    data = await openDataDir(`${dir}/d`)
    t.teardown(() => data.close())
    p = profiler(data.db, clock, slow)
    await p.start()
    t.equal(p.status().next?.reason, 'budget', 'after a restart the floor still decides')
    t.equal(clock.nextAtMs, started + 1_500_000)
    t.equal(p.status().budget.runs, 2, 'the budget totals survive the restart')
    await p.stop()
  },
)

t.test('the long-run CPU and disk shares stay under the budget over a day of runs', async (t) => {
  const data = await tempDataDir(t)
  const clock = new ManualClock()
  // Dear runs: 2 s of CPU (2 % of 2 cores needs 50 s) and 8 s of disk (needs 800 s) every time.
  const runner = scriptedRunner(
    clock,
    {},
    { 'vboom/cpu': 1000, 'vboom/disk-write': 100 },
    {
      'vboom/disk-write': 8_000,
    },
  )
  const p = profiler(data.db, clock, runner, { cpuMs: 2_000 })
  await p.start()
  const end = clock.now() + 24 * 60 * MIN
  while (clock.now() < end && clock.fireNext()) await p.runDue()
  const b = p.status().budget
  t.ok(b.runs > 50, `${b.runs} runs in a day`)
  t.ok(b.usedDiskShare <= 0.01, `disk share ${b.usedDiskShare.toFixed(4)} <= 0.01`)
  t.ok(b.usedCpuShare <= 0.02, `CPU share ${b.usedCpuShare.toFixed(4)} <= 0.02`)
  t.ok(b.usedDiskShare > 0.009, 'and the budget, not the interval, set the pace')
  await p.stop()
})

t.test('the activity gate: a held gate defers a run; an activity mid-run aborts it', async (t) => {
  const data = await tempDataDir(t)
  const clock = new ManualClock()
  const gate = new ActivityGate()
  const runner = scriptedRunner(clock, {}, { 'vboom/cpu': 1000, 'vboom/disk-write': 100 })
  const p = profiler(data.db, clock, runner, { gate })
  await p.start()
  const swap = await gate.acquire('swap')
  clock.fireNext()
  await p.runDue()
  t.same(runner.calls, [], 'nothing runs while a swap holds the gate')
  t.equal(p.status().next?.reason, 'busy')
  t.equal(clock.nextAtMs, clock.now() + MIN, 'it tries again a minute later')
  swap.release()

  // A verification starts while the disk benchmark runs: the run stops, keeps nothing, and is paid for.
  let verification: Promise<unknown> | null = null
  const interrupting: BenchmarkRunner = async (b, o) => {
    runner.calls.push(b.manifest.name)
    clock.advance(1_000)
    if (b.manifest.name === 'vboom/disk-write') {
      verification = gate.acquire('verification')
      t.ok(o.signal.aborted, 'the run is told at once')
      throw new BenchmarkFailedError('ABORTED', 'aborted')
    }
    return { value: 1000 }
  }
  const q = profiler(data.db, clock, interrupting, { gate })
  await p.stop()
  await q.start()
  clock.fireNext()
  await q.runDue()
  const lease = (await verification!) as { release(): void }
  t.equal(q.status().lastRun?.outcome, 'aborted')
  t.same(q.profile(), {}, 'an aborted run keeps no sample')
  t.equal(await new SampleStore(data.db).count('cpu'), 0, 'not even the benchmarks before the abort')
  t.equal(q.status().budget.runs, 1, 'its cost counts')
  t.equal(q.status().lastRun?.cost.diskMs, 1_000)
  t.same(gate.busy, ['verification'])
  lease.release()
  await q.stop()
})

t.test('retention by age and by count; samples of another location are dropped at start', async (t) => {
  const data = await tempDataDir(t)
  const store = new SampleStore(data.db)
  const now = 1_800_000_000_000
  const sample = (resource: 'cpu' | 'diskWrite', ageMs: number, location = 'loc-1') => ({
    resource,
    atMs: now - ageMs,
    value: 1,
    bench: 'b',
    location,
  })
  await store.put([
    ...Array.from({ length: 12 }, (_, i) => sample('cpu', i * MIN)),
    sample('diskWrite', 8 * 24 * 60 * MIN),
    sample('diskWrite', 6 * 24 * 60 * MIN),
    sample('diskWrite', MIN, 'loc-old'),
  ])
  const dropped = await store.prune(now, { retentionMs: 7 * 24 * 60 * MIN, retentionSamples: 10 })
  t.equal(dropped, 3, 'the 2 oldest cpu samples over the count and the diskWrite one over a week')
  t.equal(await store.count('cpu'), 10)
  t.equal(await store.count('diskWrite'), 2)
  const kept = await store.load('loc-1')
  t.equal(kept.length, 11, 'load keeps this location’s samples')
  t.ok(
    kept.filter((s) => s.resource === 'cpu').every((s, i, a) => i === 0 || a[i - 1]!.atMs < s.atMs),
    'oldest first',
  )
  t.equal(await store.count('diskWrite'), 1, 'the other location’s sample is gone from the database')

  // Through the profiler: every run prunes to the configured count.
  const clock = new ManualClock()
  const runner = scriptedRunner(clock, {}, { 'vboom/cpu': 1000, 'vboom/disk-write': 100 })
  const p = profiler(data.db, clock, runner, { options: { retentionSamples: 8 }, location: 'loc-2' })
  await p.start()
  t.equal(await store.count('cpu'), 0, 'a VM that moved starts a new series')
  for (let i = 0; i < 12; i++) {
    clock.fireNext()
    await p.runDue()
  }
  t.equal(await store.count('cpu'), 8)
  t.equal(p.profile().cpu?.samples, 8, 'the series is bounded the same way')
  await p.stop()
})

t.test(
  'a benchmark that fails is skipped; no suite yet means a retry; a new module restarts a series',
  async (t) => {
    const data = await tempDataDir(t)
    const clock = new ManualClock()
    let suite: VerifiedBenchmark[] = []
    const runner = scriptedRunner(clock, {}, { 'vboom/cpu': 1000 })
    const p = new Profiler({
      db: data.db,
      gate: new ActivityGate(),
      location: 'loc-1',
      suite: () => suite,
      anchorKey: new Uint8Array(32),
      diskDir: '/nonexistent',
      options: OPTIONS,
      cores: 2,
      log,
      clock,
      random: () => 0.5,
      runner,
      meter: fixedMeter(100),
    })
    await p.start()
    clock.fireNext()
    await p.runDue()
    t.equal(p.status().next?.reason, 'no-suite', 'the suite is not fetched yet: retry')
    suite = [CPU_BENCH, WRITE_BENCH, fakeBenchmark('vboom/net-rtt', BenchmarkResource.NET_RTT, { net: true })]
    clock.fireNext()
    await p.runDue()
    t.same(runner.calls, ['vboom/cpu', 'vboom/disk-write'], 'network benchmarks are not run')
    t.equal(p.status().lastRun?.outcome, 'measured', 'one benchmark failing does not void the run')
    t.same(Object.keys(p.profile()), ['cpu'])
    t.match(p.status().skipped, [{ name: 'vboom/net-rtt', why: /network peer/ }])
    for (let i = 0; i < 3; i++) {
      clock.fireNext()
      await p.runDue()
    }
    t.equal(p.profile().cpu?.samples, 4)
    suite = [fakeBenchmark('vboom/cpu', BenchmarkResource.CPU, { version: 2 })]
    clock.fireNext()
    await p.runDue()
    t.equal(p.profile().cpu?.samples, 1, 'another module: the series starts again')
    await p.stop()
  },
)

t.test(
  'end to end: one noisy sample never moves the advert enough to trigger a swap; a lasting drop does',
  async (t) => {
    const data = await tempDataDir(t)
    const clock = new ManualClock()
    const changes: string[] = []
    // One profiler per phase over the same database (a restart each time): each with its own script.
    const phase = async (script: number[], fallback?: number): Promise<Profiler> => {
      const runner = scriptedRunner(
        clock,
        { 'vboom/disk-write': script },
        fallback === undefined ? {} : { 'vboom/disk-write': fallback },
      )
      const p = profiler(data.db, clock, runner, {
        suite: [WRITE_BENCH],
        onMaterialChange: (why) => changes.push(why),
      })
      await p.start()
      return p
    }
    const run = async (p: Profiler, n = 1): Promise<void> => {
      for (let i = 0; i < n; i++) {
        clock.fireNext()
        await p.runDue()
      }
    }
    // What the market sees: the advert's profile (netBw from the override: the profiler does not measure it).
    const override: Profile = { netBw: { median: 1000, spread: 10, samples: 30, windowMs: 3_600_000 } }
    // A partner 1 % faster: within what the margin (2 %) and the confidence bound discount.
    const partner: MarketSide & { reputation: number } = {
      vm: 'partner',
      profile: { ...override, diskWrite: { median: 101, spread: 1, samples: 30, windowMs: 3_600_000 } },
      needs: { diskWrite: 1 },
      askMicros: 0n,
      reputation: 0,
    }
    const swaps = (p: Profiler): boolean => {
      const own = advertisedProfile(p.profile(), override)
      const self: SelfState = { vm: 'self', profile: own, needs: { diskWrite: 1 }, askMicros: 0n }
      return decide(
        self,
        partner,
        { payer: null, priceMicros: 0n },
        advertisedLink(20 * 2 ** 30, own, partner.profile),
        clock.now(),
        DEFAULT_UTILITY_MODEL,
        DEFAULT_MARKET_POLICY,
      ).accept
    }

    const steady = await phase(
      Array.from({ length: 30 }, (_, i) => 100 * (1 + 0.01 * Math.sin(i * 2.399963))),
    )
    await run(steady, 30)
    t.equal(swaps(steady), false, 'no swap for 1 %')
    const before = steady.profile().diskWrite!
    const changesBefore = changes.length
    await steady.stop()

    const noisy = await phase([5])
    await run(noisy)
    const after = noisy.profile().diskWrite!
    t.equal(after.samples, before.samples + 1, 'the wild sample (5 MB/s against 100) is kept')
    t.ok(Math.abs(after.median - before.median) / before.median < 0.01, 'the median moves under 1 %')
    t.ok(after.spread < 1.5 * before.spread, 'the spread hardly moves')
    t.equal(changes.length, changesBefore, 'no material change, no republish')
    t.equal(swaps(noisy), false, 'still no swap after the noisy sample')
    await noisy.stop()

    // A lasting drop to half: the change is detected and the profile follows, so a swap now pays.
    const halved = await phase([], 50)
    let samples = 0
    while (halved.status().changes.length === 0 && samples < 20) {
      await run(halved)
      samples++
    }
    // The CUSUM needs 5 clipped samples for a large shift; the wild sample already counted as one.
    t.ok(samples <= 6, `the drop is detected after ${samples} samples at the new level`)
    t.match(halved.status().changes[0], { resource: 'diskWrite', direction: 'down' })
    await run(halved, 5)
    t.ok(Math.abs(halved.profile().diskWrite!.median - 50) < 1, 'the profile reports the new level')
    t.ok(changes.length > changesBefore, 'the material change republishes')
    t.equal(swaps(halved), true, 'after a lasting halving, the 101 MB/s partner is worth a swap')
    await halved.stop()
  },
)
