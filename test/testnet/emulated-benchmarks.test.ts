/**
 * Emulated hosts (no root needed; forced here so it runs as root too): the
 * anchor's real disk benchmarks, run in the sandbox through each host's disk
 * gate, measure each host's disk as its profile sets it, as the workloads'
 * I/O gets it. The bounds are ratios and caps, never absolute speeds: a
 * loaded machine can only make a measurement slower, never lift it over the
 * host's cap. The anchor's verification image, booted as a host's
 * supervisor boots it, measures through the same gate.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { signBenchmark } from '../../src/anchor/benchmarks/sign.js'
import { STANDARD_SUITE } from '../../src/anchor/benchmarks/suite.js'
import { compileWat } from '../../src/anchor/benchmarks/wat.js'
import { generateSecretKey, publicKeyOf } from '../../src/protocols/signing.js'
import {
  type BenchmarkManifest,
  encodeSignedBenchmark,
  runBenchmark,
} from '../../src/runtime/sandbox/index.js'
import { startImage } from '../../src/testnet/host/remote-boot.js'
import { DISK_BURST_SECONDS } from '../../src/testnet/hosts/disk-gate.js'
import { createHostFabric, type HostFabric, HostRuntime } from '../../src/testnet/hosts/index.js'

/** The anchor's verification image entry, from source (verifier.ts names it so). */
const VERIFICATION_IMAGE_ENTRY = fileURLToPath(
  new URL('../../src/anchor/verification-image.ts', import.meta.url),
)
const anchorSecret = generateSecretKey()
const anchorKey = publicKeyOf(anchorSecret)
const MiB = 1024 * 1024

/** A benchmark of the standard suite, its parameters scaled down (they are part of what the anchor signs). */
async function suiteBenchmark(name: string, parameters: Record<string, number>) {
  const b = STANDARD_SUITE.find((s) => s.manifest.name === name)!
  const wat = await readFile(new URL(`../../benchmarks/${b.source}.wat`, import.meta.url), 'utf8')
  const module = await compileWat(wat, `${b.source}.wat`)
  const manifest: BenchmarkManifest = {
    ...b.manifest,
    parameters: b.manifest.parameters.map((p) => ({ name: p.name, value: parameters[p.name] ?? p.value })),
  }
  return { signed: signBenchmark(module, manifest, anchorSecret), module }
}

// Profiles 4x apart. Slow: 16 MiB written at 8 MB/s is ~2 s; 400 random reads at 200 IOPS ~2 s.
const SLOW = { diskWriteMBps: 8, diskReadIops: 200 }
const FAST = { diskWriteMBps: 32, diskReadIops: 800 }

t.test('the disk benchmarks measure each emulated host through its disk gate', async (t) => {
  // On tmpfs where there is one: the gate, not this machine's shared disk, must set the pace.
  const dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'vboom-emu-bench-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  let fabric: HostFabric | null = await createHostFabric({
    mode: 'emulated',
    baseDir: dir,
    stateDir: join(dir, 'state'),
    vmDiskBytes: MiB,
    print: () => undefined,
    hosts: [
      { name: 'slow', profile: SLOW },
      { name: 'fast', profile: FAST },
    ],
  })
  t.teardown(() => fabric?.close())
  const write = await suiteBenchmark('vboom/disk-write', { fileBytes: 16 * MiB })
  // The file the reads hit is written first, untimed, through the same gate: 4 MiB keeps that short.
  const iops = await suiteBenchmark('vboom/disk-iops', { fileBytes: 4 * MiB, ops: 400 })

  const measure = async (host: number) => {
    const runtime = new HostRuntime(fabric!.hosts[host]!.info)
    const gate = runtime.diskGate()
    t.ok(gate !== null, 'an emulated host has a disk gate')
    const disk = { dir: runtime.info.scratchDir, gate: gate! }
    try {
      const w = await runBenchmark(write.signed, write.module, anchorKey, { disk })
      const r = await runBenchmark(iops.signed, iops.module, anchorKey, { disk })
      return { writeMBps: w.value, readIops: r.value }
    } finally {
      runtime.close()
    }
  }
  const slow = await measure(0)
  const fast = await measure(1)
  t.comment(
    `disk write MB/s: slow ${slow.writeMBps.toFixed(1)} (set ${SLOW.diskWriteMBps}), fast ${fast.writeMBps.toFixed(1)} (set ${FAST.diskWriteMBps})`,
  )
  t.comment(
    `disk read IOPS: slow ${slow.readIops.toFixed(0)} (set ${SLOW.diskReadIops}), fast ${fast.readIops.toFixed(0)} (set ${FAST.diskReadIops})`,
  )
  t.ok(slow.writeMBps < 0.6 * fast.writeMBps, 'the slow host writes markedly slower')
  t.ok(slow.readIops < 0.6 * fast.readIops, 'the slow host reads fewer I/O per second')
  // A run of `units` at `rate` cannot beat the cap by more than the bucket's burst and
  // the one grant of `perGrant` units that passes before its I/O: the ceiling the gate allows,
  // with 5 % for timers that fire a millisecond early.
  const ceiling = (units: number, rate: number, perGrant: number): number =>
    (1.05 * units) / (units / rate - DISK_BURST_SECONDS - perGrant / rate)
  const writeMB = (16 * MiB) / 1e6
  const blockMB = MiB / 1e6
  t.ok(slow.writeMBps <= ceiling(writeMB, SLOW.diskWriteMBps, blockMB), 'the slow write stays under its cap')
  t.ok(fast.writeMBps <= ceiling(writeMB, FAST.diskWriteMBps, blockMB), 'the fast write stays under its cap')
  t.ok(slow.readIops <= ceiling(400, SLOW.diskReadIops, 1), 'the slow reads stay under their IOPS cap')
  t.ok(fast.readIops <= ceiling(400, FAST.diskReadIops, 1), 'the fast reads stay under their IOPS cap')

  await fabric.close()
  fabric = null
  // With the grant server gone, a gated benchmark fails rather than measure an unthrottled disk.
  const orphan = new HostRuntime({
    runId: 'gone00',
    name: 'gone',
    index: 0,
    mode: 'emulated',
    profile: SLOW,
    vmDisk: join(dir, 'none.img'),
    vmDiskBytes: MiB,
    scratchDir: dir,
    service: [],
    advertised: [],
    diskGate: 'vboomtn-gone00-h0-disk',
  })
  t.teardown(() => orphan.close())
  t.equal(
    new HostRuntime({ ...orphan.info, profile: { cpuCores: 1 } }).diskGate(),
    null,
    'a host that limits no disk rate has nothing to ask',
  )
  await t.rejects(
    runBenchmark(write.signed, write.module, anchorKey, { disk: { dir, gate: orphan.diskGate()! } }),
    { name: 'BenchmarkFailedError', code: 'HOST_CALL_FAILED' },
  )
})

t.test("the anchor's verification image measures each emulated host's disk through its gate", async (t) => {
  const dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'vboom-emu-image-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const fabric = await createHostFabric({
    mode: 'emulated',
    baseDir: dir,
    stateDir: join(dir, 'state'),
    vmDiskBytes: MiB,
    print: () => undefined,
    hosts: [
      { name: 'slow', profile: SLOW },
      { name: 'fast', profile: FAST },
    ],
  })
  t.teardown(() => fabric.close())
  const write = await suiteBenchmark('vboom/disk-write', { fileBytes: 16 * MiB })
  // as the anchor's verifier sends it, and as the host's supervisor boots the image
  const measure = async (host: number): Promise<number> => {
    const runtime = new HostRuntime(fabric.hosts[host]!.info)
    const session = await startImage(
      { entry: VERIFICATION_IMAGE_ENTRY },
      { diskDir: runtime.info.scratchDir, ioGate: runtime.diskGate() },
    )
    try {
      const reply = (await session.request({
        t: 'run',
        anchorKey,
        benchmarks: [{ signed: encodeSignedBenchmark(write.signed), module: write.module }],
      })) as { t: string; results?: { value: number }[]; error?: unknown }
      t.equal(reply.t, 'results', `the image answered with results (${JSON.stringify(reply.error ?? '')})`)
      return reply.results?.[0]?.value ?? Number.NaN
    } finally {
      await session.close()
      runtime.close()
    }
  }
  const slow = await measure(0)
  const fast = await measure(1)
  t.comment(
    `image disk write MB/s: slow ${slow.toFixed(1)} (set ${SLOW.diskWriteMBps}), fast ${fast.toFixed(1)} (set ${FAST.diskWriteMBps})`,
  )
  t.ok(slow < 0.6 * fast, "the image sees the slow host's disk markedly slower")
  // the cap with the bucket's burst and one grant's block of slack, 5 % for early timers (as above)
  const writeMB = (16 * MiB) / 1e6
  const cap =
    (1.05 * writeMB) / (writeMB / SLOW.diskWriteMBps - DISK_BURST_SECONDS - MiB / 1e6 / SLOW.diskWriteMBps)
  t.ok(slow <= cap, "the image's write on the slow host stays under the host's cap")
})
