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
