/**
 * The swapper's `Coordinator`, reached over the network: each call is signed
 * with this VM's key (the key the ledger names for its side of the swap) and
 * answered by the anchor only once its decision is durable. Calls are safe to
 * repeat (every transition is idempotent at the anchor), so a lost answer is
 * retried by the caller like any other.
 */
import type { Libp2p } from '@libp2p/interface'
import {
  COORDINATOR_PROTOCOL,
  DEFAULT_ANCHOR_CALL_TIMEOUT_MS,
  MAX_COORDINATOR_RESPONSE_BYTES,
  MAX_COORDINATOR_WATCH_MS,
} from '../protocols/anchor-constants.js'
import {
  type CoordinatorCallBody,
  CoordinatorOp,
  decodeCoordinatorResponse,
  signCoordinatorCall,
} from '../protocols/coordinator-wire.js'
import { VBoomError } from '../protocols/errors.js'
import { rpcCall } from '../protocols/rpc.js'
import type { Coordinator, SwapStatus } from '../swapper/coordinator/coordinator.js'
import { CoordinatorError } from '../swapper/errors.js'
import type { Role } from '../swapper/index/manifest.js'
import type { AnchorTarget } from './anchor-client.js'

export interface AnchorCoordinatorClientInit {
  node: Libp2p
  anchor: AnchorTarget
  /** This VM's key: the ledger's `vm` key of its side of the swap. */
  key: { secretKey: Uint8Array; publicKey: Uint8Array }
  timeoutMs?: number
  now?: () => number
}

export class AnchorCoordinatorClient implements Coordinator {
  constructor(private readonly init: AnchorCoordinatorClientInit) {}

  /** `waitMs`: how long the anchor may hold the call (WATCH), on top of the call timeout. */
  private async call(body: CoordinatorCallBody, waitMs = 0): Promise<SwapStatus> {
    const now = (this.init.now ?? Date.now)()
    let bytes: Uint8Array
    try {
      bytes = await rpcCall(
        this.init.node,
        this.init.anchor,
        COORDINATOR_PROTOCOL,
        signCoordinatorCall(body, this.init.key, now),
        {
          maxResponseBytes: MAX_COORDINATOR_RESPONSE_BYTES,
          timeoutMs: (this.init.timeoutMs ?? DEFAULT_ANCHOR_CALL_TIMEOUT_MS) + waitMs,
        },
      )
      const r = decodeCoordinatorResponse(bytes, body.swapId)
      if ('failure' in r)
        throw new CoordinatorError(r.failure.code, `anchor coordinator: ${r.failure.message}`)
      return r.status
    } catch (err) {
      if (err instanceof CoordinatorError) throw err
      const code = err instanceof VBoomError ? err.code : 'COORDINATOR_UNREACHABLE'
      throw new CoordinatorError(
        code,
        `anchor coordinator unreachable or answered badly: ${(err as Error).message}`,
      )
    }
  }

  prepare(swapId: string, role: Role): Promise<SwapStatus> {
    return this.call({ op: CoordinatorOp.PREPARE, swapId, role })
  }
  commit(swapId: string): Promise<SwapStatus> {
    return this.call({ op: CoordinatorOp.COMMIT, swapId })
  }
  abort(swapId: string, role: Role, reason: string): Promise<SwapStatus> {
    return this.call({ op: CoordinatorOp.ABORT, swapId, role, reason })
  }
  complete(swapId: string, role: Role): Promise<SwapStatus> {
    return this.call({ op: CoordinatorOp.COMPLETE, swapId, role })
  }
  status(swapId: string): Promise<SwapStatus> {
    return this.call({ op: CoordinatorOp.STATUS, swapId })
  }
  /** A long poll at the anchor, at most MAX_COORDINATOR_WATCH_MS; the caller asks again after it. */
  watch(swapId: string, seen: SwapStatus, timeoutMs: number): Promise<SwapStatus> {
    const waitMs = Math.max(0, Math.min(MAX_COORDINATOR_WATCH_MS, Math.floor(timeoutMs)))
    return this.call({ op: CoordinatorOp.WATCH, swapId, seen, waitMs }, waitMs)
  }
  /** Nothing to release: each call opens and closes its own stream. */
  async close(): Promise<void> {}
}
