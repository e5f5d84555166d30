/**
 * Needs from captured /proc contents (test/node/fixtures/proc: t0 and t1 read
 * 13.1 s apart on a 2-core VM while a busy loop ran and dd wrote 200 MiB with
 * O_DIRECT; eth0 idle), and the derivation's rules on constructed signals.
 */
import { cp, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import {
  deriveNeeds,
  ewmaAlpha,
  intervalSignals,
  learnedWeights,
  NeedsLearner,
  type NeedsReport,
  type Smoothed,
  smooth,
  takeSnapshot,
} from '../../../src/node/needs/index.js'
import { materialNeedsChange } from '../../../src/node/needs/needs-learner.js'
import {
  parseDiskstats,
  parseNetDev,
  parsePressure,
  parseProcStat,
} from '../../../src/node/needs/proc-parse.js'
import type { Profile } from '../../../src/protocols/advert.js'
import { openDataDir } from '../../../src/runtime/data-dir.js'
import { createLogger } from '../../../src/runtime/log.js'
import { ManualClock } from '../profiler/helpers.js'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'proc')
const SYS = join(FIXTURES, 'sys')
const VDA = '254:0'
const log = createLogger('silent')
const HOUR = 3600_000

const read = (p: string) => readFile(join(FIXTURES, p), 'utf8')
const atMs = async (snap: string) => Number((await read(`${snap}/at-ms`)).trim())
const snapshot = async (snap: string) =>
  takeSnapshot({ procRoot: join(FIXTURES, snap), sysRoot: SYS, disk: VDA }, await atMs(snap))

// The fixture's numbers, as the files give them.
const DT_S = (1796626570507 - 1796626557396) / 1000
const CPU_PSI_US = 8291221310 - 8278311508
const IO_PSI_US = 278027880 - 277680352
const WRITTEN_BYTES = (74128674 - 73695106) * 512
const WRITES = 530651 - 530439
const READS = 515383 - 515376
const READ_BYTES = (37080689 - 37080633) * 512
const IO_TICKS_MS = 377744 - 377072

t.test('parsers read the captured files', async (t) => {
  const cpu = parsePressure(await read('t0/pressure/cpu'))!
  t.same(cpu.some, { avg10: 98.52, avg60: 97.92, avg300: 86.84, totalUs: 8278311508 })
  t.equal(cpu.full?.totalUs, 0)
  t.equal(parsePressure('full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n'), null, 'no some line: nothing')
  const disks = parseDiskstats(await read('t0/diskstats'))
  t.same(disks.get(VDA), {
    name: 'vda',
    readsCompleted: 515376,
    sectorsRead: 37080633,
    writesCompleted: 530439,
    sectorsWritten: 73695106,
    ioTicksMs: 377072,
  })
  t.equal(disks.size, 3)
  const net = parseNetDev(await read('t0/net/dev'))
  t.same(net.get('eth0'), { rxBytes: 1133004570, rxPackets: 39527, txBytes: 5269856, txPackets: 34405 })
  t.ok(net.has('lo') && !net.has('Inter-|   Receive'), 'header lines are not interfaces')
  t.same(parseProcStat(await read('t0/stat')), {
    busy: 1528804 + 4343 + 224819 + 2812 + 15341,
    total: 1528804 + 4343 + 224819 + 2812 + 15341 + 77661 + 2417,
  })
  t.equal(parseProcStat('intr 1 2 3\n'), null)
})

t.test('a snapshot counts the VM disk and the device-backed interfaces only', async (t) => {
  const s = await snapshot('t0')
  t.equal(s.disk?.name, 'vda')
  t.same(
    s.net,
    { rxBytes: 1133004570, rxPackets: 39527, txBytes: 5269856, txPackets: 34405 },
    'eth0, not lo or ifb',
  )
  t.equal(s.linkMbit, null, 'virtio says -1: no link rate')
  t.equal(s.psi.memory, 0)
  const bare = await takeSnapshot({ procRoot: join(FIXTURES, 'none'), sysRoot: SYS, disk: VDA }, 0)
  t.same(bare.psi, { cpu: null, io: null, memory: null }, 'no files, no signals (not Linux, or no PSI)')
  t.equal(bare.cpu, null)
})

t.test('interval signals from the two captures', async (t) => {
  const s = intervalSignals(await snapshot('t0'), await snapshot('t1'), 2)!
  t.equal(s.dtMs, 13_111)
  t.equal(s.cpuBusyCores, 2, 'no idle tick in between: both cores busy')
  t.ok(Math.abs(s.cpuSome! - CPU_PSI_US / 1e6 / DT_S) < 1e-9, 'cpu pressure share')
  t.ok(Math.abs(s.ioSome! - IO_PSI_US / 1e6 / DT_S) < 1e-9, 'io pressure share')
  t.equal(s.memorySome, 0)
  t.ok(Math.abs(s.diskBusy! - IO_TICKS_MS / 1000 / DT_S) < 1e-9)
  t.ok(Math.abs(s.diskWriteBytesPerS! - WRITTEN_BYTES / DT_S) < 1e-6, 'dd’s 200 MiB show as written bytes')
  t.ok(WRITTEN_BYTES >= 200 * 2 ** 20)
  t.ok(Math.abs(s.diskWriteOpsPerS! - WRITES / DT_S) < 1e-9)
  t.equal(s.netRxBytesPerS, 0)
  const own = intervalSignals(await snapshot('t0'), await snapshot('t1'), 2, {
    cpuMs: 6_555.5,
    diskMs: 100,
    readBytes: 0,
    writeBytes: WRITTEN_BYTES,
  })!
  t.ok(Math.abs(own.cpuBusyCores! - 1.5) < 1e-9, 'the agent’s own benchmark CPU is taken out')
  t.equal(own.diskWriteBytesPerS, 0, 'and its bytes')
  t.ok(Math.abs(own.ioSome! - (IO_PSI_US / 1e6 - 0.1) / DT_S) < 1e-9, 'and its disk time')
  t.equal(
    intervalSignals(await snapshot('t1'), await snapshot('t0'), 2),
    null,
    'time going back: no interval',
  )
})

t.test('weights from the captures: the model, step by step', async (t) => {
  const s = intervalSignals(await snapshot('t0'), await snapshot('t1'), 2)!
  const smoothed = smooth(null, s, 0, 6 * HOUR)
  const r = deriveNeeds({
    smoothed,
    profile: {},
    config: {},
    mode: 'learned',
    minObservedMs: 0,
    halfLifeMs: 6 * HOUR,
  })
  const io = IO_PSI_US / 1e6 / DT_S
  const total = 1 + io // cpu share 1 (two busy cores, capped), no memory pressure, no network
  // I/O time split with the gp3-like fallbacks (125 MB/s, 3000 IOPS): mostly the written bytes.
  const tr = READ_BYTES / DT_S / 125e6
  const tw = WRITTEN_BYTES / DT_S / 125e6
  const to = (READS + WRITES) / DT_S / 3000
  const expect = {
    cpu: 1 / total,
    diskWrite: (io * tw) / (tr + tw + to) / total,
    diskIops: (io * to) / (tr + tw + to) / total,
    diskRead: (io * tr) / (tr + tw + to) / total,
  }
  for (const [k, v] of Object.entries(expect)) {
    const e = r.entries.find((x) => x.resource === k)!
    t.equal(e.source, 'learned', `${k} is learned`)
    t.ok(e.weight <= v && v - e.weight < 0.001, `${k} ${e.weight} is ${v.toFixed(5)} floored to 0.001`)
  }
  t.match(r.entries.find((e) => e.resource === 'cpu')!.from, /cpu busy 2\.00 cores, cpu pressure 98\.\d %/)
  t.match(
    r.entries.find((e) => e.resource === 'diskWrite')!.from,
    /io pressure 2\.\d % x 9\d\.\d % of I\/O time/,
  )
  t.match(
    r.entries.find((e) => e.resource === 'memoryBw'),
    { source: 'default', from: /not learnable/ },
  )
  t.match(
    r.entries.find((e) => e.resource === 'netBw'),
    { source: 'default', from: /no link rate/ },
  )
  t.ok(r.sum <= 1 && r.entries.every((e) => e.weight >= 0 && e.weight <= 1))
  t.same(
    Object.keys(r.weights).sort(),
    ['cpu', 'diskIops', 'diskWrite'],
    'the advert carries positive weights',
  )

  // The measured profile calibrates the split: a disk measured at 20 MB/s makes the same bytes weigh more.
  const slow: Profile = { diskWrite: { median: 20, spread: 1, samples: 10, windowMs: 1 } }
  const r2 = deriveNeeds({
    smoothed,
    profile: slow,
    config: {},
    mode: 'learned',
    minObservedMs: 0,
    halfLifeMs: HOUR,
  })
  const w = (x: NeedsReport, k: string) => x.entries.find((e) => e.resource === k)!.weight
  t.ok(w(r2, 'diskWrite') > w(r, 'diskWrite'), 'I/O time goes to write bandwidth on a slow disk')
  t.ok(w(r2, 'diskIops') < w(r, 'diskIops'), 'and less to operations')
})

t.test('modes: config wins per resource, learned fill the rest within 1; learning needs time', async (t) => {
  const s = intervalSignals(await snapshot('t0'), await snapshot('t1'), 2)!
  const smoothed = smooth(null, s, 0, 6 * HOUR)
  const base = { smoothed, profile: {}, minObservedMs: 0, halfLifeMs: 6 * HOUR }
  // The learned disk weights (about 0.026 in all) must fit in the 0.01 the config leaves.
  const both = deriveNeeds({ ...base, config: { cpu: 0.5, netRtt: 0.49 }, mode: 'both' })
  t.match(
    both.entries.find((e) => e.resource === 'cpu'),
    { weight: 0.5, source: 'config' },
  )
  t.match(
    both.entries.find((e) => e.resource === 'netRtt'),
    { weight: 0.49, source: 'config' },
  )
  const learned = both.entries.filter((e) => e.source === 'learned')
  t.ok(learned.length > 0, 'disk weights come from the counters')
  t.ok(both.sum <= 1 + 1e-9, `sum ${both.sum} within 1`)
  t.match(both.entries.find((e) => e.resource === 'diskWrite')!.from, /scaled x0\.\d+ to fit/)
  const full = deriveNeeds({ ...base, config: { cpu: 0.7, netRtt: 0.3 }, mode: 'both' })
  t.same(full.weights, { cpu: 0.7, netRtt: 0.3 }, 'config weights summing to 1 leave no room')
  const config = deriveNeeds({ ...base, config: { cpu: 0.4 }, mode: 'config' })
  t.same(config.weights, { cpu: 0.4 })
  t.match(
    config.entries.find((e) => e.resource === 'diskWrite'),
    { source: 'default', from: /needsMode 'config'/ },
  )
  const onlyLearned = deriveNeeds({ ...base, config: { cpu: 0.01 }, mode: 'learned' })
  t.equal(
    onlyLearned.entries.find((e) => e.resource === 'cpu')!.source,
    'learned',
    'learned ignores the config',
  )
  const early = deriveNeeds({ ...base, config: { netRtt: 0.2 }, mode: 'both', minObservedMs: HOUR })
  t.same(early.weights, { netRtt: 0.2 }, 'before an hour of readings only the config counts')
  t.match(
    early.entries.find((e) => e.resource === 'cpu'),
    { source: 'default', from: /learning: 0 of 60 min/ },
  )
  const none = deriveNeeds({ ...base, smoothed: null, config: {}, mode: 'learned' })
  t.equal(none.sum, 0, 'nothing read, nothing learned')
})

t.test(
  'network shares: a bulk transfer weighs bandwidth, request/response traffic weighs round trips',
  async (t) => {
    // 100 MB/s down in full segments, one ACK per two segments up; a 1 Gbit/s link.
    const segs = 100e6 / 1448
    const bulk = learnedWeights(
      {
        cpuBusyCores: 0.2,
        netRxBytesPerS: 100e6,
        netTxBytesPerS: (segs / 2) * 66,
        netRxPacketsPerS: segs,
        netTxPacketsPerS: segs / 2,
        linkMbit: 1000,
      },
      {},
    )
    t.ok(Math.abs(bulk.shares.netBw! - 0.8) < 1e-9, '800 of 1000 Mbit/s: 80 % of the time on the link')
    t.ok(bulk.shares.netRtt! < 0.01, 'its ACKs are not round trips waited for')
    // 2,000 exchanges/s of 300-byte requests and answers, 400 µs measured round trip.
    const rpc = learnedWeights(
      {
        cpuBusyCores: 0.1,
        netRxBytesPerS: 600e3,
        netTxBytesPerS: 600e3,
        netRxPacketsPerS: 2000,
        netTxPacketsPerS: 2000,
      },
      {
        netRtt: { median: 400, spread: 10, samples: 10, windowMs: 1 },
        netBw: { median: 1000, spread: 10, samples: 10, windowMs: 1 },
      },
    )
    t.ok(rpc.shares.netBw! < 0.01, 'little of the link used (the rate from the measured netBw)')
    const exchanges = 2000 - 1.2e6 / (1448 * 2)
    t.ok(Math.abs(rpc.shares.netRtt! - (exchanges * 400) / 1e6) < 1e-9, 'exchanges x round trip')
    t.ok(rpc.weights.netRtt!.weight > rpc.weights.cpu!.weight, 'a chatty client waits more than it computes')
    const busy = learnedWeights(
      { cpuBusyCores: 1, netRxBytesPerS: 0, netTxBytesPerS: 0, netRxPacketsPerS: 1e5, netTxPacketsPerS: 1e5 },
      {},
    )
    t.equal(busy.shares.netRtt, 0, 'time waiting for replies is at most the time not computing')
  },
)

t.test('EWMA: the half-life is in time, not in samples', async (t) => {
  t.ok(Math.abs(ewmaAlpha(HOUR, HOUR) - 0.5) < 1e-12)
  const step = (prev: Smoothed | null, v: number, dtMs: number, at: number) =>
    smooth(prev, { ...NO_SIGNALS, dtMs, cpuSome: v }, at, 6 * HOUR)
  let s = step(null, 0, 60_000, 0)
  t.equal(s.values.cpuSome, 0, 'the first reading starts the average')
  for (let i = 1; i <= 360; i++) s = step(s, 1, 60_000, i * 60_000)
  t.ok(Math.abs(s.values.cpuSome! - 0.5) < 1e-9, 'six hours of a new level: half way there')
  const one = step(step(null, 0, 1, 0), 1, 2 * HOUR, 2 * HOUR)
  const two = step(step(step(null, 0, 1, 0), 1, HOUR, HOUR), 1, HOUR, 2 * HOUR)
  t.ok(Math.abs(one.values.cpuSome! - two.values.cpuSome!) < 1e-12, 'one 2 h interval = two 1 h intervals')
  const gap = smooth(s, { ...NO_SIGNALS, dtMs: 60_000 }, 1, 6 * HOUR)
  t.equal(gap.values.cpuSome, s.values.cpuSome, 'a missing signal keeps its average')
  t.equal(gap.observedMs, s.observedMs + 60_000)
})

const NO_SIGNALS = {
  dtMs: 0,
  cpuBusyCores: null,
  cpuSome: null,
  ioSome: null,
  memorySome: null,
  diskBusy: null,
  diskReadBytesPerS: null,
  diskWriteBytesPerS: null,
  diskReadOpsPerS: null,
  diskWriteOpsPerS: null,
  netRxBytesPerS: null,
  netTxBytesPerS: null,
  netRxPacketsPerS: null,
  netTxPacketsPerS: null,
  linkMbit: null,
}

t.test('the learner keeps its averages across a restart and reports material changes', async (t) => {
  const dir = t.testdir()
  const proc = join(dir, 'proc')
  await mkdir(proc)
  await cp(join(FIXTURES, 't0'), proc, { recursive: true })
  const clock = new ManualClock(await atMs('t0'))
  let data = await openDataDir(join(dir, 'data'))
  const changes: string[] = []
  const learner = (db: typeof data.db) =>
    new NeedsLearner({
      db,
      config: { netRtt: 0.1 },
      mode: 'both',
      options: { sampleIntervalMs: 60_000, halfLifeMs: 6 * HOUR, minObservedMs: 10_000 },
      diskDir: dir,
      cores: 2,
      profile: () => ({}),
      log,
      onMaterialChange: (why) => changes.push(why),
      clock,
      roots: { procRoot: proc, sysRoot: SYS, disk: VDA },
    })
  const a = learner(data.db)
  await a.start()
  t.equal(a.report().learning.observedMs, 0, 'one reading: no interval yet')
  await cp(join(FIXTURES, 't1'), proc, { recursive: true })
  clock.nowMs = await atMs('t1')
  await a.sample()
  const first: NeedsReport = a.report()
  t.equal(first.learning.observedMs, 13_111)
  t.ok(first.learning.ready)
  t.same(changes, ['learned needs ready'], 'becoming ready is a material change')
  t.ok(first.weights.cpu! > 0.8, 'the busy loop made it CPU-bound')
  t.equal(first.weights.netRtt, 0.1, 'the config’s weight stays')
  await a.stop()
  await data.close()

  data = await openDataDir(join(dir, 'data'))
  t.teardown(() => data.close())
  const b = learner(data.db)
  await b.start()
  t.same(b.report(), first, 'a restart keeps the averages')
  await b.stop()
  t.equal(materialNeedsChange(first, first), null)
  const moved = {
    ...first,
    entries: first.entries.map((e) => (e.resource === 'cpu' ? { ...e, weight: e.weight - 0.05 } : e)),
  }
  t.match(materialNeedsChange(first, moved), /cpu weight/)
})
