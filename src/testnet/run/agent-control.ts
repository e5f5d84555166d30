/**
 * The run's reads of a VM agent's control socket (`<vm root>/vboom/data`),
 * as its owner's tooling makes them: its status (with its advert), its view
 * of the market (`vboom market`) and the agreements it reached
 * (`vboom agreements`). The run only reads: the agent trades by itself.
 */
import { request } from 'node:http'
import { join } from 'node:path'
import type { AgentStatus } from '../../node/agent.js'
import { controlSocketPath } from '../../node/control-server.js'
import type { AgreementView } from '../../node/negotiation/agreement-store.js'
import type { MarketReport } from '../../node/negotiation/service.js'

/** The agent's data dir of the VM a host runs, from its root. */
export const agentDataDir = (vmRoot: string): string => join(vmRoot, 'vboom', 'data')

/** A local socket; the agent answers at once unless it is starting or stopping. */
const CONTROL_TIMEOUT_MS = 10_000

/** One request; null when nothing answers (the VM is not up, or its agent is starting). */
function control(dataDir: string, path: string): Promise<{ code: number; text: string } | null> {
  return new Promise((resolve) => {
    const req = request(
      { socketPath: controlSocketPath(dataDir), method: 'GET', path, timeout: CONTROL_TIMEOUT_MS },
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
    req.end()
  })
}

/** A JSON answer of the agent, or null while it does not answer (or answers otherwise). */
async function getJson<T>(dataDir: string, path: string): Promise<T | null> {
  const r = await control(dataDir, path)
  if (r?.code !== 200) return null
  try {
    return JSON.parse(r.text) as T
  } catch {
    return null
  }
}

/** The agent's status, or null while it does not answer. */
export const agentStatus = (dataDir: string): Promise<AgentStatus | null> =>
  getJson<AgentStatus>(dataDir, '/status')

/** The agent's view of the market (null while it does not answer, or when it does not trade). */
export const agentMarket = (dataDir: string): Promise<MarketReport | null> =>
  getJson<MarketReport>(dataDir, '/market')

/** The agreements the agent reached, oldest first (null while it does not answer). */
export const agentAgreements = (dataDir: string): Promise<AgreementView[] | null> =>
  getJson<AgreementView[]>(dataDir, '/agreements')
