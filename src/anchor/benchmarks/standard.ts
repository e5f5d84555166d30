/**
 * Finds the built standard suite for the anchor to sign at start: the
 * repository build's `dist/benchmarks/*.wasm` when present, otherwise the WAT
 * sources in `benchmarks/` compiled now (wabt) into `outDir`.
 */
import { access } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BenchmarkRegistryError } from '../errors.js'
import { buildSuite } from './build-suite.js'
import { STANDARD_SUITE } from './suite.js'

const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  )

/** The repository root: the nearest ancestor of this module holding `benchmarks/` and `package.json`. */
async function repoRoot(): Promise<string | null> {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    if ((await exists(join(dir, 'package.json'))) && (await exists(join(dir, 'benchmarks')))) return dir
    dir = dirname(dir)
  }
  return null
}

/** Returns a directory holding `<source>.wasm` for every benchmark of the standard suite. */
export async function standardSuiteDir(outDir: string): Promise<string> {
  const root = await repoRoot()
  if (root === null) {
    throw new BenchmarkRegistryError(
      'SUITE_MISSING',
      'cannot find the benchmarks/ sources of the standard suite; run the anchor from a VBoom checkout or install',
    )
  }
  const built = join(root, 'dist', 'benchmarks')
  const all = async (dir: string): Promise<boolean> => {
    for (const b of STANDARD_SUITE) if (!(await exists(join(dir, `${b.source}.wasm`)))) return false
    return true
  }
  if (await all(built)) return built
  await buildSuite(join(root, 'benchmarks'), outDir)
  return outDir
}
