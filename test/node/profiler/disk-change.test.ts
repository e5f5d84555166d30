/**
 * The profiler against a real disk whose speed changes mid-run: one root-mode
 * testnet host (a loop device with direct I/O, its blkio cgroup throttling
 * writes to 40 MB/s), the profiler running inside it on the host's disk; then
 * the throttle drops to 15 MB/s by writing the cgroup file. The diskWrite
 * samples drop and the CUSUM declares the change within its documented
 * delay (profile-stats.ts: 5 samples for a shift of 3 spreads or more, plus
 * a sample or two). Root only; the fabric removes everything it made.
 */
import { statSync, writeFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { signBenchmark } from '../../../src/anchor/benchmarks/sign.js'
import { compileWat } from '../../../src/anchor/benchmarks/wat.js'
import { generateSecretKey, publicKeyOf } from '../../../src/protocols/signing.js'
import { BenchmarkResource, encodeSignedBenchmark } from '../../../src/runtime/sandbox/index.js'
import { createHostFabric, type HostFabric, rootModeUnavailable } from '../../../src/testnet/hosts/index.js'

const why = rootModeUnavailable()
const MiB = 1024 * 1024
const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'profiler-host.ts')
const ROOT = join(import.meta.dirname, '..', '..', '..')
const FAST_MBPS = 40
const SLOW_MBPS = 15
/**
 * Twice the change detection's warm-up (8) at the first speed: on a machine
 * shared with other work a few early samples stray, and the baseline's
 * median and MAD need enough steady ones around them.
 */
const SAMPLES_BEFORE = 16
/** profile-stats.ts: 5 samples for a large shift, and the shifted samples join the baseline (a sample or two). */
const DETECTION_WITHIN = 7

interface Line {
  value: number
  count: number
  changes: { resource: string; direction: string }[]
}

t.test(
  'a disk that slows mid-run: the samples drop and the change is detected in time',
  { skip: why === null ? false : `root mode cannot run here: ${why}` },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'vboom-profiler-disk-'))
    let fabric: HostFabric | null = null
    let child: ReturnType<HostFabric['hosts'][number]['spawnNode']> | null = null
    t.teardown(async () => {
      child?.kill('SIGKILL')
      await fabric?.close()
      await rm(dir, { recursive: true, force: true })
    })
    // An anchor-signed disk-write benchmark: the suite's module on 32 MiB, 0.8 s at 40 MB/s (2.2 s at 15): long
    // beside the throttle's 100 ms slice, whose fresh budget after an idle gap lets a short run overshoot.
    const anchor = generateSecretKey()
    const module = await compileWat(await readFile(join(ROOT, 'benchmarks', 'disk-seq.wat'), 'utf8'))
    const signed = signBenchmark(
      module,
      {
        name: 'test/disk-write-32m',
        version: 1,
        resource: BenchmarkResource.DISK_WRITE,
        unit: 'MB/s',
        description: 'sequential durable writes of 1 MiB blocks, 32 MiB',
        parameters: [
          { name: 'fileBytes', value: 32 * MiB },
          { name: 'blockBytes', value: MiB },
          { name: 'mode', value: 0 },
        ],
        timeLimitMs: 30_000,
        memoryLimitPages: 16,
        hostFunctions: ['now_us', 'disk_write', 'disk_read', 'disk_sync'],
        entry: 'run',
        higherIsBetter: true,
      },
      anchor,
    )
    await writeFile(join(dir, 'bench.signed'), encodeSignedBenchmark(signed))
    await writeFile(join(dir, 'bench.wasm'), module)

    fabric = await createHostFabric({
      mode: 'root',
      baseDir: dir,
      stateDir: join(dir, 'state'),
      print: () => {},
      hosts: [{ name: 'host-0', profile: { diskWriteMBps: FAST_MBPS } }],
    })
    const host = fabric.hosts[0]!
    const scratch = host.info.scratchDir
    // The host's disk: the loop device its filesystem is on; its blkio group is the run's h0.
    const dev = statSync(scratch).dev
    const majorMinor = `${Math.floor(dev / 256) & 0xfff}:${(dev & 0xff) | (Math.floor(dev / 4096) & ~0xff)}`
    const throttle = `/sys/fs/cgroup/blkio/vboomtn-${fabric.runId}-h0/blkio.throttle.write_bps_device`
    t.match(
      await readFile(throttle, 'utf8'),
      `${majorMinor} ${FAST_MBPS * 1e6}`,
      'the host starts at 40 MB/s',
    )

    child = host.spawnNode(FIXTURE, [
      join(dir, 'bench.signed'),
      join(dir, 'bench.wasm'),
      Buffer.from(publicKeyOf(anchor)).toString('hex'),
      join(dir, 'db'),
      scratch,
    ])
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const lines: Line[] = []
    const waiters: (() => void)[] = []
    let buffered = ''
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString()
      let nl = buffered.indexOf('\n')
      while (nl >= 0) {
        lines.push(JSON.parse(buffered.slice(0, nl)) as Line)
        buffered = buffered.slice(nl + 1)
        nl = buffered.indexOf('\n')
      }
      for (const w of waiters.splice(0)) w()
    })
    const exited = new Promise<never>((_, reject) =>
      child!.once('exit', (code) => reject(new Error(`the profiler exited (${code}): ${stderr}`))),
    )
    const samples = async (n: number): Promise<void> => {
      while (lines.length < n) await Promise.race([new Promise<void>((r) => waiters.push(r)), exited])
    }

    await samples(SAMPLES_BEFORE)
    const before = lines.map((l) => l.value)
    const fastMedian = [...before].sort((a, b) => a - b)[Math.floor(before.length / 2)]!
    t.comment(`at ${FAST_MBPS} MB/s: ${before.map((v) => v.toFixed(1)).join(' ')}`)
    t.ok(fastMedian < FAST_MBPS * 1.15, `the throttle binds: median ${fastMedian.toFixed(1)} MB/s`)
    t.same(lines.at(-1)!.changes, [], 'no change while the disk is steady')

    // The disk slows: the host's write throttle drops to 10 MB/s.
    writeFileSync(throttle, `${majorMinor} ${SLOW_MBPS * 1e6}`)
    const changedAt = lines.length
    let detectedAfter: number | null = null
    while (detectedAfter === null && lines.length < changedAt + 3 * DETECTION_WITHIN) {
      await samples(lines.length + 1)
      if (lines.at(-1)!.changes.some((c) => c.resource === 'diskWrite' && c.direction === 'down'))
        detectedAfter = lines.length - changedAt
    }
    const after = lines.slice(changedAt).map((l) => l.value)
    t.comment(`at ${SLOW_MBPS} MB/s: ${after.map((v) => v.toFixed(1)).join(' ')}`)
    // The run in flight when the limit changed may straddle both speeds.
    t.ok(
      after.slice(1).every((v) => v < fastMedian / 2),
      'the samples after the change drop',
    )
    t.ok(detectedAfter !== null, 'the drop is detected')
    t.ok(
      detectedAfter! <= DETECTION_WITHIN,
      `within ${DETECTION_WITHIN} samples of the change (took ${detectedAfter})`,
    )
    t.ok(lines.at(-1)!.count < changedAt, 'the profile restarted at the change point')
  },
)
