/**
 * The parts of the host emulation that need no system: profiles, token
 * buckets, the relay, the proof rules of removal, the sweep of run records.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { chooseMode, resolveLimits, rootModeUnavailable } from '../../src/testnet/hosts/index.js'
import { startTimeOf } from '../../src/testnet/hosts/proc.js'
import { DelayRelay } from '../../src/testnet/hosts/relay.js'
import { itemIsOfRun, type RunRecord } from '../../src/testnet/hosts/run-state.js'
import { sweepDeadRuns } from '../../src/testnet/hosts/sweep.js'
import { removeRun } from '../../src/testnet/hosts/teardown.js'
import { reserve, TokenBucket } from '../../src/testnet/hosts/token-bucket.js'

t.test('profiles resolve into limits; bad fields are refused', async (t) => {
  const l = resolveLimits(
    { diskWriteMBps: 18, diskReadIops: 300, cpuMachineShare: 0.25, netMbit: 20, netDelayMs: 0 },
    2,
  )
  t.equal(l.writeBps, 18e6)
  t.equal(l.readBps, Infinity, 'absent: no limit')
  t.equal(l.readIops, 300)
  t.equal(l.cpuCores, 0.5, 'a quarter of a 2-core machine')
  t.equal(l.upBps, 20e6)
  t.equal(l.downBps, 20e6, 'download defaults to the rate')
  t.equal(l.delayMs, 0)
  for (const bad of [
    { diskWriteMBps: -1 },
    { netMbit: 0 },
    { cpuCores: Number.NaN },
    { cpuCores: 1, cpuMachineShare: 0.5 },
    { cpuMachineShare: 2 },
  ])
    t.throws(
      () => resolveLimits(bad),
      { name: 'HostEmulationError', code: 'PROFILE_INVALID' },
      JSON.stringify(bad),
    )
})

t.test('token buckets pass a burst, then the rate', async (t) => {
  const b = new TokenBucket(100, 0.05) // 100 units/s, 5 units of burst
  const times = Array.from({ length: 8 }, () => reserve([[b, 1]], 0))
  t.same(times.slice(0, 6), [0, 0, 0, 0, 0, 0], 'the burst passes at once')
  t.same(times.slice(6), [10, 20], 'then one unit per 10 ms')
  const c = new TokenBucket(Infinity, 0)
  t.equal(
    reserve(
      [
        [c, 1e9],
        [b, 1],
      ],
      0,
    ),
    30,
    'several buckets: the latest wins, and all are charged',
  )
  t.equal(b.availableAt(0), 40, 'the next passes one unit later')
})

t.test('the mode is chosen and can be forced', async (t) => {
  t.same(chooseMode('emulated'), { mode: 'emulated', reason: 'emulated mode requested' })
  const why = rootModeUnavailable()
  if (why === null) t.equal(chooseMode('auto').mode, 'root')
  else {
    t.same(chooseMode('auto'), { mode: 'emulated', reason: `root mode unavailable: ${why}` })
    t.throws(() => chooseMode('root'), { name: 'HostEmulationError', code: 'MODE_UNAVAILABLE' })
  }
})

t.test('the relay forwards both ways intact, half-close included, and delays by both ends', async (t) => {
  const echo = createServer({ allowHalfOpen: true }, (s) => {
    const got: Buffer[] = []
    s.on('data', (d: Buffer) => got.push(d))
    s.on('end', () => s.end(Buffer.concat(got).reverse()))
  })
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()))
  t.teardown(() => echo.close())
  const port = (echo.address() as { port: number }).port
  const relay = await DelayRelay.start({
    routes: [{ listenHost: '127.0.0.1', listenPort: 0, targetHost: '127.0.0.1', targetPort: port, host: 1 }],
    hosts: [{ delayMs: 20 }, { delayMs: 10 }],
    sourceOf: () => 0,
  })
  t.teardown(() => relay.close())
  const payload = Buffer.alloc(3 * 2 ** 20).map((_, i) => (i * 7) & 0xff)
  const t0 = performance.now()
  const back = await new Promise<Buffer>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: relay.ports[0]!, allowHalfOpen: true })
    const got: Buffer[] = []
    s.on('data', (d: Buffer) => got.push(d))
    s.on('end', () => resolve(Buffer.concat(got)))
    s.on('error', reject)
    s.end(payload)
  })
  const elapsed = performance.now() - t0
  t.ok(
    back.equals(Buffer.from(payload).reverse()),
    'every byte arrived, in order, and the answer came back after the FIN',
  )
  t.ok(elapsed >= 2 * 30 - 2, `a round trip is held at least twice both delays (${elapsed.toFixed(1)} ms)`)
})

t.test('removal touches only what carries the run name', async (t) => {
  const id = 'a1b2c3'
  t.ok(itemIsOfRun({ kind: 'netns', name: 'vboomtn-a1b2c3-h0' }, id))
  t.notOk(itemIsOfRun({ kind: 'netns', name: 'vboomtn-ffffff-h0' }, id), "another run's namespace")
  t.notOk(itemIsOfRun({ kind: 'netns', name: 'mynet' }, id))
  t.ok(itemIsOfRun({ kind: 'cgroup', path: '/sys/fs/cgroup/cpu/vboomtn-a1b2c3-h1' }, id))
  t.notOk(
    itemIsOfRun({ kind: 'cgroup', path: '/sys/fs/cgroup/cpu/vboomtn-a1b2c3-h1/../user' }, id),
    'no way out by ..',
  )
  t.notOk(
    itemIsOfRun({ kind: 'cgroup', path: '/sys/fs/cgroup/memory/vboomtn-a1b2c3-h1' }, id),
    'a hierarchy it never uses',
  )
  t.ok(itemIsOfRun({ kind: 'loop', image: '/tmp/vboomtn-a1b2c3/h0/disk.img' }, id))
  t.notOk(itemIsOfRun({ kind: 'loop', image: '/var/lib/images/disk.img' }, id))
  t.ok(itemIsOfRun({ kind: 'dir', path: '/tmp/vboomtn-a1b2c3' }, id))
  t.notOk(itemIsOfRun({ kind: 'dir', path: '/tmp' }, id))
  t.notOk(itemIsOfRun({ kind: 'mount', target: '/mnt' }, id))

  const dir = await mkdtemp(join(tmpdir(), 'vboom-hosts-units-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const foreign = join(dir, 'precious')
  mkdirSync(foreign)
  const record: RunRecord = {
    version: 1,
    runId: id,
    pid: 1,
    pidStart: 'x',
    mode: 'emulated',
    items: [{ kind: 'dir', path: foreign }],
  }
  t.same(removeRun(record), [])
  t.ok(existsSync(foreign), 'a recorded directory without the run name survives removal')
})

t.test('the sweep removes dead runs and leaves live ones and strangers alone', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vboom-hosts-sweep-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const state = join(dir, 'state')
  mkdirSync(state)
  const gone = spawn('true')
  await new Promise((r) => gone.once('exit', r))
  const write = (runId: string, pid: number, pidStart: string): string => {
    const runDir = join(dir, `vboomtn-${runId}`)
    mkdirSync(runDir)
    const record: RunRecord = {
      version: 1,
      runId,
      pid,
      pidStart,
      mode: 'emulated',
      items: [{ kind: 'dir', path: runDir }],
    }
    writeFileSync(join(state, `vboomtn-${runId}.json`), JSON.stringify(record))
    return runDir
  }
  const deadDir = write('dead01', gone.pid!, '1')
  const liveDir = write('11fe01', process.pid, startTimeOf(process.pid)!)
  const reusedDir = write('5e5e01', process.pid, 'another start time')
  writeFileSync(join(state, 'vboomtn-badbad.json'), '{ not json')
  writeFileSync(join(state, 'notes.txt'), 'not a record')
  const report = sweepDeadRuns(state)
  t.same(report.swept.sort(), ['5e5e01', 'dead01'], 'a dead pid, and a pid reused by another process')
  t.same(report.problems, [])
  t.notOk(existsSync(deadDir))
  t.notOk(existsSync(reusedDir))
  t.ok(existsSync(liveDir), "a live run's directory stays")
  t.ok(existsSync(join(state, 'vboomtn-11fe01.json')), 'and its record')
  t.ok(existsSync(join(state, 'vboomtn-badbad.json')), 'an unreadable record is not a proof: left alone')
  t.ok(existsSync(join(state, 'notes.txt')))
})
