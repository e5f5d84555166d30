/**
 * Requests to a local control server (server.ts) over its unix socket.
 * Each failure is the peer's own typed error: nothing listens (the process
 * is not running), no answer in time, the socket cannot be reached, or a
 * refusal, decoded in the server's refusal style.
 */
import { request } from 'node:http'
import { UsageError, type VBoomError } from '../../protocols/errors.js'
import { decodeRefusal, type RefusalStyle } from './refusal.js'

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

function refusalError(peer: ControlPeer, status: number, what: string, body: string): VBoomError {
  // A 4xx in the text style, and any status in the JSON style that decodes, is the server's own word.
  const r =
    peer.refusals === 'json' || (status >= 400 && status < 500)
      ? decodeRefusal(peer.refusals, body)
      : undefined
  if (r?.message !== undefined) return peer.refusal(r.message, r.code)
  const text = body.trim()
  return new UsageError(
    CONTROL_FAILED,
    `${peer.name} answered ${status} to ${what}${text === '' ? '' : `: ${text}`}`,
  )
}

/** One request; the body of a 200 answer. */
export async function controlRequest(
  peer: ControlPeer,
  method: 'GET' | 'POST',
  path: string,
  body?: Uint8Array,
): Promise<string> {
  const { socketPath } = peer
  return await new Promise<string>((resolve, reject) => {
    const req = request({ socketPath, path, method, timeout: peer.timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        if (res.statusCode === 200) resolve(text)
        else reject(refusalError(peer, res.statusCode ?? 0, `${method} ${path}`, text))
      })
    })
    req.on('timeout', () => {
      // Settled first: the 'error' that destroying the request raises then changes nothing.
      reject(
        new UsageError(
          peer.codes.timeout,
          `the ${peer.name} at ${socketPath} did not answer within ${peer.timeoutMs / 1000} s; ${peer.timeoutAdvice}`,
        ),
      )
      req.destroy()
    })
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') reject(peer.notRunning())
      else
        reject(
          new UsageError(
            peer.codes.unreachable,
            `cannot reach the ${peer.name} at ${socketPath}: ${err.message}`,
          ),
        )
    })
    req.end(body)
  })
}
