#!/usr/bin/env node
/**
 * Bundles the swap agent's process entry (dist/src/swapper/local/agent-main.js, as
 * tsc emitted it) into one module beside it: agent-main.bundle.js. Node 20
 * loads the agent's ~400 modules (libp2p and the rest) in ~250 ms, one at a
 * time through its ESM resolver, and in ~400 ms when both agents of a local
 * swap start at once on two cores; the bundle loads in ~60 ms (docs/decisions.md,
 * "Dependencies and why").
 *
 * The bundle sits in the same directory as the module it replaces; paths found
 * relative to import.meta.url (the hash worker, native/build) are written to
 * resolve from both `swapper/index/` and `swapper/local/`. Packages that load compiled addons (.node files) stay external:
 * a bundler cannot carry a native library, and esbuild fails the build if one
 * is missed. Run after tsc (`npm run build` does).
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'

const root = join(import.meta.dirname, '..')
const entry = join(root, 'dist', 'src', 'swapper', 'local', 'agent-main.js')
const out = join(root, 'dist', 'src', 'swapper', 'local', 'agent-main.bundle.js')

try {
  statSync(entry)
} catch {
  console.error(`bundle: ${entry} is missing; compile first (npm run build runs tsc, then this)`)
  process.exit(1)
}

await build({
  entryPoints: [entry],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  // the agent's packages with native addons: loaded from node_modules at run time
  external: ['@napi-rs/*', '@toondepauw/*'],
  // CommonJS dependencies inside an ES module still call require() for Node's builtins
  banner: {
    js: "import { createRequire as __vboomRequire } from 'node:module'; const require = __vboomRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'none',
})
console.log(`bundle: ${out} (${(statSync(out).size / 1024).toFixed(0)} KiB)`)
