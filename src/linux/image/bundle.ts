/**
 * The stateless image's JavaScript: the stateless entry (and the swapper's
 * hash worker) bundled by esbuild into single modules, as scripts/bundle.mjs
 * does for the swap agent, plus what a bundler cannot carry: the packages
 * that load compiled addons (.node files), copied with their runtime
 * dependencies, and VBoom's own BLAKE3 addon (native/build).
 *
 * Layout in the image, chosen so that the paths the code finds relative to
 * its own module resolve unchanged:
 *   /opt/vboom/dist/src/linux/stateless-main.js   the entry bundle
 *   /opt/vboom/dist/src/index/hash-worker.js      `../index/hash-worker.js` from the entry (hash-pool.ts)
 *   /opt/vboom/native/build/blake3_batch.node     `../../../native/build` from the entry (native.ts)
 *   /opt/vboom/node_modules/...                   the addon packages, found by Node's resolution
 *
 * The same layout carries the whole CLI for a VM's root (agentAppFiles):
 *   /opt/vboom/dist/src/cli/main.js (and its chunks)  `vboom`, for the agent's systemd unit
 * at the same depth as the stateless entry, so the same relative paths resolve.
 */
import { existsSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ImageBuildCode, ImageBuildError } from '../errors.js'

/** Packages with compiled addons: loaded from node_modules at run time (as in scripts/bundle.mjs). */
const ADDON_PACKAGES = ['@napi-rs/*', '@toondepauw/*', 'zstd-napi', 'classic-level']
/**
 * Addon packages the code loads through `createRequire` (the swap's zstd
 * codec, src/swapper/transfer/codec.ts, loads its binding on first use),
 * which the bundler does not follow: carried whether or not it saw them.
 */
const RUNTIME_REQUIRED = ['@toondepauw/node-zstd']
/** Dependencies that only build or type an addon (node-gyp headers, prebuild downloaders, types): not copied. */
const BUILD_ONLY = new Set(['node-addon-api', 'prebuild-install', 'napi-macros', 'node-gyp'])

export const IMAGE_APP_ROOT = 'opt/vboom'
export const ENTRY_IN_IMAGE = `${IMAGE_APP_ROOT}/dist/src/linux/stateless-main.js`
const WORKER_IN_IMAGE = `${IMAGE_APP_ROOT}/dist/src/index/hash-worker.js`
const NATIVE_IN_IMAGE = `${IMAGE_APP_ROOT}/native/build/blake3_batch.node`
/** The CLI's entry on a VM's root (agentAppFiles): what the agent's unit runs. */
export const CLI_IN_APP = `${IMAGE_APP_ROOT}/dist/src/cli/main.js`
/**
 * Packages the CLI imports that an agent never loads, left out of the VM's
 * copy: the image builder's bundler (`vboom image build`) and the testnet
 * report's PNG renderer (`vboom testnet`), both loaded only by their commands.
 */
const CLI_NOT_CARRIED = ['esbuild', '@resvg/*']

export interface ImageFile {
  /** Path inside the image, without a leading slash. */
  path: string
  data: Uint8Array
  mode?: number
}

/** The project root: where package.json is, above this module (from source or from dist). */
export function projectRoot(from = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from)
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'linux'))) return dir
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'dist', 'src', 'linux'))) return dir
    const up = dirname(dir)
    if (up === dir)
      throw new ImageBuildError(ImageBuildCode.BUNDLE_FAILED, `cannot find the VBoom project above ${from}`)
    dir = up
  }
}

/** The entry's source: TypeScript when the sources are there, else the compiled module. */
function entrySource(root: string, ts: string, js: string): string {
  const src = join(root, ts)
  if (existsSync(src)) return src
  const dist = join(root, js)
  if (existsSync(dist)) return dist
  throw new ImageBuildError(
    ImageBuildCode.BUNDLE_FAILED,
    `neither ${src} nor ${dist} exists; run from a VBoom checkout or a built package (npm run build)`,
  )
}

type Esbuild = typeof import('esbuild')

async function loadEsbuild(): Promise<Esbuild> {
  try {
    return await import('esbuild')
  } catch (err) {
    throw new ImageBuildError(
      ImageBuildCode.BUNDLER_MISSING,
      `esbuild is not installed (${(err as Error).message}); install the dev dependencies (npm ci) where the image is built`,
      { cause: err },
    )
  }
}

type BuildOptions = Parameters<Esbuild['build']>[0]
type BuildResult = Awaited<ReturnType<Esbuild['build']>>

/**
 * One esbuild run as every bundle of an image is made: ES modules for
 * Node, in memory, with a metafile; returns the output and the addon
 * packages it imports (carried beside it). `what` names it in the error.
 */
async function bundle(
  esbuild: Esbuild,
  what: string,
  options: Pick<BuildOptions, 'entryPoints' | 'external' | 'splitting' | 'outdir'>,
): Promise<{ result: BuildResult; externals: Set<string> }> {
  let result: BuildResult
  try {
    result = await esbuild.build({
      ...options,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      target: 'node20.19',
      // CommonJS dependencies inside an ES module still call require() for Node's builtins
      banner: {
        js: "import { createRequire as __vboomRequire } from 'node:module'; const require = __vboomRequire(import.meta.url);",
      },
      logLevel: 'silent',
      legalComments: 'none',
    })
  } catch (err) {
    throw new ImageBuildError(
      ImageBuildCode.BUNDLE_FAILED,
      `bundling ${what} failed: ${(err as Error).message}`,
      {
        cause: err,
      },
    )
  }
  const externals = new Set<string>()
  for (const input of Object.values(result.metafile!.inputs))
    for (const imp of input.imports)
      if (imp.external && isAddonPackage(imp.path)) externals.add(packageOf(imp.path))
  return { result, externals }
}

/** Bundles one entry into one ESM module; returns its code and the external packages it imports. */
async function bundleOne(
  esbuild: Esbuild,
  entry: string,
): Promise<{ code: Uint8Array; externals: Set<string> }> {
  const { result, externals } = await bundle(esbuild, entry, {
    entryPoints: [entry],
    external: ADDON_PACKAGES,
  })
  return { code: result.outputFiles![0]!.contents, externals }
}

/** Whether an import names one of ADDON_PACKAGES (esbuild also lists its own `<runtime>` and node: builtins as external). */
const isAddonPackage = (spec: string): boolean =>
  ADDON_PACKAGES.some((p) =>
    p.endsWith('/*') ? spec.startsWith(p.slice(0, -1)) : spec === p || spec.startsWith(`${p}/`),
  )

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
const packageOf = (spec: string): string => {
  const parts = spec.split('/')
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
}

/** Files of a package worth carrying at run time: no sources, docs, tests, or other platforms' binaries. */
function keep(rel: string): boolean {
  const parts = rel.split('/')
  if (
    parts.some((p) =>
      ['deps', 'test', 'tests', 'docs', '.github', 'example', 'examples', 'obj.target'].includes(p),
    )
  )
    return false
  if (parts[0] === 'src' && !rel.endsWith('.js')) return false
  if (parts[0] === 'prebuilds' && parts[1] !== undefined && parts[1] !== 'linux-x64') return false
  if (/\.(md|markdown|cc|cpp|c|h|hpp|gyp|gypi|ts|map|a|o|mk|txt)$/i.test(rel) && !rel.endsWith('.d.ts'))
    return false
  if (rel.endsWith('.d.ts')) return false
  return true
}

/**
 * Directories worth walking: not those keep() drops whole, and among
 * prebuilds/ only this platform's (a file name standing in for the children
 * would make prebuilds/ itself look like another platform's).
 */
function keepDir(rel: string): boolean {
  const parts = rel.split('/')
  if (parts[0] === 'prebuilds') return parts.length === 1 || parts[1] === 'linux-x64'
  return keep(`${rel}/x.js`)
}

async function packageFiles(dir: string, inImage: string, out: ImageFile[]): Promise<void> {
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      const rel = relative(dir, p)
      if (e.isDirectory()) {
        if (e.name === 'node_modules') continue
        if (keepDir(rel)) await walk(p)
      } else if (e.isFile() && keep(rel)) {
        const st = await stat(p)
        out.push({ path: `${inImage}/${rel}`, data: await readFile(p), mode: st.mode & 0o777 })
      }
    }
  }
  await walk(dir)
}

/** `names` and their runtime dependencies (dependencies, and optional ones that are installed), from node_modules. */
async function packageClosure(nodeModules: string, names: Iterable<string>): Promise<string[]> {
  const seen = new Set<string>()
  const pending = [...names]
  while (pending.length > 0) {
    const name = pending.pop()!
    if (seen.has(name) || BUILD_ONLY.has(name) || name.startsWith('@types/')) continue
    const pj = join(nodeModules, name, 'package.json')
    if (!existsSync(pj))
      throw new ImageBuildError(
        ImageBuildCode.BUNDLE_FAILED,
        `package ${name} is needed at run time but is not in ${nodeModules}; run npm ci`,
      )
    seen.add(name)
    const meta = JSON.parse(await readFile(pj, 'utf8')) as {
      dependencies?: Record<string, string>
      optionalDependencies?: Record<string, string>
    }
    pending.push(...Object.keys(meta.dependencies ?? {}))
    for (const opt of Object.keys(meta.optionalDependencies ?? {}))
      if (existsSync(join(nodeModules, opt, 'package.json'))) pending.push(opt)
  }
  return [...seen].sort()
}

export interface AppFiles {
  files: ImageFile[]
  /** Packages copied for their addons. */
  packages: string[]
  /** Whether VBoom's batched BLAKE3 addon was built and is carried. */
  nativeHashing: boolean
  entryBytes: number
}

/**
 * What an image runs: the stateless image runs the swap (the stateless entry
 * and the swapper's hash worker); the verification image runs the anchor's
 * session (src/linux/verification/image-main.ts), and no swap.
 */
export type ImageFlavour = 'stateless' | 'verification'

/** The entry of the verification image, at the path its relative imports expect (see the header). */
export const VERIFICATION_ENTRY_SOURCE = 'src/linux/verification/image-main'

/** The bundles, addon packages and native addon of an image (the stateless one by default). */
export async function appFiles(root = projectRoot(), flavour: ImageFlavour = 'stateless'): Promise<AppFiles> {
  const esbuild = await loadEsbuild()
  const bundles: Array<{ path: string; code: Uint8Array; externals: Set<string> }> = []
  if (flavour === 'stateless') {
    const entry = await bundleOne(
      esbuild,
      entrySource(root, 'src/linux/stateless-main.ts', 'dist/src/linux/stateless-main.js'),
    )
    const worker = await bundleOne(
      esbuild,
      entrySource(root, 'src/swapper/index/hash-worker.ts', 'dist/src/swapper/index/hash-worker.js'),
    )
    bundles.push({ path: ENTRY_IN_IMAGE, ...entry }, { path: WORKER_IN_IMAGE, ...worker })
  } else {
    const entry = await bundleOne(
      esbuild,
      entrySource(root, `${VERIFICATION_ENTRY_SOURCE}.ts`, `dist/${VERIFICATION_ENTRY_SOURCE}.js`),
    )
    bundles.push({ path: `${IMAGE_APP_ROOT}/dist/${VERIFICATION_ENTRY_SOURCE}.js`, ...entry })
  }
  const files: ImageFile[] = [
    ...bundles.map((b) => ({ path: b.path, data: b.code })),
    // the bundles are ES modules
    { path: `${IMAGE_APP_ROOT}/dist/package.json`, data: Buffer.from('{"type":"module"}\n') },
  ]
  const nodeModules = join(root, 'node_modules')
  const packages = await packageClosure(nodeModules, [
    ...bundles.flatMap((b) => [...b.externals]),
    ...(flavour === 'stateless' ? RUNTIME_REQUIRED : []),
  ])
  for (const p of packages)
    await packageFiles(join(nodeModules, p), `${IMAGE_APP_ROOT}/node_modules/${p}`, files)
  const nativeHashing = await addNative(root, files)
  return { files, packages, nativeHashing, entryBytes: bundles[0]!.code.length }
}

/** VBoom's BLAKE3 addon when it was built; whether it was. */
async function addNative(root: string, files: ImageFile[]): Promise<boolean> {
  const native = join(root, 'native', 'build', 'blake3_batch.node')
  if (!existsSync(native)) return false
  files.push({ path: NATIVE_IN_IMAGE, data: await readFile(native), mode: 0o755 })
  return true
}

/**
 * The whole CLI for a VM's root (`vboom agent` under its systemd unit),
 * laid out as in the stateless image: the CLI bundled with its commands'
 * lazy imports split into chunks beside it (so an agent never loads what
 * only `vboom testnet` or `vboom image build` need), the hash worker, the
 * addon packages and VBoom's native addon.
 */
export async function agentAppFiles(root = projectRoot()): Promise<AppFiles> {
  const esbuild = await loadEsbuild()
  const outdir = dirname(join('/', CLI_IN_APP))
  const { result, externals } = await bundle(esbuild, 'the CLI', {
    entryPoints: { main: entrySource(root, 'src/cli/main.ts', 'dist/src/cli/main.js') },
    splitting: true,
    outdir,
    external: [...ADDON_PACKAGES, ...CLI_NOT_CARRIED],
  })
  const files: ImageFile[] = result.outputFiles!.map((f) => ({
    path: join(dirname(CLI_IN_APP), relative(outdir, f.path)),
    data: f.contents,
  }))
  const entryBytes = files.find((f) => f.path === CLI_IN_APP)?.data.length ?? 0
  const worker = await bundleOne(
    esbuild,
    entrySource(root, 'src/swapper/index/hash-worker.ts', 'dist/src/swapper/index/hash-worker.js'),
  )
  files.push(
    { path: WORKER_IN_IMAGE, data: worker.code },
    { path: `${IMAGE_APP_ROOT}/dist/package.json`, data: Buffer.from('{"type":"module"}\n') },
  )
  const nodeModules = join(root, 'node_modules')
  const packages = await packageClosure(nodeModules, [...externals, ...worker.externals, ...RUNTIME_REQUIRED])
  for (const p of packages)
    await packageFiles(join(nodeModules, p), `${IMAGE_APP_ROOT}/node_modules/${p}`, files)
  const nativeHashing = await addNative(root, files)
  return { files, packages, nativeHashing, entryBytes }
}
