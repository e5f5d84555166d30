/**
 * Stored ledger entries: sealing (encode + anchor signature), opening
 * (size-checked decode), and the hash that links each entry to the next.
 */
import { ledgerEntrySignable, type PartySignature, partyToPb } from '../../protocols/ledger-action.js'
import { LedgerEntry as LedgerEntryPb, SignedLedgerEntry } from '../../protocols/proto/ledger.js'
import { SignatureDomain, sign, verify } from '../../protocols/signing.js'
import { LedgerCorruptError } from '../errors.js'
import { type Bytes, sha256 } from './actions.js'
import { HASH_BYTES, MAX_ENTRY_BYTES, MAX_PARTIES } from './constants.js'

export interface LedgerEntry {
  seq: bigint
  prevHash: Bytes
  appendedAtMs: number
  /** The encoded Action, exactly as the parties signed it. */
  action: Bytes
  parties: PartySignature[]
}

export interface StoredEntry {
  entry: LedgerEntry
  entryBytes: Bytes
  anchorSignature: Bytes
  /** The stored value. */
  raw: Bytes
  /** sha256(raw): the next entry's prev_hash. */
  hash: Bytes
}

/** The bytes the anchor signs for an entry (one builder, shared with clients that check entries). */
const entrySignable = ledgerEntrySignable

export function sealEntry(entry: LedgerEntry, anchorSecretKey: Bytes): StoredEntry {
  const entryBytes = LedgerEntryPb.encode({
    seq: entry.seq,
    prevHash: new Uint8Array(entry.prevHash),
    appendedAtMs: BigInt(entry.appendedAtMs),
    action: new Uint8Array(entry.action),
    parties: entry.parties.map(partyToPb),
  })
  const anchorSignature = sign(SignatureDomain.ledgerEntry, entrySignable(entryBytes), anchorSecretKey)
  const raw = SignedLedgerEntry.encode({ entry: entryBytes, anchorSignature })
  if (raw.length > MAX_ENTRY_BYTES) {
    throw new LedgerCorruptError(
      'ENTRY_TOO_LARGE',
      entry.seq,
      `entry of ${raw.length} bytes exceeds ${MAX_ENTRY_BYTES}`,
    )
  }
  return { entry, entryBytes, anchorSignature, raw, hash: sha256(raw) }
}

/**
 * Decodes a stored value that should be entry `seq`. Checks size, shape and
 * the seq; not the signature or the link (see `checkAnchorSignature`, chain.ts).
 */
export function openEntry(raw: Bytes, seq: bigint): StoredEntry {
  const bad = (code: string, message: string, cause?: unknown): never => {
    throw new LedgerCorruptError(code, seq, `entry ${seq}: ${message}`, { cause })
  }
  if (raw.length > MAX_ENTRY_BYTES) bad('ENTRY_TOO_LARGE', `${raw.length} bytes exceeds ${MAX_ENTRY_BYTES}`)
  let signed: SignedLedgerEntry
  let pb: LedgerEntryPb
  try {
    signed = SignedLedgerEntry.decode(raw)
    pb = LedgerEntryPb.decode(signed.entry, { limits: { parties: MAX_PARTIES } })
  } catch (err) {
    return bad('UNDECODABLE', 'does not decode', err)
  }
  // The envelope is outside every signature: only its one canonical encoding is accepted,
  // so no edit of the stored bytes can leave the entry meaning the same.
  if (!Buffer.from(SignedLedgerEntry.encode(signed)).equals(Buffer.from(raw)))
    bad('NON_CANONICAL', 'envelope not canonical')
  if (pb.seq !== seq) bad('WRONG_SEQ', `holds seq ${pb.seq}`)
  if (pb.prevHash.length !== HASH_BYTES) bad('MALFORMED', 'prev_hash is not a hash')
  if (pb.appendedAtMs > BigInt(Number.MAX_SAFE_INTEGER)) bad('MALFORMED', 'appended_at_ms out of range')
  return {
    entry: {
      seq: pb.seq,
      prevHash: pb.prevHash,
      appendedAtMs: Number(pb.appendedAtMs),
      action: pb.action,
      parties: pb.parties.map((p) => ({ publicKey: p.publicKey, signature: p.signature })),
    },
    entryBytes: signed.entry,
    anchorSignature: signed.anchorSignature,
    raw,
    hash: sha256(raw),
  }
}

export function checkAnchorSignature(stored: StoredEntry, anchorPublicKey: Bytes): void {
  if (
    !verify(
      SignatureDomain.ledgerEntry,
      entrySignable(stored.entryBytes),
      stored.anchorSignature,
      anchorPublicKey,
    )
  ) {
    throw new LedgerCorruptError(
      'BAD_ANCHOR_SIGNATURE',
      stored.entry.seq,
      `entry ${stored.entry.seq}: anchor signature does not verify`,
    )
  }
}
