/**
 * Protocol ids, topic names, limits and timeouts of the VBoom wire protocols.
 * Every number says why it is what it is.
 */

/** Protocol ids follow `/vboom/<name>/<semver>`. */
export const PROTOCOL_PREFIX = '/vboom'
/** kad-dht protocol: a private DHT so VBoom peers never mix routing tables with the public IPFS DHT. */
export const KAD_PROTOCOL = '/vboom/kad/1.0.0'
/** gossipsub topic prefix for adverts; the instance class id follows. */
export const ADVERT_TOPIC_PREFIX = '/vboom/adverts/1.0.0/'
/** Key prefix under which an agent announces its class in the DHT (hashed into a CID). */
export const CLASS_DHT_NAMESPACE = '/vboom/class/1.0.0/'

/** An advert is a few hundred bytes; 16 KiB leaves room for attestations while keeping junk cheap to drop. */
export const MAX_ADVERT_ENVELOPE_BYTES = 16 * 1024
/** Seven resources are defined; a little headroom for newer versions that add some. */
export const MAX_PROFILE_ENTRIES = 16
export const MAX_NEEDS_ENTRIES = 16
/** An attestation per resource group at most. */
export const MAX_ATTESTATIONS = 8
export const MAX_ATTESTATION_BYTES = 1024
/** Provider instance ids are short (AWS i-0123456789abcdef0, GCP numeric ids). */
export const MAX_LOCATION_LENGTH = 128
/** Peer ids of Ed25519 keys are 38 bytes as multihash; 64 leaves room for other key types. */
export const MAX_PEER_ID_BYTES = 64

/** Clocks of cloud VMs are NTP-disciplined; 30 s tolerates a badly synced one without allowing replays far ahead. */
export const MAX_CLOCK_SKEW_MS = 30_000
/** An advert lives at most an hour: a profile older than that says little about the host now. */
export const MAX_ADVERT_TTL_MS = 60 * 60 * 1000
/** Default advert lifetime; agents republish at a third of it so a fresh one is always around. */
export const DEFAULT_ADVERT_TTL_MS = 10 * 60 * 1000

/** Per-peer gossip rate limit (token bucket): an honest agent publishes well under one advert a second. */
export const ADVERT_RATE_BURST = 10
export const ADVERT_RATE_PER_SECOND = 1

/** gossipsub's inbound frame limit: above our envelope limit so oversized adverts reach our validator and are counted. */
export const GOSSIP_MAX_INBOUND_BYTES = 1024 * 1024

export function advertTopic(classId: string): string {
  return ADVERT_TOPIC_PREFIX + classId
}

/** Agent to agent: the bilateral offer / counter / accept / reject and the matching's messages (negotiation.ts). */
export const NEGOTIATE_PROTOCOL = '/vboom/negotiate/1.0.0'
/** Agent to agent, one way: the decentralized matching's messages (match-wire.ts). */
export const MATCH_PROTOCOL = '/vboom/match/1.0.0'

/** An encoded SignedDelegation is ~190 bytes (id, two keys, limits, two times, a signature); 1 KiB keeps junk cheap to drop. */
export const MAX_DELEGATION_BYTES = 1024
/** 128 random bits: an owner's delegations never share an id by chance. */
export const DELEGATION_ID_BYTES = 16
/**
 * A delegation lives at most a year (366 days): an owner renews it like a
 * certificate, so one signed and forgotten does not act for ever; revocation
 * (a ledger entry) ends it sooner.
 */
export const MAX_DELEGATION_TTL_MS = 366 * 24 * 3600_000

/**
 * A SignedAgreement holds two delegations (~190 bytes each), two parties
 * (~150 bytes each besides), the terms and two signatures: about 1 KiB. 4 KiB
 * leaves room for newer fields, and fits the ledger's agreement bound (16 KiB).
 */
export const MAX_SIGNED_AGREEMENT_BYTES = 4 * 1024
/**
 * An agreement must commit within a day of its issue: a full 1 TiB disk
 * crosses a 1 Gbit/s link in ~2.5 h, so a day leaves room for crashes and
 * retries, while profiles older than that say little about the hosts now.
 */
export const MAX_AGREEMENT_TTL_MS = 24 * 3600_000

/**
 * The largest negotiation message is a matching VIEW of up to
 * MAX_CANDIDATE_VIEWS candidates (~140 bytes each, ~18 KiB) beside a
 * delegation (1 KiB); an accept carrying agreement terms is under 4 KiB.
 */
export const MAX_NEGOTIATION_MESSAGE_BYTES = 32 * 1024
/** Candidates in one VIEW: the matching lists 16 of its own and takes on up to 64 proposers (80); headroom to 128. The schema enforces it on decode. */
export const MAX_CANDIDATE_VIEWS = 128
/** 128 random bits per message: an agent never repeats a nonce by chance. */
export const NEGOTIATION_NONCE_BYTES = 16
/**
 * A negotiation message lives at most 10 minutes: matching rounds are
 * seconds apart, and a bilateral answer may wait for a probe of the sender
 * (DEFAULT_PROBE_TIMEOUT_MS, 3 min); longer would let a captured message be
 * replayed to a receiver that forgot its nonce.
 */
export const MAX_NEGOTIATION_TTL_MS = 10 * 60_000
/** A phase-2 move id is the leader's peer id (~52 characters) and a plan number. */
export const MAX_MOVE_ID_LENGTH = 128
