/**
 * The run's calls on a VM agent's control socket (`<vm root>/vboom/data`):
 * its status (with its advert) and the swap it is told to leave for, as an
 * owner's tooling makes them.
 */
import type { AgentStatus } from '../../node/agent.js'
import { controlSocketPath } from '../../node/control-server.js'
import { type LeaveRequest, leaveRequestToJson } from '../../node/lifecycle/index.js'
import { type ControlResponse, exchange } from '../../runtime/unix-http/client.js'
import { ControlExchangeError } from '../../runtime/unix-http/errors.js'
import { TestnetRunError, TestnetRunErrorCode } from './errors.js'

/** A local socket; the agent answers at once unless it is starting or stopping. */
const CONTROL_TIMEOUT_MS = 10_000

/** One request to the agent of a VM's data dir; null when nothing answers (the VM is not up, or its agent is starting). */
export async function agentControl(
  dataDir: string,
  method: 'GET' | 'POST',
  path: string,
  body?: string,
): Promise<ControlResponse | null> {
  try {
    return await exchange(controlSocketPath(dataDir), method, path, CONTROL_TIMEOUT_MS, body)
  } catch (err) {
    if (err instanceof ControlExchangeError) return null
    throw err
  }
}

/** The agent's status, or null while it does not answer. */
export async function agentStatus(dataDir: string): Promise<AgentStatus | null> {
  const r = await agentControl(dataDir, 'GET', '/status')
  if (r?.status !== 200) return null
  try {
    return JSON.parse(r.text) as AgentStatus
  } catch {
    return null
  }
}

/** Tells the agent its swap is registered: it stores its boot parameters and leaves. Throws AGENT_REFUSED. */
export async function tellToLeave(dataDir: string, vm: string, req: LeaveRequest): Promise<void> {
  const r = await agentControl(dataDir, 'POST', '/swap', JSON.stringify(leaveRequestToJson(req)))
  if (r === null)
    throw new TestnetRunError(
      TestnetRunErrorCode.AGENT_REFUSED,
      `the agent of ${vm} did not answer the swap request; read its log in its host's logs`,
    )
  if (r.status !== 200)
    throw new TestnetRunError(
      TestnetRunErrorCode.AGENT_REFUSED,
      `the agent of ${vm} refused the swap (HTTP ${r.status}): ${r.text.slice(0, 300)}`,
    )
}
