/** Talks to a running agent's control endpoint (see control-server.ts). */
import { UsageError } from '../protocols/errors.js'
import { type ControlPeer, controlRequest } from '../runtime/unix-http/client.js'
import type { AgentStatus } from './agent.js'
import { controlSocketPath } from './control-server.js'
import type { AgreementLeaveView } from './lifecycle/leave-retry.js'
import type { NeedsReport } from './needs/index.js'
import type { MarketReport } from './negotiation/service.js'

/** A local socket answers at once; five seconds means the agent is wedged. */
const CONTROL_TIMEOUT_MS = 5_000

function agentPeer(dataDir: string): ControlPeer {
  return {
    socketPath: controlSocketPath(dataDir),
    name: 'agent',
    timeoutMs: CONTROL_TIMEOUT_MS,
    timeoutAdvice: 'it may be overloaded or stuck: check its log, or restart it',
    codes: { timeout: 'AGENT_TIMEOUT', unreachable: 'AGENT_UNREACHABLE' },
    notRunning: () =>
      new UsageError(
        'AGENT_UNREACHABLE',
        `no agent is running with data dir ${dataDir} (start one with \`vboom agent --data-dir ${dataDir} --config FILE\`)`,
      ),
    refusals: 'text',
    // A refusal carries the agent's own one-line explanation.
    refusal: (message) => new UsageError('CONTROL_FAILED', message),
  }
}

async function controlGet(dataDir: string, path: string): Promise<string> {
  return await controlRequest(agentPeer(dataDir), 'GET', path)
}

export async function controlPost(dataDir: string, path: string, body: Uint8Array): Promise<string> {
  return await controlRequest(agentPeer(dataDir), 'POST', path, body)
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

export async function fetchAgreements(dataDir: string): Promise<AgreementLeaveView[]> {
  return JSON.parse(await controlGet(dataDir, '/agreements')) as AgreementLeaveView[]
}
