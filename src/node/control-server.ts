/**
 * The agent's local control endpoint: HTTP over a unix socket in the data
 * dir (only the VM's own users can reach it; file mode 0600): GET /status
 * (JSON), GET /metrics (Prometheus text), GET /profile (the profiler's state,
 * budget and statistics, JSON; null without a profiler), GET /needs (the
 * needs weights and where each came from, JSON), GET /market (the candidates,
 * both sides' utilities and why each is pursued or not; null when the agent
 * does not trade), GET /agreements (the agreements reached and their states),
 * POST /attestation (an anchor attestation for this VM's adverts to carry),
 * POST /swap (a registered swap to leave for: src/node/lifecycle/leave.ts's
 * request as JSON; answered once the boot parameters are stored, then the VM
 * reboots stateless). Refusals are the message line as text, status 400
 * (404 for an unknown route).
 */
import { MAX_ATTESTATION_BYTES } from '../protocols/constants.js'
import { UsageError } from '../protocols/errors.js'
import type { Logger } from '../runtime/log.js'
import { type ControlRoutes, UnixControlServer } from '../runtime/unix-http/server.js'
import { dataDirSocketPath } from '../runtime/unix-http/socket-path.js'
import type { Agent } from './agent.js'
import { parseLeaveRequest } from './lifecycle/index.js'

/** A leave request is a few KiB (its agreement at most 16 KiB, in hex). */
const MAX_LEAVE_REQUEST_BYTES = 256 * 1024

/** The control socket's path for a data dir (in the temp dir when the data dir's is too long). */
export function controlSocketPath(dataDir: string): string {
  return dataDirSocketPath(dataDir, 'vboom-')
}

function agentRoutes(agent: Agent, log: Logger): ControlRoutes {
  return {
    'GET /status': async () => ({ json: await agent.status() }),
    'GET /profile': async () => ({ json: agent.profileStatus() }),
    'GET /needs': async () => ({ json: agent.needsReport() }),
    'GET /market': async () => ({ json: await agent.marketReport() }),
    'GET /agreements': async () => ({ json: await agent.agreements() }),
    'GET /metrics': async () => ({
      text: await agent.metrics.registry.metrics(),
      contentType: agent.metrics.registry.contentType,
    }),
    'POST /attestation': async (r) => {
      const a = await agent.addAttestation(
        await r.body(MAX_ATTESTATION_BYTES, 'one SignedAttestation (a few hundred bytes)'),
      )
      return { json: { location: a.location, expiresAt: new Date(a.expiresAtMs).toISOString() } }
    },
    'POST /swap': async (r) => {
      const body = new TextDecoder().decode(
        await r.body(MAX_LEAVE_REQUEST_BYTES, 'one leave request (a few KiB)'),
      )
      let json: unknown
      try {
        json = JSON.parse(body)
      } catch {
        throw new UsageError('BAD_REQUEST', 'the swap request is not JSON')
      }
      const leave = parseLeaveRequest(json)
      await agent.prepareLeave(leave)
      return {
        json: { leaving: Buffer.from(leave.swap.swapId).toString('hex') },
        // answered first: the reboot ends this process
        after: () => {
          agent.rebootStateless().catch((err) => log.error({ err }, 'could not leave for the swap'))
        },
      }
    },
  }
}

export class ControlServer extends UnixControlServer {
  constructor(agent: Agent, log: Logger) {
    super({
      socketPath: controlSocketPath(agent.dataDir.path),
      name: 'agent',
      routes: agentRoutes(agent, log),
      refusals: 'text',
      log,
    })
  }
}
