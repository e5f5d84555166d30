/**
 * WAT -> WebAssembly binary with `wabt` (a devDependency: used by the build
 * script and the tests; the running anchor loads the built .wasm files).
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
