/**
 * A local control server: HTTP over a unix socket with file mode 0600 (only
 * the owning user reaches it), answering a table of routes keyed
 * `METHOD /path`. A route answers JSON or text; a VBoomError it throws is a
 * refusal (400, or 404 for an unknown route and the codes the server names)
 * in the server's refusal style; anything else is logged and answered 500.
 */
import { chmod, unlink } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { VBoomError } from '../../protocols/errors.js'
import type { Bytes } from '../../protocols/signing.js'
import type { Logger } from '../log.js'
import { ControlRequestError } from './errors.js'
import { encodeRefusal, type Refusal, type RefusalStyle } from './refusal.js'

export interface ControlRequest {
  /** The path without its query, e.g. `/status`. */
  readonly path: string
  readonly query: URLSearchParams
  /** A query parameter the route cannot do without; MISSING_PARAMETER when absent. */
  required(name: string): string
  /** The body, at most `maxBytes`; BODY_TOO_LARGE beyond, naming `what` one request should carry. */
  body(maxBytes: number, what: string): Promise<Bytes>
}

export type ControlAnswer =
  /** `after` runs once the answer is handed to the socket (e.g. a reboot that ends the process). */
  { json: unknown; after?: () => void } | { text: string; contentType: string }

export type ControlRoute = (req: ControlRequest) => Promise<ControlAnswer>

/** Routes keyed `METHOD /path`, e.g. `GET /status`; listed in this order in the unknown-route hint. */
export type ControlRoutes = Readonly<Record<string, ControlRoute>>

export interface ControlServerInit {
  socketPath: string
  /** Who answers, in messages: 'anchor', 'agent'. */
  name: string
  routes: ControlRoutes
  refusals: RefusalStyle
  /** Refusal codes answered 404 (an unknown thing asked for) besides UNKNOWN_ROUTE. */
  notFoundCodes?: readonly string[]
  log: Logger
}

const INTERNAL = 'INTERNAL'

/** Reads a request body of at most `max` bytes; a larger one is refused, not buffered. */
async function readBody(req: IncomingMessage, max: number, what: string): Promise<Bytes> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > max)
      throw new ControlRequestError(
        'BODY_TOO_LARGE',
        `request body over ${max} bytes; send ${what} per request`,
      )
    chunks.push(chunk as Buffer)
  }
  return new Uint8Array(Buffer.concat(chunks)) as Bytes
}

function controlRequest(req: IncomingMessage, url: URL): ControlRequest {
  return {
    path: url.pathname,
    query: url.searchParams,
    required(name) {
      const v = url.searchParams.get(name)
      if (v === null) throw new ControlRequestError('MISSING_PARAMETER', `${url.pathname} needs ?${name}=`)
      return v
    },
    body: (max, what) => readBody(req, max, what),
  }
}

/** "A, B or C" */
function oneOf(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`
}

export class UnixControlServer {
  private server?: Server
  private readonly notFound: ReadonlySet<string>

  constructor(private readonly init: ControlServerInit) {
    this.notFound = new Set(['UNKNOWN_ROUTE', ...(init.notFoundCodes ?? [])])
  }

  private async answer(req: IncomingMessage): Promise<ControlAnswer> {
    const url = new URL(req.url ?? '/', 'http://control')
    const route = `${req.method} ${url.pathname}`
    const handler = Object.hasOwn(this.init.routes, route) ? this.init.routes[route] : undefined
    if (handler === undefined)
      throw new ControlRequestError(
        'UNKNOWN_ROUTE',
        `unknown control request ${route}; try ${oneOf(Object.keys(this.init.routes))}`,
      )
    return await handler(controlRequest(req, url))
  }

  private refuse(res: ServerResponse, status: number, refusal: Refusal): void {
    const { contentType, body } = encodeRefusal(this.init.refusals, refusal)
    if (!res.headersSent) res.writeHead(status, { 'content-type': contentType })
    res.end(body)
  }

  private reply(req: IncomingMessage, res: ServerResponse): void {
    this.answer(req)
      .then((a) => {
        if ('text' in a) {
          res.writeHead(200, { 'content-type': a.contentType })
          res.end(a.text)
          return
        }
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify(a.json))
        a.after?.()
      })
      .catch((err) => {
        if (err instanceof VBoomError) {
          this.refuse(res, this.notFound.has(err.code) ? 404 : 400, { code: err.code, message: err.message })
          return
        }
        this.init.log.error({ err }, `${this.init.name} control request failed`)
        this.refuse(res, 500, {
          code: INTERNAL,
          message: `the ${this.init.name} failed to answer; see its log`,
        })
      })
  }

  /** Listens on the socket path. The caller holds its data dir's lock, so a socket file there is a dead process's. */
  async start(): Promise<void> {
    const path = this.init.socketPath
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
