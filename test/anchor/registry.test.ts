import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { buildSuite } from '../../src/anchor/benchmarks/build-suite.js'
import { BenchmarkRegistry } from '../../src/anchor/benchmarks/registry.js'
import { STANDARD_SUITE } from '../../src/anchor/benchmarks/suite.js'
import { compileWat } from '../../src/anchor/benchmarks/wat.js'
import { loadOrCreateAnchorKey } from '../../src/anchor/key.js'
import {
  BenchmarkResource,
  decodeCatalog,
  decodeManifest,
  runBenchmark,
  verifyBenchmark,
} from '../../src/runtime/sandbox/index.js'

const watDir = new URL('../../benchmarks/', import.meta.url).pathname

t.test('registry: build the suite, sign it, serve a verifiable catalog, survive a restart', async (t) => {
  const dir = t.testdir()
  const anchorKey = await loadOrCreateAnchorKey(join(dir, 'anchor'))
  const built = await buildSuite(watDir, join(dir, 'wasm'))
  t.same(built.map((b) => b.source).sort(), [
    'cpu',
    'disk-iops',
    'disk-seq',
    'memory',
    'net-bandwidth',
    'net-rtt',
  ])
  let registry = await BenchmarkRegistry.open({ dir: join(dir, 'registry'), anchorKey })
  const signed = await registry.submitStandardSuite(join(dir, 'wasm'))
  t.equal(signed.length, STANDARD_SUITE.length)
  // Idempotent: the same suite again signs nothing new.
  t.same(await registry.submitStandardSuite(join(dir, 'wasm')), signed)

  registry = await BenchmarkRegistry.open({ dir: join(dir, 'registry'), anchorKey })
  const catalog = decodeCatalog(registry.catalogBytes())
  t.equal(catalog.length, STANDARD_SUITE.length)
  // An agent's view: fetch catalog and modules, verify against the anchor key, run one.
  for (const s of catalog) {
    const module = await registry.module(Buffer.from(s.moduleSha256).toString('hex'))
    t.ok(module, 'module served by hash')
    t.ok(verifyBenchmark(s, module!, anchorKey.publicKey))
  }
  const cpu = catalog.find((s) => decodeManifest(s.manifest).name === 'vboom/cpu')!
  const r = await runBenchmark(
    cpu,
    (await registry.module(Buffer.from(cpu.moduleSha256).toString('hex')))!,
    anchorKey.publicKey,
  )
  t.ok(r.value > 1e6, `cpu ${(r.value / 1e6).toFixed(0)} Mops/s`)
  t.equal(await registry.module('../../etc/passwd'), null)

  // A user's application-specific module is signed after the same checks the sandbox makes.
  const app = await compileWat(
    '(module (func (export "run") (param f64) (result f64) (f64.mul (local.get 0) (f64.const 2))))',
  )
  const manifest = {
    name: 'app/double',
    version: 1,
    resource: BenchmarkResource.CUSTOM,
    unit: 'x',
    description: 'doubles its parameter',
    parameters: [{ name: 'x', value: 21 }],
    timeLimitMs: 1000,
    memoryLimitPages: 1,
    hostFunctions: [],
    entry: 'run',
    higherIsBetter: true,
  }
  const appSigned = await registry.submit(app, manifest)
  t.equal((await runBenchmark(appSigned, app, anchorKey.publicKey)).value, 42)
  await t.rejects(registry.submit(app, { ...manifest, description: 'other' }), {
    name: 'BenchmarkRegistryError',
    code: 'NAME_TAKEN',
  })
  const sneaky = await compileWat(
    '(module (import "env" "system" (func)) (func (export "run") (result f64) (f64.const 0)))',
  )
  await t.rejects(registry.submit(sneaky, { ...manifest, name: 'app/sneaky', parameters: [] }), {
    name: 'BenchmarkRegistryError',
    code: 'IMPORT_NOT_GRANTED',
  })
  const bomb = await compileWat('(module (memory 1) (func (export "run") (result f64) (f64.const 0)))')
  await t.rejects(registry.submit(bomb, { ...manifest, name: 'app/bomb', parameters: [] }), {
    code: 'MEMORY_UNBOUNDED',
  })

  // A stored signature edited on disk: the registry refuses to open.
  const signedDir = join(dir, 'registry', 'signed')
  const file = join(signedDir, (await readdir(signedDir))[0]!)
  const bytes = await readFile(file)
  bytes[bytes.length - 1]! ^= 0x01
  await writeFile(file, bytes)
  await t.rejects(BenchmarkRegistry.open({ dir: join(dir, 'registry'), anchorKey }), {
    name: 'BenchmarkRegistryError',
    code: 'CORRUPT',
  })
})
