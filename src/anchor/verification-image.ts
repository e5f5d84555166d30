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
import { IMAGE_IO_GATE_ENV, IMAGE_IO_GATE_IPC, ImageIoGateClient } from './image-io-gate.js'
import { runVerificationSuite } from './verification-suite.js'
import type { ImageRequest } from './verifier.js'

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
  runVerificationSuite(req, new Uint8Array(req.anchorKey), disk, gate).then(
    (results) => reply({ t: 'results', results }),
    (err: Error & { code?: string }) =>
      reply({ t: 'error', error: { code: err.code ?? 'FAILED', message: err.message } }),
  )
})
