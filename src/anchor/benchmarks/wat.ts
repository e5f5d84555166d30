/**
 * WAT -> WebAssembly binary with `wabt` (a dependency: the build script, the
 * tests, and an anchor started without a built dist/benchmarks compile with it).
 */
import wabtInit from 'wabt'

/** The post-MVP features the suite uses; all are on in Node >= 20. */
const FEATURES = { sat_float_to_int: true, bulk_memory: true, mutable_globals: true, sign_extension: true }

let wabt: Awaited<ReturnType<typeof wabtInit>> | null = null

export async function compileWat(source: string, filename = 'module.wat'): Promise<Uint8Array> {
  wabt ??= await wabtInit()
  const parsed = wabt.parseWat(filename, source, FEATURES)
  try {
    parsed.resolveNames()
    parsed.validate()
    return new Uint8Array(parsed.toBinary({ log: false, canonicalize_lebs: true }).buffer)
  } finally {
    parsed.destroy()
  }
}
