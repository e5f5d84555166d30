/**
 * `vboom owner keygen|delegate|revoke|show-delegation`: what an owner does,
 * on its own machine, so its key never has to live on a VM.
 * - keygen: an owner key file (a raw 32-byte Ed25519 seed, mode 0600).
 * - delegate: signs a delegation to a VM's agent key (limits, validity) into
 *   a file the VM keeps (on its disk: /vboom/delegation.bin).
 * - revoke: has the anchor record the delegation's revocation in its ledger.
 * - show-delegation: prints what a delegation file says.
 */
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import type { Command } from 'commander'
import { AnchorLedgerClient, AnchorRequestError } from '../../node/anchor-client.js'
import { MAX_DELEGATION_TTL_MS } from '../../protocols/constants.js'
import {
  type Delegation,
  delegationToJson,
  newDelegationId,
  readDelegation,
  signDelegation,
} from '../../protocols/delegation.js'
import { UsageError } from '../../protocols/errors.js'
import { buildSignedAction } from '../../protocols/ledger-action.js'
import {
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SECRET_KEY_BYTES,
  generateSecretKey,
  signingKeyPairOf,
} from '../../protocols/signing.js'
import { StreamError } from '../../protocols/stream/errors.js'
import { writeFileAtomic } from '../../runtime/atomic-file.js'
import { createNode } from '../../runtime/libp2p-host.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const out = (s: string): void => {
  process.stdout.write(`${s}\n`)
}

export interface OwnerKey {
  secretKey: Uint8Array
  publicKey: Uint8Array
}

/** Writes a new owner key; refuses to overwrite one (an owner key lost is its locations' control lost). */
async function writeOwnerKey(file: string): Promise<OwnerKey> {
  if (
    await stat(file).then(
      () => true,
      () => false,
    )
  )
    throw new UsageError(
      'KEY_EXISTS',
      `${file} already exists; an owner key is never overwritten: move it away first, or write the new key elsewhere`,
    )
  const secretKey = generateSecretKey()
  try {
    await writeFileAtomic(file, secretKey, 0o600)
  } catch (err) {
    throw new UsageError(
      'KEY_WRITE_FAILED',
      `cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? err}); check that its directory exists and is writable`,
    )
  }
  return signingKeyPairOf(secretKey)
}

/** Loads an owner key file; refuses one that group or others can read, as ssh does. */
export async function loadOwnerKey(file: string): Promise<OwnerKey> {
  let mode: number
  try {
    mode = (await stat(file)).mode
  } catch (err) {
    throw new UsageError(
      'KEY_MISSING',
      `cannot read the owner key ${file} (${(err as NodeJS.ErrnoException).code ?? err}); create one with "vboom owner keygen -o ${file}"`,
    )
  }
  if ((mode & 0o077) !== 0)
    throw new UsageError(
      'KEY_PERMISSIONS',
      `owner key ${file} has mode ${(mode & 0o777).toString(8)}; it must be 600: run chmod 600 ${file}`,
    )
  const secretKey = new Uint8Array(await readFile(file))
  if (secretKey.length !== ED25519_SECRET_KEY_BYTES)
    throw new UsageError(
      'KEY_MALFORMED',
      `owner key ${file} has ${secretKey.length} bytes, expected ${ED25519_SECRET_KEY_BYTES}; pass the file "vboom owner keygen" wrote`,
    )
  return signingKeyPairOf(secretKey)
}

/** The VM's agent key: given in hex, or read from the agent's data dir (its node.key). */
async function agentKeyOf(flags: { agentKey?: string; agentDir?: string }): Promise<Uint8Array> {
  if ((flags.agentKey === undefined) === (flags.agentDir === undefined))
    throw new UsageError(
      'BAD_FLAG',
      "name the VM's agent with exactly one of --agent-key HEX or --agent-dir DIR (the agent's data dir)",
    )
  if (flags.agentKey !== undefined) {
    if (!new RegExp(`^[0-9a-f]{${ED25519_PUBLIC_KEY_BYTES * 2}}$`).test(flags.agentKey))
      throw new UsageError(
        'BAD_FLAG',
        `--agent-key "${flags.agentKey}" is not ${ED25519_PUBLIC_KEY_BYTES * 2} hex digits; give the agent's raw Ed25519 public key, or --agent-dir`,
      )
    return new Uint8Array(Buffer.from(flags.agentKey, 'hex'))
  }
  const file = join(flags.agentDir!, 'node.key')
  let bytes: Uint8Array
  try {
    bytes = await readFile(file)
  } catch (err) {
    throw new UsageError(
      'NO_AGENT_KEY',
      `cannot read the agent key ${file} (${(err as NodeJS.ErrnoException).code ?? err}); pass the agent's data dir (run the agent once to create its key), or --agent-key HEX`,
    )
  }
  try {
    const key = privateKeyFromProtobuf(bytes)
    if (key.type === 'Ed25519') return new Uint8Array(key.publicKey.raw)
  } catch {
    // reported below
  }
  throw new UsageError('NO_AGENT_KEY', `${file} is not an Ed25519 agent key; pass --agent-key HEX instead`)
}

const DURATION = /^(\d+)(s|m|h|d|w)$/
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const

/** A time given as a duration from now (30d, 12h) or an ISO date, unix ms. */
export function parseTime(text: string, flag: string, nowMs: number): number {
  const d = DURATION.exec(text)
  if (d !== null) return nowMs + Number(d[1]) * UNIT_MS[d[2] as keyof typeof UNIT_MS]
  const t = Date.parse(text)
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && Number.isFinite(t)) return t
  throw new UsageError(
    'BAD_FLAG',
    `${flag} "${text}" is neither a duration (like 90d, 12h, 30m) nor an ISO date (like 2027-01-31T00:00:00Z)`,
  )
}

function amount(text: string, flag: string): bigint {
  if (!/^\d{1,19}$/.test(text))
    throw new UsageError(
      'BAD_FLAG',
      `${flag} "${text}" is not a whole number of micro-credits (1 credit = 1000000)`,
    )
  return BigInt(text)
}

async function readDelegationFile(file: string): Promise<{ bytes: Uint8Array; delegation: Delegation }> {
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(await readFile(file))
  } catch (err) {
    throw new UsageError(
      'DELEGATION_UNREADABLE',
      `cannot read the delegation ${file} (${(err as NodeJS.ErrnoException).code ?? err}); pass the file "vboom owner delegate" wrote`,
    )
  }
  try {
    return { bytes, delegation: readDelegation(bytes) }
  } catch (err) {
    throw new UsageError(
      'DELEGATION_MALFORMED',
      `${file} is not a delegation (${(err as Error).message}); pass the file "vboom owner delegate" wrote`,
    )
  }
}

function describeDelegation(d: Delegation): string {
  return (
    `delegation ${hex(d.id)} of owner ${hex(d.ownerKey)} to agent ${hex(d.agentKey)}: ` +
    `pays at most ${d.limits.maxPriceMicros} micro-credits per swap, needs a gain of at least ${d.limits.minGainMicros}, ` +
    `${d.limits.mayAcceptPayment ? 'may' : 'may not'} be paid; valid from ${new Date(d.notBeforeMs).toISOString()} to ${new Date(d.expiresAtMs).toISOString()}`
  )
}

/** What to do about an anchor's refusal of a revocation, by its code. */
const REVOKE_HINTS: Record<string, string> = {
  UNKNOWN_OWNER: 'the owner is not registered with this anchor, so nothing is acted on under its delegations',
  STALE_ACTION: "this machine's clock is far off; set it right (NTP) and retry",
  FUTURE_ACTION: "this machine's clock is far off; set it right (NTP) and retry",
}

interface DelegateFlags {
  ownerKey: string
  agentKey?: string
  agentDir?: string
  maxPrice: string
  minGain: string
  acceptPayment?: boolean
  notBefore?: string
  expires: string
  output: string
  json?: boolean
}

interface RevokeFlags {
  ownerKey: string
  delegation: string
  anchor: string
  anchorKey?: string
  json?: boolean
}

export function registerOwner(program: Command): Command {
  const owner = program
    .command('owner')
    .description("an owner's key and its delegations to VMs (run on the owner's machine, not on a VM)")

  owner
    .command('keygen')
    .description('create an owner key file (mode 0600) and print its public key')
    .requiredOption('-o, --output <file>', 'where to write the key; never overwritten')
    .action(async (flags: { output: string }) => {
      const k = await writeOwnerKey(flags.output)
      out(`owner key written to ${flags.output}; public key ${hex(k.publicKey)}`)
    })

  owner
    .command('delegate')
    .description("sign a delegation to a VM's agent key: its limits and validity; the VM keeps the file")
    .requiredOption('--owner-key <file>', 'the owner key file')
    .option('--agent-key <hex>', "the VM agent's Ed25519 public key")
    .option('--agent-dir <dir>', "the agent's data dir, to read its key from (node.key)")
    .requiredOption('--max-price <micros>', 'the most the agent may pay for one swap, micro-credits')
    .requiredOption(
      '--min-gain <micros>',
      'the least net gain it must see in a swap, micro-credits over the planning horizon',
    )
    .option('--accept-payment', 'let the agent be paid to give up its location (default: it may not)')
    .option('--not-before <time>', 'valid from (ISO date or duration from now); default now')
    .requiredOption('--expires <time>', 'valid until: a duration from now (90d, 12h) or an ISO date')
    .requiredOption('-o, --output <file>', 'where to write the signed delegation')
    .option('--json', 'print the delegation as JSON')
    .action(async (flags: DelegateFlags) => {
      const key = await loadOwnerKey(flags.ownerKey)
      const agentKey = await agentKeyOf(flags)
      const now = Date.now()
      const notBeforeMs =
        flags.notBefore === undefined ? now : parseTime(flags.notBefore, '--not-before', now)
      const expiresAtMs = parseTime(flags.expires, '--expires', now)
      if (expiresAtMs <= Math.max(now, notBeforeMs))
        throw new UsageError('BAD_FLAG', '--expires is not after now and --not-before; give a later time')
      if (expiresAtMs - notBeforeMs > MAX_DELEGATION_TTL_MS)
        throw new UsageError(
          'BAD_FLAG',
          `a delegation lasts at most ${MAX_DELEGATION_TTL_MS / 86_400_000} days; give an earlier --expires and renew it then`,
        )
      const delegation: Delegation = {
        id: newDelegationId(),
        ownerKey: key.publicKey,
        agentKey,
        limits: {
          maxPriceMicros: amount(flags.maxPrice, '--max-price'),
          minGainMicros: amount(flags.minGain, '--min-gain'),
          mayAcceptPayment: flags.acceptPayment === true,
        },
        notBeforeMs,
        expiresAtMs,
      }
      if (Buffer.from(agentKey).equals(Buffer.from(key.publicKey)))
        throw new UsageError('BAD_FLAG', "the agent key is the owner key; delegate to the VM agent's own key")
      const signed = signDelegation(delegation, key)
      try {
        await writeFileAtomic(flags.output, signed, 0o644)
      } catch (err) {
        throw new UsageError(
          'WRITE_FAILED',
          `cannot write ${flags.output} (${(err as NodeJS.ErrnoException).code ?? err}); check that its directory exists and is writable`,
        )
      }
      if (flags.json) out(JSON.stringify({ ...delegationToJson(delegation), file: flags.output }, null, 2))
      else out(`${describeDelegation(delegation)}; written to ${flags.output}`)
    })

  owner
    .command('revoke')
    .description('have the anchor record the revocation of a delegation: nothing under it is accepted after')
    .requiredOption('--owner-key <file>', 'the owner key file that signed the delegation')
    .requiredOption('--delegation <file>', 'the delegation file')
    .requiredOption('--anchor <multiaddr>', "the anchor's address, with its /p2p/ peer id")
    .option('--anchor-key <hex>', "the anchor's public key: check the entry it returns is signed by it")
    .option('--json', 'print the result as JSON')
    .action(async (flags: RevokeFlags) => {
      const key = await loadOwnerKey(flags.ownerKey)
      const { delegation: d } = await readDelegationFile(flags.delegation)
      if (!Buffer.from(d.ownerKey).equals(Buffer.from(key.publicKey)))
        throw new UsageError(
          'WRONG_OWNER',
          `${flags.delegation} was signed by owner ${hex(d.ownerKey)}, not by the key in ${flags.ownerKey}; pass that owner's key`,
        )
      let anchorAddr: ReturnType<typeof multiaddr>
      try {
        anchorAddr = multiaddr(flags.anchor)
      } catch (err) {
        throw new UsageError(
          'BAD_MULTIADDR',
          `--anchor "${flags.anchor}" is not a multiaddr (${(err as Error).message}); copy it from the anchor's start-up output`,
        )
      }
      let anchorKey: Uint8Array | undefined
      if (flags.anchorKey !== undefined) {
        if (!/^[0-9a-f]{64}$/.test(flags.anchorKey))
          throw new UsageError('BAD_FLAG', `--anchor-key "${flags.anchorKey}" is not 64 hex digits`)
        anchorKey = new Uint8Array(Buffer.from(flags.anchorKey, 'hex'))
      }
      const action = buildSignedAction(
        { kind: 'delegation-revoked', delegationId: d.id, owner: d.ownerKey },
        [key],
      )
      const node = await createNode({
        privateKey: await generateKeyPair('Ed25519'),
        listen: [],
        traffic: 'market',
      })
      try {
        const client = new AnchorLedgerClient({ node, anchor: anchorAddr, anchorKey })
        let seq: bigint
        let already = false
        try {
          seq = (await client.submit(action)).seq
        } catch (err) {
          if (!(err instanceof AnchorRequestError && err.code === 'ALREADY_REVOKED')) throw explain(err)
          const status = await client.delegationStatus({ ownerKey: d.ownerKey, id: d.id })
          seq = status.revokedAtSeq ?? 0n
          already = true
        }
        if (flags.json)
          out(JSON.stringify({ delegationId: hex(d.id), revokedAtSeq: seq.toString(), already }))
        else
          out(
            already
              ? `delegation ${hex(d.id)} was already revoked (ledger entry #${seq})`
              : `delegation ${hex(d.id)} revoked (ledger entry #${seq}); the anchor refuses anything under it from now on`,
          )
      } finally {
        await node.stop()
      }
    })

  owner
    .command('show-delegation')
    .argument('<file>', 'a delegation file')
    .description(
      'print what a delegation says (not whether it is revoked: "vboom ledger delegation" asks that)',
    )
    .option('--json', 'print JSON')
    .action(async (file: string, flags: { json?: boolean }) => {
      const { delegation } = await readDelegationFile(file)
      out(flags.json ? JSON.stringify(delegationToJson(delegation), null, 2) : describeDelegation(delegation))
    })
  return owner
}

/** An anchor's refusal or a dead connection, said so the owner knows what to do. */
function explain(err: unknown): unknown {
  if (err instanceof AnchorRequestError) {
    const hint = REVOKE_HINTS[err.code]
    return new UsageError(err.code, hint === undefined ? err.message : `${err.message}; ${hint}`)
  }
  if (err instanceof StreamError)
    return new UsageError(
      'ANCHOR_UNREACHABLE',
      `cannot reach the anchor (${err.message}); check --anchor (its address and /p2p/ peer id) and that it runs`,
    )
  return err
}
