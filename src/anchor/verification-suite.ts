/**
 * What the anchor's verification image does with the anchor's request,
 * wherever it runs (the testnet's emulated host, verification-image.ts; a
 * real VM booted into the Linux verification image): each signed benchmark
 * in the sandbox, its signature checked against the anchor key the image
 * trusts, disk benchmarks in `diskDir` on the machine's disk, each I/O
 * waiting for `gate` where the platform emulates the disk's limits.
 */
import type { IoGate } from '../runtime/sandbox/index.js'
import { decodeManifest, decodeSignedBenchmark, runBenchmark } from '../runtime/sandbox/index.js'
import type { ImageRequest, ImageResult } from './verifier.js'

export async function runVerificationSuite(
  req: Pick<ImageRequest, 'benchmarks'>,
  anchorKey: Uint8Array,
  diskDir: string,
  gate: IoGate | null = null,
): Promise<ImageResult[]> {
  const out: ImageResult[] = []
  for (const b of req.benchmarks) {
    const signed = decodeSignedBenchmark(new Uint8Array(b.signed))
    const r = await runBenchmark(signed, new Uint8Array(b.module), new Uint8Array(anchorKey), {
      disk: gate === null ? { dir: diskDir } : { dir: diskDir, gate },
    })
    out.push({
      name: r.name,
      resource: decodeManifest(signed.manifest).resource,
      value: r.value,
      unit: r.unit,
    })
  }
  return out
}
