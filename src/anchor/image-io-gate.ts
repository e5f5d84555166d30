/**
 * The verification image's disk I/O gate, over the IPC channel its platform
 * boots it with. Where a host's disk limits are emulated in user space (the
 * testnet without root), the image's disk benchmarks must wait for the
 * host's grants as the VM's own benchmarks and workloads do, or the anchor
 * would measure the machine's disk instead of the host's. The platform sets
 * IMAGE_IO_GATE_ENV to IMAGE_IO_GATE_IPC and answers each grant request with
 * its gate; the image then runs its benchmarks through `ImageIoGateClient`.
 *
 * Wire (Node IPC, 'advanced' serialization):
 *   image -> platform  {t: 'io-grant', id, kind: 'read'|'write', bytes}
 *   platform -> image  {t: 'io-granted', id} | {t: 'io-refused', id, message}
 */
import { VBoomError } from '../protocols/errors.js'
import type { IoGate, IoKind } from '../runtime/sandbox/io-gate.js'

/** The environment variable that tells the image to ask its platform for disk grants. */
export const IMAGE_IO_GATE_ENV = 'VBOOM_IMAGE_IO_GATE'
/** Its one value: grants are asked over the IPC channel. */
export const IMAGE_IO_GATE_IPC = 'ipc'

export interface IoGrantRequest {
  t: 'io-grant'
  id: number
  kind: IoKind
  bytes: number
}

export type IoGrantReply = { t: 'io-granted'; id: number } | { t: 'io-refused'; id: number; message: string }

/** Whether an IPC message is an image's grant request (the platform answers it, it is not a result). */
export function isIoGrantRequest(m: unknown): m is IoGrantRequest {
  const r = m as Partial<IoGrantRequest> | null
  return (
    typeof r === 'object' &&
    r !== null &&
    r.t === 'io-grant' &&
    Number.isSafeInteger(r.id) &&
    (r.kind === 'read' || r.kind === 'write') &&
    Number.isSafeInteger(r.bytes) &&
    (r.bytes as number) >= 0
  )
}

/** The platform's side: answers one grant request from `gate`. */
export async function answerIoGrant(req: IoGrantRequest, gate: IoGate): Promise<IoGrantReply> {
  try {
    await gate.grant(req.kind, req.bytes)
    return { t: 'io-granted', id: req.id }
  } catch (err) {
    return { t: 'io-refused', id: req.id, message: (err as Error).message }
  }
}

/** Raised in the image when the platform refuses a grant (its limits went away): code IO_GRANT_REFUSED. */
export class ImageIoGateError extends VBoomError {
  constructor(message: string) {
    super('IO_GRANT_REFUSED', message)
    this.name = 'ImageIoGateError'
  }
}

/** The image's side: each grant is asked of the platform over `send`; replies come in through `onReply`. */
export class ImageIoGateClient implements IoGate {
  private nextId = 0
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>()

  constructor(private readonly send: (m: IoGrantRequest) => void) {}

  grant(kind: IoKind, bytes: number): Promise<void> {
    const id = this.nextId++
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      this.send({ t: 'io-grant', id, kind, bytes })
    })
  }

  /** Takes a message from the platform; true when it was a grant reply. */
  onReply(m: unknown): boolean {
    const r = m as Partial<IoGrantReply> | null
    if (typeof r !== 'object' || r === null || (r.t !== 'io-granted' && r.t !== 'io-refused')) return false
    const w = this.waiting.get(r.id as number)
    if (w === undefined) return true
    this.waiting.delete(r.id as number)
    if (r.t === 'io-granted') w.resolve()
    else
      w.reject(
        new ImageIoGateError(
          `the host refused a disk grant (${String((r as { message?: unknown }).message)}); the measurement is abandoned rather than taken on an unthrottled disk`,
        ),
      )
    return true
  }
}
