/**
 * The run's reads of a VM agent's control socket (`<vm root>/vboom/data`),
 * as its owner's tooling makes them: its status (with its advert), its view
 * of the market (`vboom market`) and the agreements it reached
 * (`vboom agreements`). The run only reads: the agent trades by itself.
 */
import { join } from 'node:path'
import type { AgentStatus } from '../../node/agent.js'
import { controlSocketPath } from '../../node/control-server.js'
import type { AgreementView } from '../../node/negotiation/agreement-store.js'
import type { MarketReport } from '../../node/negotiation/service.js'
import { type ControlResponse, exchange } from '../../runtime/unix-http/client.js'
import { ControlExchangeError } from '../../runtime/unix-http/errors.js'

/** The agent's data dir of the VM a host runs, from its root. */
export const agentDataDir = (vmRoot: string): string => join(vmRoot, 'vboom', 'data')

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

/** A JSON answer of the agent, or null while it does not answer (or answers otherwise). */
async function getJson<T>(dataDir: string, path: string): Promise<T | null> {
  const r = await agentControl(dataDir, 'GET', path)
  if (r?.status !== 200) return null
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

const LIE_LINE = /^vboom_probe_lies_total\{peer="([^"]+)"\} (\d+)/gm

/** The lies the agent's probes confirmed, by the lying peer (its /metrics); empty while it does not answer. */
export async function agentLies(dataDir: string): Promise<Map<string, number>> {
  const r = await agentControl(dataDir, 'GET', '/metrics')
  const out = new Map<string, number>()
  if (r?.status !== 200) return out
  for (const m of r.text.matchAll(LIE_LINE)) out.set(m[1]!, Number(m[2]))
  return out
}
