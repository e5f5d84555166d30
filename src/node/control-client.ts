/** Talks to a running agent's control endpoint (see control-server.ts). */
import { request } from 'node:http'
import { UsageError } from '../protocols/errors.js'
import type { AgentStatus } from './agent.js'
import { controlSocketPath } from './control-server.js'
import type { NeedsReport } from './needs/index.js'
import type { AgreementView } from './negotiation/agreement-store.js'
import type { MarketReport } from './negotiation/service.js'

/** A local socket answers at once; a second means the agent is wedged. */
const CONTROL_TIMEOUT_MS = 5_000

async function controlGet(dataDir: string, path: string): Promise<string> {
  return await controlRequest(dataDir, 'GET', path)
}

export async function controlPost(dataDir: string, path: string, body: Uint8Array): Promise<string> {
  return await controlRequest(dataDir, 'POST', path, body)
}

async function controlRequest(
  dataDir: string,
  method: string,
  path: string,
  body?: Uint8Array,
): Promise<string> {
  const socketPath = controlSocketPath(dataDir)
  return await new Promise<string>((resolve, reject) => {
    const req = request({ socketPath, path, method, timeout: CONTROL_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        if (res.statusCode !== 200) {
          // A 400 carries the agent's own one-line explanation; anything else is unexpected.
          const why =
            res.statusCode === 400
              ? text.trim()
              : `agent answered ${res.statusCode} to ${method} ${path}: ${text.trim()}`
          reject(new UsageError('CONTROL_FAILED', why))
        } else {
          resolve(text)
        }
      })
    })
    req.on('timeout', () => {
      // Settled first: the 'error' that destroying the request raises then changes nothing.
      reject(
        new UsageError(
          'AGENT_TIMEOUT',
          `the agent at ${socketPath} did not answer within ${CONTROL_TIMEOUT_MS / 1000} s; it may be overloaded or stuck: check its log, or restart it`,
        ),
      )
      req.destroy()
    })
    req.on('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
          ? `no agent is running with data dir ${dataDir} (start one with \`vboom agent --data-dir ${dataDir} --config FILE\`)`
          : `cannot reach the agent at ${socketPath}: ${err.message}`
      reject(new UsageError('AGENT_UNREACHABLE', why))
    })
    req.end(body)
  })
}

export async function fetchStatus(dataDir: string): Promise<AgentStatus> {
  return JSON.parse(await controlGet(dataDir, '/status')) as AgentStatus
}

export async function fetchNeeds(dataDir: string): Promise<NeedsReport> {
  return JSON.parse(await controlGet(dataDir, '/needs')) as NeedsReport
}

export async function fetchMarket(dataDir: string): Promise<MarketReport | null> {
  return JSON.parse(await controlGet(dataDir, '/market')) as MarketReport | null
}

export async function fetchAgreements(dataDir: string): Promise<AgreementView[]> {
  return JSON.parse(await controlGet(dataDir, '/agreements')) as AgreementView[]
}
