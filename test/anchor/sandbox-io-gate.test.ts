/**
 * The sandbox's I/O gate: with one, every disk_read and disk_write of a
 * benchmark waits for its grant (kind and size as called), and a refused
 * grant fails the benchmark instead of letting the I/O run unthrottled.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { signBenchmark } from '../../src/anchor/benchmarks/sign.js'
import { STANDARD_SUITE } from '../../src/anchor/benchmarks/suite.js'
import { compileWat } from '../../src/anchor/benchmarks/wat.js'
import { generateSecretKey, publicKeyOf } from '../../src/protocols/signing.js'
import { type IoGate, type IoKind, runBenchmark } from '../../src/runtime/sandbox/index.js'

const anchorSecret = generateSecretKey()
const anchorKey = publicKeyOf(anchorSecret)
const KiB = 1024

/** The standard disk-read benchmark (write the file, then read it back) over 1 MiB in 256 KiB blocks. */
async function smallDiskRead() {
  const b = STANDARD_SUITE.find((s) => s.manifest.name === 'vboom/disk-read')!
  const wat = await readFile(new URL(`../../benchmarks/${b.source}.wat`, import.meta.url), 'utf8')
  const module = await compileWat(wat, `${b.source}.wat`)
  const manifest = {
    ...b.manifest,
    parameters: [
      { name: 'fileBytes', value: 1024 * KiB },
      { name: 'blockBytes', value: 256 * KiB },
      { name: 'mode', value: 1 },
    ],
  }
  return { signed: signBenchmark(module, manifest, anchorSecret), module }
}

t.test('each disk call waits for the gate, and a refusal fails the run', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vboom-io-gate-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const { signed, module } = await smallDiskRead()

  const asked: [IoKind, number][] = []
  const recording: IoGate = {
    grant: async (kind, bytes) => {
      asked.push([kind, bytes])
      // a grant that comes later than at once: the worker must wait for it
      await new Promise((r) => setTimeout(r, 5))
    },
  }
  const r = await runBenchmark(signed, module, anchorKey, { disk: { dir, gate: recording } })
  t.ok(r.value > 0, 'the gated benchmark measures')
  t.same(
    asked,
    [...Array(4).fill(['write', 256 * KiB]), ...Array(4).fill(['read', 256 * KiB])],
    'one grant per disk call, of its kind and size, in order',
  )

  const refusing: IoGate = { grant: () => Promise.reject(new Error('limits gone')) }
  await t.rejects(runBenchmark(signed, module, anchorKey, { disk: { dir, gate: refusing } }), {
    name: 'BenchmarkFailedError',
    code: 'HOST_CALL_FAILED',
  })
  const throwing: IoGate = {
    grant: () => {
      throw new Error('broken gate')
    },
  }
  await t.rejects(runBenchmark(signed, module, anchorKey, { disk: { dir, gate: throwing } }), {
    name: 'BenchmarkFailedError',
    code: 'HOST_CALL_FAILED',
  })
  t.same(await readdir(dir), [], 'failed runs leave no scratch file')

  const ungated = await runBenchmark(signed, module, anchorKey, { disk: { dir } })
  t.ok(ungated.value > 0, 'without a gate the disk calls run at once')
})
