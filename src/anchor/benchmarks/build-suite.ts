/**
 * Builds the standard suite: compiles each `benchmarks/<source>.wat` the
 * suite names into `<outDir>/<source>.wasm`.
 *
 *   tsx src/anchor/benchmarks/build-suite.ts [outDir] [watDir]
 *
 * run from the repository root (defaults: dist/benchmarks, benchmarks).
 *
 * The anchor signs the built modules at start (`BenchmarkRegistry.submitStandardSuite`).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { STANDARD_SUITE } from './suite.js'
import { compileWat } from './wat.js'

export async function buildSuite(
  watDir: string,
  outDir: string,
): Promise<Array<{ source: string; bytes: number }>> {
  await mkdir(outDir, { recursive: true })
  const sources = [...new Set(STANDARD_SUITE.map((b) => b.source))]
  const built = []
  for (const source of sources) {
    const wat = await readFile(join(watDir, `${source}.wat`), 'utf8')
    const wasm = await compileWat(wat, `${source}.wat`)
    await writeFile(join(outDir, `${source}.wasm`), wasm)
    built.push({ source, bytes: wasm.length })
  }
  return built
}

// Run as a script only under its own name: bundled into another entry (the CLI on a VM),
// import.meta.url is that entry's, which is also argv[1].
if (
  process.argv[1] !== undefined &&
  /\/build-suite\.[jt]s$/.test(import.meta.url) &&
  import.meta.url === pathToFileURL(resolve(process.argv[1])).href
) {
  const outDir = resolve(process.argv[2] ?? 'dist/benchmarks')
  buildSuite(resolve(process.argv[3] ?? 'benchmarks'), outDir).then(
    (built) => {
      for (const b of built) console.log(`${b.source}.wasm  ${b.bytes} bytes`)
      console.log(`standard suite built in ${outDir}`)
    },
    (err: unknown) => {
      console.error(err)
      process.exitCode = 1
    },
  )
}
