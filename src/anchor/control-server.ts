/**
 * The anchor's local control socket: HTTP over a unix socket in its data dir
 * (file mode 0600: only the operator's user reaches it), so the ledger can be
 * queried while the anchor runs and holds its database:
 *   GET /owner?location=L   GET /history?location=L   GET /swap?id=HEX
 *   GET /entries?from=N[&limit=M]   GET /balances   GET /head
 *   GET /delegation?owner=HEX&id=HEX   GET /verify (the chain checked
 *   from its first entry)   GET /metrics (Prometheus text)
 *   POST /actions  a LedgerSubmit (anchor.proto): the operator appends a
 *                  party-signed action of any kind a party signs, locations
 *                  included (the network refuses those; ledger-service.ts).
 * Queries answer `{json, lines[, next]}` (queries.ts), refusals
 * `{code, message}` with status 400 (bad request) or 404 (unknown id).
 */
import { createHash } from 'node:crypto'
import { chmod, unlink } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Registry } from 'prom-client'
import { VBoomError } from '../protocols/errors.js'
import { LedgerSubmit } from '../protocols/proto/anchor.js'
import type { Logger } from '../runtime/log.js'
import { LedgerQueryError } from './errors.js'
import { MAX_ENTRY_BYTES } from './ledger/constants.js'
import { describeReport, entryToJson, toJson } from './ledger/format.js'
import type { Ledger } from './ledger/index.js'
import {
  ENTRIES_PAGE,
  type QueryAnswer,
  queryBalances,
  queryDelegation,
  queryEntries,
  queryHead,
  queryHistory,
  queryOwner,
  querySwap,
} from './ledger/queries.js'

const CONTROL_SOCKET = 'control.sock'
/** sockaddr_un holds 108 bytes; keep a margin for the terminating NUL and odd platforms. */
const MAX_SOCKET_PATH = 100

/**
 * The control socket lives in the data dir; when that path is too long for a
 * unix socket, it lives in the temp dir under a name derived from the data
 * dir (the rule of the agent's socket, src/node/control-server.ts).
 */
export function anchorControlSocketPath(dataDir: string): string {
  const inDir = join(resolve(dataDir), CONTROL_SOCKET)
  if (inDir.length <= MAX_SOCKET_PATH) return inDir
  const id = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 20)
  return join(tmpdir(), `vboom-anchor-${id}.sock`)
}

/** Reads a request body of at most `max` bytes; a larger one is refused, not buffered. */
async function readBody(req: IncomingMessage, max: number): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > max)
      throw new LedgerQueryError(
        'BODY_TOO_LARGE',
        `request body over ${max} bytes; send one signed action per request`,
      )
    chunks.push(chunk as Buffer)
  }
  return new Uint8Array(Buffer.concat(chunks))
}

export interface AnchorControlServerInit {
  dataDir: string
  ledger: Ledger
  metrics: Registry
  log: Logger
}

export class AnchorControlServer {
  private server?: Server

  constructor(private readonly init: AnchorControlServerInit) {}

  private async answer(req: IncomingMessage): Promise<QueryAnswer | string> {
    const url = new URL(req.url ?? '/', 'http://anchor')
    const q = (name: string): string => {
      const v = url.searchParams.get(name)
      if (v === null) throw new LedgerQueryError('MISSING_PARAMETER', `${url.pathname} needs ?${name}=`)
      return v
    }
    const l = this.init.ledger
    const route = `${req.method} ${url.pathname}`
    switch (route) {
      case 'GET /owner':
        return queryOwner(l, q('location'))
      case 'GET /history':
        return queryHistory(l, q('location'))
      case 'GET /swap':
        return querySwap(l, q('id'))
      case 'GET /entries': {
        const wanted = Number(url.searchParams.get('limit') ?? ENTRIES_PAGE)
        const limit = Number.isInteger(wanted) && wanted > 0 ? Math.min(wanted, ENTRIES_PAGE) : ENTRIES_PAGE
        return queryEntries(l, url.searchParams.get('from') ?? '0', limit)
      }
      case 'GET /balances':
        return queryBalances(l)
      case 'GET /head':
        return queryHead(l)
      case 'GET /delegation':
        return queryDelegation(l, q('owner'), q('id'))
      case 'GET /verify': {
        const r = await l.verify()
        return { json: toJson(r), lines: [describeReport(r)] }
      }
      case 'GET /metrics':
        return this.init.metrics.metrics()
      case 'POST /actions': {
        let submit: LedgerSubmit
        try {
          submit = LedgerSubmit.decode(await readBody(req, MAX_ENTRY_BYTES))
        } catch (err) {
          if (err instanceof VBoomError) throw err
          throw new LedgerQueryError('MALFORMED_REQUEST', 'the body is not a LedgerSubmit (anchor.proto)')
        }
        const e = await l.append({ action: submit.action, parties: submit.parties })
        return { json: entryToJson(e), lines: [`appended entry #${e.seq}`] }
      }
      default:
        throw new LedgerQueryError(
          'UNKNOWN_ROUTE',
          `unknown control request ${route}; try GET /owner, /history, /swap, /entries, /balances, /head, /delegation, /verify or /metrics`,
        )
    }
  }

  private reply(req: IncomingMessage, res: ServerResponse): void {
    this.answer(req)
      .then((a) => {
        if (typeof a === 'string') {
          res.writeHead(200, { 'content-type': this.init.metrics.contentType })
          res.end(a)
        } else {
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(JSON.stringify(a))
        }
      })
      .catch((err) => {
        if (!(err instanceof VBoomError)) {
          this.init.log.error({ err }, 'anchor control request failed')
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ code: 'INTERNAL', message: 'the anchor failed to answer; see its log' }))
          return
        }
        const status = /^UNKNOWN_(LOCATION|SWAP)$/.test(err.code) ? 404 : 400
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ code: err.code, message: err.message }))
      })
  }

  async start(): Promise<void> {
    const path = anchorControlSocketPath(this.init.dataDir)
    // The anchor holds the data dir lock, so a socket file left here is from a dead process.
    await unlink(path).catch(() => {})
    const server = createServer((req, res) => this.reply(req, res))
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
