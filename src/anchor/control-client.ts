/**
 * Talks to a running anchor's control socket (control-server.ts): what
 * `vboom ledger` uses while the anchor runs, and the testnet's live view.
 */
import { UsageError } from '../protocols/errors.js'
import { type ControlPeer, controlRequest } from '../runtime/unix-http/client.js'
import { anchorControlSocketPath } from './control-server.js'
import { LedgerQueryError } from './errors.js'
import type { QueryAnswer } from './ledger/queries.js'

/** A local socket answers at once; five seconds means the anchor is wedged. */
const CONTROL_TIMEOUT_MS = 5_000

/** No anchor listens on the data dir's control socket. */
export class AnchorNotRunningError extends UsageError {
  constructor(dataDir: string) {
    super(
      'ANCHOR_NOT_RUNNING',
      `no anchor is running with data dir ${dataDir} (start one with \`vboom anchor --data-dir ${dataDir}\`)`,
    )
    this.name = 'AnchorNotRunningError'
  }
}

function anchorPeer(dataDir: string): ControlPeer {
  return {
    socketPath: anchorControlSocketPath(dataDir),
    name: 'anchor',
    timeoutMs: CONTROL_TIMEOUT_MS,
    timeoutAdvice: 'check its log, or restart it',
    codes: { timeout: 'ANCHOR_TIMEOUT', unreachable: 'ANCHOR_UNREACHABLE' },
    notRunning: () => new AnchorNotRunningError(dataDir),
    refusals: 'json',
    // A refusal carries the anchor's own code and one-line explanation.
    refusal: (message, code) => new LedgerQueryError(code ?? 'CONTROL_FAILED', message),
  }
}

/** A ledger query of the running anchor; AnchorNotRunningError when none runs. */
export async function queryRunningAnchor(dataDir: string, path: string): Promise<QueryAnswer> {
  return JSON.parse(await controlRequest(anchorPeer(dataDir), 'GET', path)) as QueryAnswer
}

/** The running anchor's metrics, Prometheus text. */
export async function runningAnchorMetrics(dataDir: string): Promise<string> {
  return await controlRequest(anchorPeer(dataDir), 'GET', '/metrics')
}

/** Appends a party-signed action (an encoded LedgerSubmit) through the operator's socket. */
export async function submitToRunningAnchor(dataDir: string, ledgerSubmit: Uint8Array): Promise<QueryAnswer> {
  return JSON.parse(
    await controlRequest(anchorPeer(dataDir), 'POST', '/actions', ledgerSubmit),
  ) as QueryAnswer
}
