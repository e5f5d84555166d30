/**
 * The anchor's verification image, as the testnet boots it on an emulated
 * host: the anchor's own code, run in place of the VM's (whose processes are
 * stopped meanwhile). It receives the signed suite over its channel, runs each
 * benchmark in the sandbox against the host's disk (`VBOOM_IMAGE_DISK`),
 * checking every signature against the anchor key it was given, and answers
 * with the measurements. One request, then it exits. Where the platform
 * emulates the host's disk limits, it says so (image-io-gate.ts) and each
 * disk I/O waits for the host's grant, as the VM's own benchmarks do.
 */
import { decodeManifest, decodeSignedBenchmark, runBenchmark } from '../runtime/sandbox/index.js'
import { IMAGE_IO_GATE_ENV, IMAGE_IO_GATE_IPC, ImageIoGateClient } from './image-io-gate.js'
import type { ImageRequest, ImageResult } from './verifier.js'

async function run(
  req: ImageRequest,
  diskDir: string,
  gate: ImageIoGateClient | null,
): Promise<ImageResult[]> {
  const out: ImageResult[] = []
  for (const b of req.benchmarks) {
    const signed = decodeSignedBenchmark(new Uint8Array(b.signed))
    const r = await runBenchmark(signed, new Uint8Array(b.module), new Uint8Array(req.anchorKey), {
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

const disk = process.env.VBOOM_IMAGE_DISK
if (process.send === undefined || disk === undefined) {
  process.stderr.write('verification-image: run by a platform with an IPC channel and VBOOM_IMAGE_DISK set\n')
  process.exit(2)
}
const gate =
  process.env[IMAGE_IO_GATE_ENV] === IMAGE_IO_GATE_IPC ? new ImageIoGateClient((m) => process.send!(m)) : null
let started = false
process.on('message', (m: unknown) => {
  if (gate?.onReply(m) === true || started) return
  started = true
  const req = m as ImageRequest
  const reply = (msg: unknown): void => {
    process.send!(msg, () => process.exit(0))
  }
  if (req?.t !== 'run' || !Array.isArray(req.benchmarks)) {
    reply({ t: 'error', error: { code: 'BAD_REQUEST', message: 'unknown request' } })
    return
  }
  run(req, disk, gate).then(
    (results) => reply({ t: 'results', results }),
    (err: Error & { code?: string }) =>
      reply({ t: 'error', error: { code: err.code ?? 'FAILED', message: err.message } }),
  )
})
