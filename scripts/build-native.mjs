#!/usr/bin/env node
/**
 * Builds native/build/blake3_batch.node (native/blake3-batch.c, batched block
 * hashing, and native/hash-mapped.c, the same over mapped disk pages) against
 * the official BLAKE3 C sources. Runs on `npm ci` / `npm
 * install` and never fails it: without a C compiler or the sources, VBoom
 * hashes one block per call through @napi-rs/blake-hash (the same hashes,
 * ~4x slower at 4 KiB) and this says so.
 *
 * Sources: $VBOOM_BLAKE3_SRC, else Debian's librust-blake3-dev
 * (/usr/share/cargo/registry/blake3-<version>/c). Compiler: $CC, else cc.
 * Headers: node_api.h from $npm_config_nodedir/include/node, else beside the
 * running node (<prefix>/include/node).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { arch } from 'node:os'
import { dirname, join } from 'node:path'

const root = join(import.meta.dirname, '..')
const outDir = join(root, 'native', 'build')
const out = join(outDir, 'blake3_batch.node')

function blake3Sources() {
  if (process.env.VBOOM_BLAKE3_SRC) return process.env.VBOOM_BLAKE3_SRC
  const registry = '/usr/share/cargo/registry'
  if (!existsSync(registry)) return null
  const dirs = readdirSync(registry)
    .filter((d) => /^blake3-\d/.test(d) && existsSync(join(registry, d, 'c', 'blake3_impl.h')))
    .sort()
  return dirs.length > 0 ? join(registry, dirs[dirs.length - 1], 'c') : null
}

function nodeHeaders() {
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    join(dirname(dirname(process.execPath)), 'include', 'node'),
    '/usr/include/node',
  ].filter(Boolean)
  return candidates.find((d) => existsSync(join(d, 'node_api.h'))) ?? null
}

function skip(why) {
  // no stale build from an earlier source: the message below must be true
  rmSync(out, { force: true })
  rmSync(`${out}.tmp`, { force: true })
  console.log(
    `vboom: batched BLAKE3 not built (${why}); block hashing uses @napi-rs/blake-hash one block per call (same hashes, ~4x slower at 4 KiB). Install a C compiler and Debian's librust-blake3-dev (or set VBOOM_BLAKE3_SRC) and run npm run build:native.`,
  )
  process.exit(0)
}

const src = blake3Sources()
if (src === null) skip('no BLAKE3 C sources found')
const headers = nodeHeaders()
if (headers === null) skip('node_api.h not found')

const files = [
  join(root, 'native', 'blake3-batch.c'),
  join(root, 'native', 'hash-mapped.c'),
  ...['blake3.c', 'blake3_dispatch.c', 'blake3_portable.c'].map((f) => join(src, f)),
]
const flags = []
if (arch() === 'x64' && process.platform !== 'win32') {
  // the upstream assembly for every x86-64 SIMD level; blake3_dispatch picks at run time
  for (const s of ['sse2', 'sse41', 'avx2', 'avx512']) files.push(join(src, `blake3_${s}_x86-64_unix.S`))
} else if (arch() === 'arm64') {
  files.push(join(src, 'blake3_neon.c'))
  flags.push('-DBLAKE3_USE_NEON=1')
} else {
  flags.push('-DBLAKE3_NO_SSE2', '-DBLAKE3_NO_SSE41', '-DBLAKE3_NO_AVX2', '-DBLAKE3_NO_AVX512')
}
mkdirSync(outDir, { recursive: true })
try {
  execFileSync(
    process.env.CC ?? 'cc',
    [
      '-O3',
      '-shared',
      '-fPIC',
      '-fvisibility=hidden',
      `-I${headers}`,
      `-I${src}`,
      ...flags,
      ...files,
      '-o',
      `${out}.tmp`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
} catch (err) {
  skip(`compiling failed: ${String(err.stderr ?? err.message).split('\n')[0]}`)
}
renameSync(`${out}.tmp`, out)
console.log(`vboom: built ${out} from ${src}`)
