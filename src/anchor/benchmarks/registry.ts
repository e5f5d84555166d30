/**
 * The anchor's benchmark registry: checks a submitted module against its
 * manifest (the sandbox's own static checks), signs it, and keeps module and
 * signature on disk so the catalog survives restarts.
 *
 * Layout under `dir`: `modules/<sha256 hex>.wasm` and
 * `signed/<sha256 hex of name@version>.pb` (a SignedBenchmark), each written
 * atomically. On open every stored signature and module hash is re-checked.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../../runtime/atomic-file.js'
import {
  type BenchmarkManifest,
  BenchmarkRefusedError,
  checkModule,
  decodeManifest,
  decodeSignedBenchmark,
  encodeCatalog,
  encodeManifest,
  encodeSignedBenchmark,
  type SandboxPolicy,
  type SignedBenchmark,
  sha256,
  verifyBenchmark,
} from '../../runtime/sandbox/index.js'
import { BenchmarkRegistryError } from '../errors.js'
import type { AnchorKey } from '../key.js'
import { signBenchmark } from './sign.js'
import { STANDARD_SUITE } from './suite.js'

export interface BenchmarkRegistryInit {
  dir: string
  anchorKey: AnchorKey
  /** Caps on what a manifest may ask for; the sandbox's defaults otherwise. */
  policy?: SandboxPolicy
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const nameKey = (m: { name: string; version: number }): string =>
  hex(sha256(new TextEncoder().encode(`${m.name}@${m.version}`)))

export class BenchmarkRegistry {
  private readonly byName = new Map<string, SignedBenchmark>()

  private constructor(
    private readonly dir: string,
    private readonly anchorKey: AnchorKey,
    private readonly policy: SandboxPolicy,
  ) {}

  static async open(init: BenchmarkRegistryInit): Promise<BenchmarkRegistry> {
    const r = new BenchmarkRegistry(init.dir, init.anchorKey, init.policy ?? {})
    await mkdir(join(init.dir, 'modules'), { recursive: true })
    await mkdir(join(init.dir, 'signed'), { recursive: true })
    for (const file of await readdir(join(init.dir, 'signed'))) {
      if (!file.endsWith('.pb')) continue
      const signed = decodeSignedBenchmark(new Uint8Array(await readFile(join(init.dir, 'signed', file))))
      try {
        const v = verifyBenchmark(
          signed,
          await r.readModule(hex(signed.moduleSha256)),
          init.anchorKey.publicKey,
        )
        if (`${nameKey(v.manifest)}.pb` !== file)
          throw new BenchmarkRefusedError('MALFORMED_MANIFEST', 'misfiled')
        r.byName.set(nameKey(v.manifest), signed)
      } catch (err) {
        throw new BenchmarkRegistryError('CORRUPT', `stored benchmark ${file} does not verify`, {
          cause: err,
        })
      }
    }
    return r
  }

  /**
   * Checks, signs and stores a benchmark. Submitting the same module and
   * manifest again returns the stored signature; reusing a name and version
   * for anything else is refused (bump the version).
   */
  async submit(module: Uint8Array, manifest: BenchmarkManifest): Promise<SignedBenchmark> {
    // Round-trip through the wire format so the stored manifest is exactly what agents decode.
    const canonical = decodeManifest(encodeManifest(manifest))
    const key = nameKey(canonical)
    const existing = this.byName.get(key)
    const moduleSha256 = sha256(module)
    if (existing !== undefined) {
      const same =
        Buffer.from(existing.moduleSha256).equals(Buffer.from(moduleSha256)) &&
        Buffer.from(existing.manifest).equals(Buffer.from(encodeManifest(canonical)))
      if (same) return existing
      throw new BenchmarkRegistryError(
        'NAME_TAKEN',
        `${canonical.name}@${canonical.version} exists; bump the version`,
      )
    }
    try {
      await checkModule(canonical, module, this.policy)
    } catch (err) {
      if (!(err instanceof BenchmarkRefusedError)) throw err
      throw new BenchmarkRegistryError(err.code, `not signed: ${err.message}`, { cause: err })
    }
    const signed = signBenchmark(module, canonical, this.anchorKey.secretKey)
    await writeFileAtomic(join(this.dir, 'modules', `${hex(moduleSha256)}.wasm`), module, 0o644)
    await writeFileAtomic(join(this.dir, 'signed', `${key}.pb`), encodeSignedBenchmark(signed), 0o644)
    this.byName.set(key, signed)
    return signed
  }

  /** Signs the standard suite from its built modules (`<source>.wasm` in `wasmDir`). */
  async submitStandardSuite(wasmDir: string): Promise<SignedBenchmark[]> {
    const out: SignedBenchmark[] = []
    for (const b of STANDARD_SUITE) {
      const module = new Uint8Array(await readFile(join(wasmDir, `${b.source}.wasm`)))
      out.push(await this.submit(module, b.manifest))
    }
    return out
  }

  catalog(): SignedBenchmark[] {
    return [...this.byName.values()]
  }

  /** The catalog as agents fetch it (a BenchmarkCatalog message). */
  catalogBytes(): Uint8Array {
    return encodeCatalog(this.catalog())
  }

  /** A module by its hex sha256; null if unknown. */
  async module(sha256Hex: string): Promise<Uint8Array | null> {
    if (!/^[0-9a-f]{64}$/.test(sha256Hex)) return null
    try {
      return await this.readModule(sha256Hex)
    } catch {
      return null
    }
  }

  private async readModule(sha256Hex: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(join(this.dir, 'modules', `${sha256Hex}.wasm`)))
  }
}
