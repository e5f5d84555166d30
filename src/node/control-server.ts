/**
 * The agent's local control endpoint: HTTP over a unix socket in the data
 * dir (only the VM's own users can reach it; file mode 0600): GET /status
 * (JSON), GET /metrics (Prometheus text), GET /profile (the profiler's state,
 * budget and statistics, JSON; null without a profiler), GET /needs (the
 * needs weights and where each came from, JSON), GET /market (the candidates,
 * both sides' utilities and why each is pursued or not; null when the agent
 * does not trade), GET /agreements (the agreements reached and their states),
 * POST /attestation (an
 * anchor attestation for this VM's adverts to carry), POST /swap (a registered
 * swap to leave for: src/node/lifecycle/leave.ts's request as JSON; answered
 * once the boot parameters are stored, then the VM reboots stateless).
 */

import { createHash } from 'node:crypto'
import { chmod, unlink } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { MAX_ATTESTATION_BYTES } from '../protocols/constants.js'
import { UsageError, VBoomError } from '../protocols/errors.js'
import type { Bytes } from '../protocols/signing.js'
import type { Logger } from '../runtime/log.js'
import type { Agent } from './agent.js'
import { parseLeaveRequest } from './lifecycle/index.js'

/** A leave request is a few KiB (its agreement at most 16 KiB, in hex). */
const MAX_LEAVE_REQUEST_BYTES = 256 * 1024

const CONTROL_SOCKET = 'control.sock'

/** Reads a request body of at most `max` bytes; a larger one is refused, not buffered. */
async function readBody(req: IncomingMessage, max: number, what: string): Promise<Bytes> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > max)
      throw new UsageError('BODY_TOO_LARGE', `request body over ${max} bytes; send ${what} per request`)
    chunks.push(chunk as Buffer)
  }
  return new Uint8Array(Buffer.concat(chunks)) as Bytes
}

/** sockaddr_un holds 108 bytes; keep a margin for the terminating NUL and odd platforms. */
const MAX_SOCKET_PATH = 100

/**
 * The control socket lives in the data dir; when that path is too long for a
 * unix socket, it lives in the temp dir under a name derived from the data dir.
 */
export function controlSocketPath(dataDir: string): string {
  const inDir = join(resolve(dataDir), CONTROL_SOCKET)
  if (inDir.length <= MAX_SOCKET_PATH) return inDir
  const id = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 20)
  return join(tmpdir(), `vboom-${id}.sock`)
}

export class ControlServer {
  private server?: Server

  constructor(
    private readonly agent: Agent,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const path = controlSocketPath(this.agent.dataDir.path)
    // We hold the data dir lock, so a socket file left here is from a dead process.
    await unlink(path).catch(() => {})
    const server = createServer((req, res) => {
      const route = `${req.method} ${req.url}`
      const reply = async (): Promise<void> => {
        if (route === 'GET /status') {
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(JSON.stringify(await this.agent.status()))
        } else if (route === 'GET /profile') {
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(JSON.stringify(this.agent.profileStatus()))
        } else if (route === 'GET /market') {
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(JSON.stringify(await this.agent.marketReport()))
        } else if (route === 'GET /agreements') {
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(JSON.stringify(await this.agent.agreements()))
        } else if (route === 'GET /needs') {
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(JSON.stringify(this.agent.needsReport()))
        } else if (route === 'GET /metrics') {
          res.writeHead(200, { 'content-type': this.agent.metrics.registry.contentType })
          res.end(await this.agent.metrics.registry.metrics())
        } else if (route === 'POST /attestation') {
          try {
            const a = await this.agent.addAttestation(
              await readBody(req, MAX_ATTESTATION_BYTES, 'one SignedAttestation (a few hundred bytes)'),
            )
            res.writeHead(200, { 'content-type': 'application/json' })
            res.end(
              JSON.stringify({ location: a.location, expiresAt: new Date(a.expiresAtMs).toISOString() }),
            )
          } catch (err) {
            if (!(err instanceof VBoomError)) throw err
            res.writeHead(400, { 'content-type': 'text/plain' })
            res.end(`${err.message}\n`)
          }
        } else if (route === 'POST /swap') {
          try {
            const body = new TextDecoder().decode(
              await readBody(req, MAX_LEAVE_REQUEST_BYTES, 'one leave request (a few KiB)'),
            )
            let json: unknown
            try {
              json = JSON.parse(body)
            } catch {
              throw new UsageError('BAD_REQUEST', 'the swap request is not JSON')
            }
            const leave = parseLeaveRequest(json)
            await this.agent.prepareLeave(leave)
            res.writeHead(200, { 'content-type': 'application/json' })
            res.end(JSON.stringify({ leaving: Buffer.from(leave.swap.swapId).toString('hex') }))
          } catch (err) {
            if (!(err instanceof VBoomError)) throw err
            res.writeHead(400, { 'content-type': 'text/plain' })
            res.end(`${err.message}\n`)
            return
          }
          // answered first: the reboot ends this process
          this.agent.rebootStateless().catch((err) => this.log.error({ err }, 'could not leave for the swap'))
        } else {
          res.writeHead(404, { 'content-type': 'text/plain' })
          res.end(
            'unknown control request; try GET /status, GET /profile, GET /needs, GET /market, GET /agreements, GET /metrics, POST /attestation or POST /swap\n',
          )
        }
      }
      reply().catch((err) => {
        this.log.error({ err }, 'control request failed')
        if (!res.headersSent) res.writeHead(500)
        res.end()
      })
    })
    await new Promise<void>((done, fail) => {
      server.once('error', fail)
      server.listen(path, () => done())
    })
    await chmod(path, 0o600)
    this.server = server
  }

  async stop(): Promise<void> {
    const server = this.server
    if (server === undefined) return
    this.server = undefined
    server.closeAllConnections()
    await new Promise<void>((done) => server.close(() => done()))
  }
}
