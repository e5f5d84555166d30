/**
 * The shared libraries a dynamically linked executable (node) needs, as
 * `ldd` lists them, so the image carries them at the same paths (the
 * program interpreter's path is compiled into the executable).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { ImageBuildCode, ImageBuildError } from '../errors.js'

const run = promisify(execFile)

/** Absolute library paths in `ldd` output ("libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)", "/lib64/ld-linux-x86-64.so.2 (0x...)"). */
export function parseLdd(text: string): string[] {
  const out = new Set<string>()
  for (const line of text.split('\n')) {
    if (line.includes('not found'))
      throw new ImageBuildError(ImageBuildCode.NODE_LIBS, `a library is missing: ${line.trim()}`)
    const arrow = line.match(/=>\s+(\/\S+)/)
    if (arrow !== null) {
      out.add(arrow[1]!)
      continue
    }
    const bare = line.trim().match(/^(\/\S+)\s+\(0x/)
    if (bare !== null) out.add(bare[1]!)
  }
  return [...out]
}

export async function sharedLibraries(executable: string): Promise<string[]> {
  let text: string
  try {
    text = (await run('ldd', [executable])).stdout
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string }
    // ldd exits 1 for a static executable ("not a dynamic executable"): it needs nothing
    if (/not a dynamic executable|statically linked/.test(`${e.stdout ?? ''}${e.stderr ?? ''}`)) return []
    throw new ImageBuildError(
      ImageBuildCode.NODE_LIBS,
      `ldd ${executable} failed: ${(e.stderr ?? e.message).trim()}; install libc-bin (ldd) or pass a static node`,
      { cause: err },
    )
  }
  return parseLdd(text)
}
