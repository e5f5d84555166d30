/**
 * Requests to a local control server (server.ts) over its unix socket.
 * `exchange` is one request and its answer, whatever the status;
 * `controlRequest` makes each failure the peer's own typed error: nothing
 * listens (the process is not running), no answer in time, the socket cannot
 * be reached, or a refusal, decoded in the server's refusal style.
 */
import { request } from 'node:http'
import { UsageError, type VBoomError } from '../../protocols/errors.js'
import { ControlExchangeError } from './errors.js'
import { decodeRefusal, type RefusalStyle } from './refusal.js'

export interface ControlResponse {
  status: number
  text: string
}

/** One request and its answer; ControlExchangeError when none comes. */
export function exchange(
  socketPath: string,
  method: 'GET' | 'POST',
  path: string,
  timeoutMs: number,
  body?: Uint8Array | string,
): Promise<ControlResponse> {
  return new Promise<ControlResponse>((resolve, reject) => {
    const req = request({ socketPath, path, method, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      )
    })
    req.on('timeout', () => {
      // Settled first: the 'error' that destroying the request raises then changes nothing.
      reject(new ControlExchangeError('TIMEOUT', `no answer within ${timeoutMs / 1000} s`))
      req.destroy()
    })
    req.on('error', (err: NodeJS.ErrnoException) => {
      const notListening = err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
      reject(
        new ControlExchangeError(notListening ? 'NOT_LISTENING' : 'UNREACHABLE', err.message, { cause: err }),
      )
    })
    req.end(body)
  })
}

export interface ControlPeer {
  socketPath: string
  /** Who answers, in messages: 'anchor', 'agent'. */
  name: string
  timeoutMs: number
  /** What to do when it does not answer in time, after "did not answer within N s; ". */
  timeoutAdvice: string
  /** The peer's codes for no answer in time and an unreachable socket. */
  codes: { timeout: string; unreachable: string }
  /** The error when nothing listens on the socket (ENOENT, ECONNREFUSED): says how to start it. */
  notRunning(): VBoomError
  refusals: RefusalStyle
  /** A refusal as the error to throw; `code` is absent in the text style. */
  refusal(message: string, code?: string): VBoomError
}

/** Code of an answer that is no refusal the server made. */
const CONTROL_FAILED = 'CONTROL_FAILED'

function refusalError(peer: ControlPeer, what: string, a: ControlResponse): VBoomError {
  // A 4xx in the text style, and any status in the JSON style that decodes, is the server's own word.
  const own = peer.refusals === 'json' || (a.status >= 400 && a.status < 500)
  const r = own ? decodeRefusal(peer.refusals, a.text) : undefined
  if (r?.message !== undefined) return peer.refusal(r.message, r.code)
  const text = a.text.trim()
  return new UsageError(
    CONTROL_FAILED,
    `${peer.name} answered ${a.status} to ${what}${text === '' ? '' : `: ${text}`}`,
  )
}

function peerError(peer: ControlPeer, err: ControlExchangeError): VBoomError {
  switch (err.code) {
    case 'NOT_LISTENING':
      return peer.notRunning()
    case 'TIMEOUT':
      return new UsageError(
        peer.codes.timeout,
        `the ${peer.name} at ${peer.socketPath} did not answer within ${peer.timeoutMs / 1000} s; ${peer.timeoutAdvice}`,
      )
    default:
      return new UsageError(
        peer.codes.unreachable,
        `cannot reach the ${peer.name} at ${peer.socketPath}: ${err.message}`,
      )
  }
}

/** One request; the body of a 200 answer, else the peer's own error. */
export async function controlRequest(
  peer: ControlPeer,
  method: 'GET' | 'POST',
  path: string,
  body?: Uint8Array,
): Promise<string> {
  let a: ControlResponse
  try {
    a = await exchange(peer.socketPath, method, path, peer.timeoutMs, body)
  } catch (err) {
    throw err instanceof ControlExchangeError ? peerError(peer, err) : err
  }
  if (a.status !== 200) throw refusalError(peer, `${method} ${path}`, a)
  return a.text
}
