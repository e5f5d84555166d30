/**
 * The host supervisor's protocol, over its unix socket (mode 0600, in the
 * host's dir): the VM's Platform client, the stateless swapper, the anchor's
 * boot target and observers (the live view, the scenario runner) speak it.
 *
 * Framing: one JSON object per line, at most MAX_FRAME_BYTES; byte strings
 * travel as {"$bytes": base64}. A client sends requests `{id, op, ...}`; the
 * supervisor answers each with `{id, ok: true, result}` or
 * `{id, ok: false, error: {code, message}}`, in any order. Requests:
 *
 *   hello {role}                 -> HostFacts: what a Platform client needs (location, disk, dirs)
 *   status                       -> SupervisorStatus
 *   store-boot-params {params}   -> null, once the params (encoded, boot-params.ts) are fsynced
 *   load-boot-params             -> {params: string | null}
 *   reboot-stateless             -> null, then the VM's processes are stopped and the host boots stateless
 *                                   (refused unless stateless boot params are stored)
 *   reboot-normal                -> null, then the stateless swapper is stopped and the disk booted
 *                                   (refused while the boot params say stateless)
 *   swap-progress {event}        -> null (the stateless swapper's progress, for the status)
 *   boot-remote {entry}          -> {session}: the VM frozen, the verification image running
 *   remote-request {session, message} -> {reply}
 *   remote-close {session}       -> null: the image killed, the VM running on
 *   shutdown                     -> null, then the VM stopped, its disk put back, the supervisor gone
 */
import { z } from 'zod'
import type { BootPhase } from '../../node/lifecycle/boot-params.js'
import type { SwapPhase, SwapProgressEvent } from '../../swapper/events.js'
import type { HostMode } from '../hosts/index.js'
import { SupervisorError, SupervisorErrorCode } from './errors.js'

/**
 * A verification request carries the signed suite with its WebAssembly
 * modules (tens of KiB each); 16 MiB leaves room and still bounds a line.
 */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024

export type ClientRole = 'vm-agent' | 'stateless' | 'anchor' | 'observer'

/** What a Platform client learns from its supervisor. */
export interface HostFacts {
  kind: 'testnet'
  host: string
  location: string
  mode: HostMode
  diskPath: string
  diskDir: string
  swapStateDir: string
}

export type HostState = 'booting' | 'vm' | 'stateless' | 'remote' | 'empty' | 'failed' | 'stopping'

export interface VmView {
  name: string
  /** The owner's public key, hex. */
  owner: string
  instanceClass: { vcpus: number; memoryBytes: number; diskBytes: number }
  /** The VM's agent's peer id, from the key on its disk. */
  agentPeerId: string | null
  /** Where its tree is (mounted, or copied out): the agent's data dir is `<root>/vboom/data`. */
  root: string
}

export interface PhaseProgress {
  done: number
  total: number
  ended: boolean
}

export interface SwapView {
  swapId: string
  role: 'a' | 'b'
  /** The boot parameters' phase. */
  phase: BootPhase
  /** The swapper's journal phase in the host's swap state dir, when it has one. */
  journal: string | null
  progress: Partial<Record<SwapPhase, PhaseProgress>>
  lastNote: string | null
}

export interface BootLogEntry {
  /** 1 for the first boot of this host dir. */
  n: number
  atMs: number
  kind: 'vm' | 'stateless' | 'empty'
  vm: string | null
  swapId: string | null
  /** SHA-256 of the whole VM disk before the boot touched it (supervisor option hashDisk). */
  diskSha256: string | null
}

export interface SupervisorStatus {
  host: string
  location: string
  mode: HostMode
  /** 'mounted' (root mode: loop device) or 'copied' (emulated: debugfs out, mkfs.ext4 -d back). */
  diskAccess: 'mounted' | 'copied'
  state: HostState
  /** Unix ms the state began. */
  since: number
  vm: VmView | null
  agent: { pid: number | null; restarts: number } | null
  workload: { kind: string; pid: number | null; status: unknown } | null
  swap: SwapView | null
  boots: BootLogEntry[]
  error: string | null
}

const bytesish = z.unknown()

export const RequestSchema = z.discriminatedUnion('op', [
  z.object({
    id: z.number().int(),
    op: z.literal('hello'),
    role: z.enum(['vm-agent', 'stateless', 'anchor', 'observer']),
  }),
  z.object({ id: z.number().int(), op: z.literal('status') }),
  z.object({
    id: z.number().int(),
    op: z.literal('store-boot-params'),
    params: z.string().max(MAX_FRAME_BYTES),
  }),
  z.object({ id: z.number().int(), op: z.literal('load-boot-params') }),
  z.object({ id: z.number().int(), op: z.literal('reboot-stateless') }),
  z.object({ id: z.number().int(), op: z.literal('reboot-normal') }),
  z.object({
    id: z.number().int(),
    op: z.literal('swap-progress'),
    event: z.record(z.string(), z.unknown()),
  }),
  z.object({ id: z.number().int(), op: z.literal('boot-remote'), entry: z.string().min(1).max(4096) }),
  z.object({
    id: z.number().int(),
    op: z.literal('remote-request'),
    session: z.string().max(64),
    message: bytesish,
  }),
  z.object({ id: z.number().int(), op: z.literal('remote-close'), session: z.string().max(64) }),
  z.object({ id: z.number().int(), op: z.literal('shutdown') }),
])
export type Request = z.output<typeof RequestSchema>
export type Op = Request['op']

export type Response =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: string; message: string } }

const ResponseSchema = z.union([
  z.object({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({
    id: z.number().int(),
    ok: z.literal(false),
    error: z.object({ code: z.string().max(64), message: z.string().max(4096) }),
  }),
])

/** JSON with byte strings: Uint8Array (and Buffer) as {"$bytes": base64}. */
export function encodeFrame(value: unknown): string {
  return `${JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const raw = this[key]
    return raw instanceof Uint8Array ? { $bytes: Buffer.from(raw).toString('base64') } : v
  })}\n`
}

function decodeFrame(line: string): unknown {
  return JSON.parse(line, (_key, v) =>
    v !== null && typeof v === 'object' && typeof (v as { $bytes?: unknown }).$bytes === 'string'
      ? new Uint8Array(Buffer.from((v as { $bytes: string }).$bytes, 'base64'))
      : v,
  )
}

/** Splits a byte stream into frames; a line over MAX_FRAME_BYTES is an error, not buffered. */
export class FrameReader {
  private buf = ''

  /** The complete frames in `chunk` (with what was left before); throws SupervisorError on a bad one. */
  push(chunk: string): unknown[] {
    this.buf += chunk
    const out: unknown[] = []
    for (;;) {
      const nl = this.buf.indexOf('\n')
      if (nl < 0) break
      const line = this.buf.slice(0, nl)
      this.buf = this.buf.slice(nl + 1)
      if (line === '') continue
      try {
        out.push(decodeFrame(line))
      } catch (err) {
        throw new SupervisorError(
          SupervisorErrorCode.PROTOCOL,
          `a line is not JSON: ${(err as Error).message}`,
        )
      }
    }
    if (this.buf.length > MAX_FRAME_BYTES)
      throw new SupervisorError(
        SupervisorErrorCode.FRAME_TOO_LARGE,
        `a message over ${MAX_FRAME_BYTES} bytes: not this protocol`,
      )
    return out
  }
}

/** A request as the supervisor takes it; throws SupervisorError PROTOCOL naming the field. */
export function parseRequest(frame: unknown): Request {
  const r = RequestSchema.safeParse(frame)
  if (!r.success) {
    const first = r.error.issues[0]
    throw new SupervisorError(
      SupervisorErrorCode.PROTOCOL,
      `bad request: ${first?.path.join('.') || '(top level)'}: ${first?.message ?? 'invalid'}`,
    )
  }
  return r.data
}

/** A response as the client takes it. */
export function parseResponse(frame: unknown): Response {
  const r = ResponseSchema.safeParse(frame)
  if (!r.success)
    throw new SupervisorError(
      SupervisorErrorCode.PROTOCOL,
      'the supervisor answered something that is not a response',
    )
  return r.data as Response
}

/** A progress event from the stateless swapper, checked before the status keeps it. */
const ProgressSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('phase-start'),
    role: z.enum(['a', 'b']),
    phase: z.string(),
    total: z.number(),
  }),
  z.object({
    type: z.literal('progress'),
    role: z.enum(['a', 'b']),
    phase: z.string(),
    done: z.number(),
    total: z.number(),
  }),
  z.object({ type: z.literal('phase-end'), role: z.enum(['a', 'b']), phase: z.string(), ms: z.number() }),
  z.object({ type: z.literal('note'), role: z.enum(['a', 'b']), message: z.string().max(4096) }),
])

export function parseProgress(event: unknown): SwapProgressEvent | null {
  const r = ProgressSchema.safeParse(event)
  return r.success ? (r.data as SwapProgressEvent) : null
}
