/**
 * Talks to a running anchor's control socket (control-server.ts): what
 * `vboom ledger` uses while the anchor runs, and the testnet's live view.
 */
import { request } from 'node:http'
import { UsageError } from '../protocols/errors.js'
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

async function controlRequest(
  dataDir: string,
  method: 'GET' | 'POST',
  path: string,
  body?: Uint8Array,
): Promise<string> {
  const socketPath = anchorControlSocketPath(dataDir)
  return await new Promise<string>((resolve, reject) => {
    const req = request({ socketPath, path, method, timeout: CONTROL_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        if (res.statusCode === 200) return resolve(text)
        // A refusal carries the anchor's own code and one-line explanation.
        try {
          const f = JSON.parse(text) as { code: string; message: string }
          reject(new LedgerQueryError(f.code, f.message))
        } catch {
          reject(new UsageError('CONTROL_FAILED', `anchor answered ${res.statusCode} to ${method} ${path}`))
        }
      })
    })
    req.on('timeout', () => {
      reject(
        new UsageError(
          'ANCHOR_TIMEOUT',
          `the anchor at ${socketPath} did not answer within ${CONTROL_TIMEOUT_MS / 1000} s; check its log, or restart it`,
        ),
      )
      req.destroy()
    })
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') reject(new AnchorNotRunningError(dataDir))
      else
        reject(
          new UsageError('ANCHOR_UNREACHABLE', `cannot reach the anchor at ${socketPath}: ${err.message}`),
        )
    })
    req.end(body)
  })
}

/** A ledger query of the running anchor; AnchorNotRunningError when none runs. */
export async function queryRunningAnchor(dataDir: string, path: string): Promise<QueryAnswer> {
  return JSON.parse(await controlRequest(dataDir, 'GET', path)) as QueryAnswer
}

/** The running anchor's metrics, Prometheus text. */
export async function runningAnchorMetrics(dataDir: string): Promise<string> {
  return await controlRequest(dataDir, 'GET', '/metrics')
}

/** Appends a party-signed action (an encoded LedgerSubmit) through the operator's socket. */
export async function submitToRunningAnchor(dataDir: string, ledgerSubmit: Uint8Array): Promise<QueryAnswer> {
  return JSON.parse(await controlRequest(dataDir, 'POST', '/actions', ledgerSubmit)) as QueryAnswer
}
