/**
 * The run's calls on a VM agent's control socket (`<vm root>/vboom/data`):
 * its status (with its advert) and the swap it is told to leave for, as an
 * owner's tooling makes them.
 */
import { request } from 'node:http'
import type { AgentStatus } from '../../node/agent.js'
import { controlSocketPath } from '../../node/control-server.js'
import { type LeaveRequest, leaveRequestToJson } from '../../node/lifecycle/index.js'
import { TestnetRunError, TestnetRunErrorCode } from './errors.js'

/** A local socket; the agent answers at once unless it is starting or stopping. */
const CONTROL_TIMEOUT_MS = 10_000

/** One request; null when nothing answers (the VM is not up, or its agent is starting). */
function control(
  dataDir: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ code: number; text: string } | null> {
  return new Promise((resolve) => {
    const req = request(
      { socketPath: controlSocketPath(dataDir), method, path, timeout: CONTROL_TIMEOUT_MS },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => {
          text += d
        })
        res.on('end', () => resolve({ code: res.statusCode ?? 0, text }))
      },
    )
    req.on('error', () => resolve(null))
    req.on('timeout', () => req.destroy())
    req.end(body)
  })
}

/** The agent's status, or null while it does not answer. */
export async function agentStatus(dataDir: string): Promise<AgentStatus | null> {
  const r = await control(dataDir, 'GET', '/status')
  if (r?.code !== 200) return null
  try {
    return JSON.parse(r.text) as AgentStatus
  } catch {
    return null
  }
}

/** Tells the agent its swap is registered: it stores its boot parameters and leaves. Throws AGENT_REFUSED. */
export async function tellToLeave(dataDir: string, vm: string, req: LeaveRequest): Promise<void> {
  const r = await control(dataDir, 'POST', '/swap', JSON.stringify(leaveRequestToJson(req)))
  if (r === null)
    throw new TestnetRunError(
      TestnetRunErrorCode.AGENT_REFUSED,
      `the agent of ${vm} did not answer the swap request; read its log in its host's logs`,
    )
  if (r.code !== 200)
    throw new TestnetRunError(
      TestnetRunErrorCode.AGENT_REFUSED,
      `the agent of ${vm} refused the swap (HTTP ${r.code}): ${r.text.slice(0, 300)}`,
    )
}
