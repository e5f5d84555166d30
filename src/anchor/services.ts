/**
 * The anchor's network services, each a request/response protocol
 * (src/protocols/rpc.ts): the signed benchmark catalog, modules by
 * hash, the swap coordinator, the ledger (ledger-service.ts) and, when a
 * verifier is configured, verification. Bad input gets a typed refusal in the
 * response and is counted in `vboom_anchor_requests_total{protocol,outcome}`
 * (ledger refusals also in `vboom_anchor_ledger_refused_total{reason}`);
 * nothing a peer sends can crash the anchor.
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import { Counter, type Registry } from 'prom-client'
import {
  CATALOG_PROTOCOL,
  COORDINATOR_PROTOCOL,
  DEFAULT_ANCHOR_CALL_TIMEOUT_MS,
  DEFAULT_VERIFY_TIMEOUT_MS,
  LEDGER_PROTOCOL,
  MAX_LEDGER_REQUEST_BYTES,
  MAX_SMALL_REQUEST_BYTES,
  MODULE_PROTOCOL,
  VERIFY_PROTOCOL,
} from '../protocols/anchor-constants.js'
import {
  CoordinatorOp,
  encodeCoordinatorResponse,
  validateCoordinatorRequest,
  type WireSwapStatus,
} from '../protocols/coordinator-wire.js'
import { VBoomError } from '../protocols/errors.js'
import {
  LedgerResponse,
  ModuleRequest,
  ModuleResponse,
  SignedAttestation,
  VerifyRequest,
  VerifyResponse,
} from '../protocols/proto/anchor.js'
import { handleRpc, unhandleRpc } from '../protocols/rpc.js'
import type { Logger } from '../runtime/log.js'
import { type AnchorLedgerMetrics, createAnchorLedgerMetrics } from '../runtime/metrics.js'
import type { BenchmarkRegistry } from './benchmarks/registry.js'
import type { AnchorCoordinator } from './coordinator.js'
import type { Ledger } from './ledger/index.js'
import { answerLedgerRequest } from './ledger-service.js'
import type { Verifier } from './verifier.js'

export interface AnchorServicesInit {
  node: Libp2p
  registry: BenchmarkRegistry
  coordinator: AnchorCoordinator
  ledger: Ledger
  verifier?: Verifier
  metrics: Registry
  log: Logger
  now?: () => number
}

const PROTOCOLS = [CATALOG_PROTOCOL, MODULE_PROTOCOL, COORDINATOR_PROTOCOL, LEDGER_PROTOCOL, VERIFY_PROTOCOL]

const failureOf = (err: unknown): { code: string; message: string } =>
  err instanceof VBoomError
    ? { code: err.code, message: err.message }
    : { code: 'INTERNAL', message: 'the anchor failed to answer; try again later' }

export class AnchorServices {
  private readonly requests: Counter<'protocol' | 'outcome'>
  private readonly ledgerMetrics: AnchorLedgerMetrics
  private readonly now: () => number
  private started = false

  constructor(private readonly init: AnchorServicesInit) {
    this.now = init.now ?? Date.now
    this.requests = new Counter({
      name: 'vboom_anchor_requests_total',
      help: 'Requests to the anchor services, by protocol and outcome (ok, or the refusal code)',
      labelNames: ['protocol', 'outcome'],
      registers: [init.metrics],
    })
    this.ledgerMetrics = createAnchorLedgerMetrics(init.metrics)
  }

  private count(protocol: string, outcome: string): void {
    this.requests.inc({ protocol, outcome })
  }

  /** Our own faults are logged; a peer's bad input is only counted. */
  private refusal(protocol: string, err: unknown): { code: string; message: string } {
    const f = failureOf(err)
    if (f.code === 'INTERNAL') this.init.log.error({ err, protocol }, 'anchor service failed')
    this.count(protocol, f.code)
    return f
  }

  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    const { node } = this.init
    const small = { maxRequestBytes: MAX_SMALL_REQUEST_BYTES, timeoutMs: DEFAULT_ANCHOR_CALL_TIMEOUT_MS }
    const onStreamError = (protocol: string) => (err: VBoomError) => this.count(protocol, err.code)

    await handleRpc(
      node,
      CATALOG_PROTOCOL,
      async () => {
        this.count(CATALOG_PROTOCOL, 'ok')
        return this.init.registry.catalogBytes()
      },
      { ...small, onStreamError: onStreamError(CATALOG_PROTOCOL) },
    )

    await handleRpc(
      node,
      MODULE_PROTOCOL,
      async (req) => {
        try {
          const { sha256 } = ModuleRequest.decode(req)
          const module =
            sha256.length === 32 ? await this.init.registry.module(Buffer.from(sha256).toString('hex')) : null
          if (module === null) {
            this.count(MODULE_PROTOCOL, 'UNKNOWN_MODULE')
            return ModuleResponse.encode({
              module: new Uint8Array(0),
              failure: { code: 'UNKNOWN_MODULE', message: 'no signed module with that hash' },
            })
          }
          this.count(MODULE_PROTOCOL, 'ok')
          return ModuleResponse.encode({ module: new Uint8Array(module) })
        } catch (err) {
          return ModuleResponse.encode({
            module: new Uint8Array(0),
            failure: this.refusal(MODULE_PROTOCOL, err),
          })
        }
      },
      { ...small, onStreamError: onStreamError(MODULE_PROTOCOL) },
    )

    await handleRpc(
      node,
      COORDINATOR_PROTOCOL,
      async (req) => {
        try {
          const status = await this.coordinate(req)
          this.count(COORDINATOR_PROTOCOL, 'ok')
          return encodeCoordinatorResponse({ status })
        } catch (err) {
          return encodeCoordinatorResponse({ failure: this.refusal(COORDINATOR_PROTOCOL, err) })
        }
      },
      { ...small, onStreamError: onStreamError(COORDINATOR_PROTOCOL) },
    )

    await handleRpc(
      node,
      LEDGER_PROTOCOL,
      async (req) => {
        try {
          const res = await answerLedgerRequest(this.init.ledger, req, (e) =>
            this.ledgerMetrics.appended.inc({ kind: e.kind }),
          )
          this.count(LEDGER_PROTOCOL, 'ok')
          return LedgerResponse.encode(res)
        } catch (err) {
          const failure = this.refusal(LEDGER_PROTOCOL, err)
          this.ledgerMetrics.refused.inc({ reason: `${(err as Error).name}.${failure.code}` })
          return LedgerResponse.encode({ failure })
        }
      },
      {
        maxRequestBytes: MAX_LEDGER_REQUEST_BYTES,
        timeoutMs: DEFAULT_ANCHOR_CALL_TIMEOUT_MS,
        onStreamError: onStreamError(LEDGER_PROTOCOL),
      },
    )

    const verifier = this.init.verifier
    if (verifier !== undefined) {
      await handleRpc(
        node,
        VERIFY_PROTOCOL,
        async (req, peer: PeerId, signal) => {
          try {
            const r = VerifyRequest.decode(req)
            const attestation = await verifier.verify(r.control, r.vm, signal)
            this.count(VERIFY_PROTOCOL, 'ok')
            return VerifyResponse.encode({ attestation: SignedAttestation.decode(attestation) })
          } catch (err) {
            this.init.log.debug(
              { peer: peer.toString(), code: (err as VBoomError).code },
              'verification refused',
            )
            return VerifyResponse.encode({ failure: this.refusal(VERIFY_PROTOCOL, err) })
          }
        },
        {
          maxRequestBytes: MAX_SMALL_REQUEST_BYTES,
          timeoutMs: DEFAULT_VERIFY_TIMEOUT_MS,
          maxInboundStreams: 4,
          onStreamError: onStreamError(VERIFY_PROTOCOL),
        },
      )
    }
  }

  private async coordinate(req: Uint8Array): Promise<WireSwapStatus> {
    const call = validateCoordinatorRequest(req, this.now())
    const c = this.init.coordinator
    c.authorize(call.swapId, call.signer, call.role)
    switch (call.op) {
      case CoordinatorOp.PREPARE:
        return c.prepare(call.swapId, call.role!)
      case CoordinatorOp.COMMIT:
        return c.commit(call.swapId)
      case CoordinatorOp.ABORT:
        return c.abort(call.swapId, call.role!, call.reason ?? '')
      case CoordinatorOp.COMPLETE:
        return c.complete(call.swapId, call.role!)
      case CoordinatorOp.WATCH:
        return c.watch(call.swapId, call.seen!, call.waitMs ?? 0)
      default:
        return c.status(call.swapId)
    }
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    for (const p of PROTOCOLS) await unhandleRpc(this.init.node, p).catch(() => {})
  }
}
