import t from 'tap'
import { parseAgentConfig } from '../../src/node/config.js'

const BASE = { instanceClass: { vcpus: 2, memoryBytes: 1, diskBytes: 1 }, location: 'loc-1' }

t.test('profiler and needs defaults', async (t) => {
  const c = parseAgentConfig(BASE)
  t.same(c.profiler, {
    enabled: true,
    intervalMs: 600_000,
    jitter: 0.2,
    startDelayMs: 120_000,
    busyRetryMs: 60_000,
    cpuShare: 0.02,
    diskShare: 0.01,
    retentionMs: 7 * 24 * 3600_000,
    retentionSamples: 1008,
    windowMs: 24 * 3600_000,
  })
  t.equal(c.needsMode, 'both')
  t.same(c.needsLearning, { sampleIntervalMs: 60_000, halfLifeMs: 6 * 3600_000, minObservedMs: 3600_000 })
  t.same(c.profileOverride, {})
  const partial = parseAgentConfig({
    ...BASE,
    profiler: { intervalMs: 5_000 },
    needsLearning: { halfLifeMs: 3600_000 },
  })
  t.equal(partial.profiler.intervalMs, 5_000, 'a field given')
  t.equal(partial.profiler.diskShare, 0.01, 'the others defaulted')
  t.equal(partial.needsLearning.minObservedMs, 3600_000)
})

t.test('out-of-range fields are refused with the field named', async (t) => {
  const bad: [unknown, RegExp][] = [
    [{ profiler: { cpuShare: 0 } }, /profiler\.cpuShare/],
    [{ profiler: { diskShare: 1.5 } }, /profiler\.diskShare/],
    [{ profiler: { jitter: 0.9 } }, /profiler\.jitter/],
    [{ profiler: { intervalMs: 10 } }, /profiler\.intervalMs/],
    [{ profiler: { retentionSamples: 3 } }, /profiler\.retentionSamples/],
    [{ profiler: { benchmarks: [] } }, /profiler\.benchmarks/],
    [{ profiler: { speed: 1 } }, /profiler/],
    [{ needsMode: 'guess' }, /needsMode/],
    [{ needsLearning: { halfLifeMs: 1 } }, /needsLearning\.halfLifeMs/],
    [{ needs: { cpu: 0.7, diskRead: 0.4 } }, /needs: needs weights must sum to at most 1/],
    [
      { profileOverride: { cpu: { median: -1, spread: 0, samples: 1, windowMs: 0 } } },
      /profileOverride\.cpu\.median/,
    ],
  ]
  for (const [over, message] of bad)
    t.throws(() => parseAgentConfig({ ...BASE, ...(over as object) }), {
      name: 'UsageError',
      code: 'BAD_CONFIG',
      message,
    })
})

t.test('the old profile field says what it became', async (t) => {
  t.throws(() => parseAgentConfig({ ...BASE, profile: {} }, 'agent.json'), {
    name: 'UsageError',
    code: 'BAD_CONFIG',
    message: /agent\.json: profile: the profiler measures the profile now; rename the field profileOverride/,
  })
})
