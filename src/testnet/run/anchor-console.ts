/**
 * The testnet anchor's console: a unix socket (0600, in the anchor's data
 * dir) through which the run reads the running anchor's ledger (the live
 * view's last entries, swap states, owners of record, a verification) and
 * hands it signed actions to append (the agreements the owners registered).
 * LevelDB admits one process per database, so whatever reads or writes the
 * ledger while the anchor runs goes through the anchor.
 *
 * Framing as the host supervisor's (one JSON object per line, byte strings
 * as {"$bytes": base64}); one request per connection, answered with
 * `{ok: true, result}` or `{ok: false, error: {code, message}}`:
 *
 *   tail {n}              -> SnapshotLedgerEntry[]: the last n entries, oldest first
 *   append {signed}       -> {seq}: a SignedAction appended (the ledger's rules apply)
 *   swap {swapId}         -> {status, locationA, locationB, reason} | null
 *   owner {location}      -> {owner: hex} | null
 *   verify                -> {ok, entries, detail}: the chain checked from its first entry
 */
import { chmod, rm } from 'node:fs/promises'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { z } from 'zod'
import { describeReport } from '../../anchor/ledger/format.js'
import type { Ledger } from '../../anchor/ledger/index.js'
import { VBoomError } from '../../protocols/errors.js'
import type { SignedAction } from '../../protocols/ledger-action.js'
import { encodeFrame, FrameReader } from '../host/protocol.js'
import { type SnapshotLedgerEntry, snapshotLedgerEntry } from '../view/index.js'
import { TestnetRunError, TestnetRunErrorCode } from './errors.js'

/** The console's socket in an anchor's data dir. */
export const consoleSocketPath = (anchorDataDir: string): string => join(anchorDataDir, 'console.sock')

/** The most entries one tail returns: the view shows a handful. */
const MAX_TAIL = 200
/** A console call is local; a verification reads the whole (small) chain. */
const CALL_TIMEOUT_MS = 30_000

const bytes = z.instanceof(Uint8Array)
const RequestSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('tail'), n: z.number().int().min(1).max(MAX_TAIL) }),
  z.object({
    op: z.literal('append'),
    signed: z.object({
      action: bytes,
      parties: z.array(z.object({ publicKey: bytes, signature: bytes })).max(8),
    }),
  }),
  z.object({ op: z.literal('register'), agreement: bytes }),
  z.object({ op: z.literal('swap'), swapId: bytes }),
  z.object({ op: z.literal('owner'), location: z.string().min(1).max(253) }),
  z.object({ op: z.literal('verify') }),
])
type Request = z.output<typeof RequestSchema>

export interface ConsoleSwap {
  status: 'agreed' | 'committed' | 'aborted'
  locationA: string
  locationB: string
  reason: string | null
}

export interface ConsoleVerify {
  ok: boolean
  entries: number
  /** One line, as `vboom ledger verify` says it. */
  detail: string
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

async function answer(ledger: Ledger, req: Request): Promise<unknown> {
  switch (req.op) {
    case 'tail': {
      const head = ledger.head()
      if (head === null) return []
      const from = head.seq >= BigInt(req.n) ? head.seq - BigInt(req.n) + 1n : 0n
      const out: SnapshotLedgerEntry[] = []
      for await (const e of ledger.entries(from)) out.push(snapshotLedgerEntry(e))
      return out
    }
    case 'append': {
      const e = await ledger.append(req.signed as SignedAction)
      return { seq: e.seq.toString() }
    }
    case 'register': {
      const e = await ledger.registerAgreement(req.agreement)
      return { seq: e.seq.toString() }
    }
    case 'swap': {
      const s = ledger.swapState(req.swapId)
      return s === null
        ? null
        : { status: s.status, locationA: s.locationA, locationB: s.locationB, reason: s.reason }
    }
    case 'owner': {
      const r = ledger.ownerOf(req.location)
      return r === null ? null : { owner: hex(r.owner) }
    }
    case 'verify': {
      const r = await ledger.verify()
      return { ok: r.ok, entries: r.entries, detail: describeReport(r) }
    }
  }
}

/** Serves the console of the anchor whose ledger this is; close() stops it and removes the socket. */
export async function serveAnchorConsole(
  ledger: Ledger,
  socketPath: string,
): Promise<{ close(): Promise<void> }> {
  await rm(socketPath, { force: true })
  const server: Server = createServer((sock: Socket) => {
    const reader = new FrameReader()
    sock.setEncoding('utf8')
    sock.on('error', () => sock.destroy())
    sock.on('data', (chunk: string) => {
      let frames: unknown[]
      try {
        frames = reader.push(chunk)
      } catch (err) {
        sock.end(
          encodeFrame({
            ok: false,
            error: { code: (err as VBoomError).code, message: (err as Error).message },
          }),
        )
        return
      }
      const frame = frames[0]
      if (frame === undefined) return
      sock.pause()
      const parsed = RequestSchema.safeParse(frame)
      if (!parsed.success) {
        sock.end(
          encodeFrame({
            ok: false,
            error: { code: TestnetRunErrorCode.CONSOLE_REFUSED, message: 'not a console request' },
          }),
        )
        return
      }
      answer(ledger, parsed.data).then(
        (result) => sock.end(encodeFrame({ ok: true, result })),
        (err: unknown) => {
          const code = err instanceof VBoomError ? err.code : 'INTERNAL'
          sock.end(encodeFrame({ ok: false, error: { code, message: (err as Error).message } }))
        },
      )
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(socketPath, () => resolve())
  })
  await chmod(socketPath, 0o600)
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        rm(socketPath, { force: true }).catch(() => undefined)
      }),
  }
}

/** One console request and its answer; throws TestnetRunError. */
function call<T>(socketPath: string, req: Record<string, unknown>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const sock = createConnection(socketPath)
    const reader = new FrameReader()
    let done = false
    const finish = (err: Error | null, value?: T): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      sock.destroy()
      if (err === null) resolve(value as T)
      else reject(err)
    }
    const unreachable = (why: string): TestnetRunError =>
      new TestnetRunError(
        TestnetRunErrorCode.CONSOLE_UNREACHABLE,
        `the anchor's console at ${socketPath} ${why}; is the run's anchor running? Read its log`,
      )
    const timer = setTimeout(
      () => finish(unreachable(`did not answer within ${CALL_TIMEOUT_MS} ms`)),
      CALL_TIMEOUT_MS,
    )
    sock.setEncoding('utf8')
    sock.on('connect', () => sock.write(encodeFrame(req)))
    sock.on('error', (err: NodeJS.ErrnoException) =>
      finish(unreachable(`cannot be reached (${err.code ?? err.message})`)),
    )
    sock.on('close', () => finish(unreachable('closed before answering')))
    sock.on('data', (chunk: string) => {
      let frames: unknown[]
      try {
        frames = reader.push(chunk)
      } catch {
        finish(unreachable('answered outside its protocol'))
        return
      }
      const f = frames[0] as { ok?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown } }
      if (f === undefined) return
      if (f.ok === true) finish(null, f.result as T)
      else
        finish(
          new TestnetRunError(
            TestnetRunErrorCode.CONSOLE_REFUSED,
            `the anchor refused ${String(req.op)}: ${String(f.error?.message ?? 'no reason given')} (${String(f.error?.code ?? '?')})`,
          ),
        )
    })
  })
}

/** The run's side of the console. */
export class AnchorConsole {
  constructor(readonly socketPath: string) {}

  tail(n: number): Promise<SnapshotLedgerEntry[]> {
    return call(this.socketPath, { op: 'tail', n: Math.min(n, MAX_TAIL) })
  }

  async append(signed: SignedAction): Promise<bigint> {
    const r = await call<{ seq: string }>(this.socketPath, { op: 'append', signed })
    return BigInt(r.seq)
  }

  /** Registers a SignedAgreement, as the anchor does for agents (every check of the chain applies). */
  async register(agreement: Uint8Array): Promise<bigint> {
    const r = await call<{ seq: string }>(this.socketPath, { op: 'register', agreement })
    return BigInt(r.seq)
  }

  swap(swapId: Uint8Array): Promise<ConsoleSwap | null> {
    return call(this.socketPath, { op: 'swap', swapId })
  }

  async ownerOf(location: string): Promise<string | null> {
    const r = await call<{ owner: string } | null>(this.socketPath, { op: 'owner', location })
    return r?.owner ?? null
  }

  verify(): Promise<ConsoleVerify> {
    return call(this.socketPath, { op: 'verify' })
  }
}
