/**
 * Protocol ids, limits and timeouts of the anchor services and the probe.
 * Every number says why it is what it is.
 */
/** The signed benchmark catalog. */
export const CATALOG_PROTOCOL = '/vboom/anchor-catalog/1.0.0'
/** A benchmark module by its sha256. */
export const MODULE_PROTOCOL = '/vboom/anchor-module/1.0.0'
/** The swap commit coordinator (prepare / commit / abort / complete / status). */
export const COORDINATOR_PROTOCOL = '/vboom/anchor-coordinator/1.0.0'
/** Verification: boot the verification image, run the suite, sign an attestation. */
export const VERIFY_PROTOCOL = '/vboom/anchor-verify/1.0.0'
/** The ledger: submit party-signed actions, register swap agreements, ask whether a delegation is revoked. */
export const LEDGER_PROTOCOL = '/vboom/anchor-ledger/1.0.0'
/** Agent to agent: run these anchor-signed benchmarks with my nonce. */
export const PROBE_PROTOCOL = '/vboom/probe/1.0.0'
/**
 * Agent to agent, during a probe: the probed peer pushes bytes to the prober's sink to measure bandwidth and RTT.
 * 2.0.0: every message (announce, status, payload, ack) is a length-prefixed frame (src/protocols/bandwidth.ts).
 */
export const BANDWIDTH_PROTOCOL = '/vboom/bandwidth/2.0.0'

/** A catalog of 256 signed benchmarks of ~8 KiB each at most (sandbox limits), plus framing. */
export const MAX_CATALOG_RESPONSE_BYTES = 256 * (8 * 1024 + 256) + 4096
/** A module is at most 4 MiB (MAX_MODULE_BYTES of the sandbox) plus the response's framing. */
export const MAX_MODULE_RESPONSE_BYTES = 4 * 1024 * 1024 + 1024
/** Small requests: a hash, a signed coordinator call, a control request. */
export const MAX_SMALL_REQUEST_BYTES = 4 * 1024
/**
 * A ledger request holds at most one action (the ledger's MAX_ACTION_BYTES,
 * 19 KiB) and two party signatures; 24 KiB bounds it with its framing.
 */
export const MAX_LEDGER_REQUEST_BYTES = 24 * 1024
/** A ledger answer returns at most one stored entry (MAX_ENTRY_BYTES, 20 KiB) and its framing. */
export const MAX_LEDGER_RESPONSE_BYTES = 24 * 1024
/** A coordinator status is ~150 bytes plus an abort reason of at most MAX_ABORT_REASON_BYTES. */
export const MAX_COORDINATOR_RESPONSE_BYTES = 4 * 1024
/** An attestation is a few hundred bytes (MAX_ATTESTATION_BYTES in adverts is 1 KiB). */
export const MAX_VERIFY_RESPONSE_BYTES = 4 * 1024
/** Probe request: a nonce and up to MAX_PROBE_BENCHMARKS hashes. */
export const MAX_PROBE_REQUEST_BYTES = 4 * 1024
/** Probe response: MAX_PROBE_BENCHMARKS measurements of ~200 bytes, keys, signature. */
export const MAX_PROBE_RESPONSE_BYTES = 16 * 1024

/** Benchmarks one probe may ask for: the standard suite has seven. */
export const MAX_PROBE_BENCHMARKS = 8
/** 128 random bits: a nonce never repeats between honest probes. */
export const PROBE_NONCE_BYTES = 16
/** Swap ids on the ledger are 32 bytes (hashes of the agreement). */
export const COORDINATOR_SWAP_ID_BYTES = 32
/*
 * The coordinator's limits, one set for every coordinator (the anchor's, the
 * local one behind `vboom swap-images`, the IPC bridge to its agents): the
 * state machine (src/swapper/coordinator/state-machine.ts) applies them.
 */
/**
 * An abort reason as recorded (`<role>: <reason>`), in UTF-8 bytes, cut at a
 * character boundary. The anchor records it in a ledger ABORT entry, whose
 * text fields hold at most 256 characters; a bound in bytes is also one in
 * characters, and keeps a status well inside MAX_COORDINATOR_RESPONSE_BYTES.
 * A line for a human: "a: SwapStateError: ..." fits with room to spare.
 */
export const MAX_ABORT_REASON_BYTES = 256
/** Peer-supplied failure text is short and never logged at info. */
export const MAX_FAILURE_LENGTH = 256
/**
 * Longest WATCH a coordinator holds open (ms); the caller asks again after
 * it. Well inside the anchor's per-call deadline (DEFAULT_ANCHOR_CALL_TIMEOUT_MS,
 * 15 s), so an answer that changes nothing still comes back before either side
 * gives up; a lost answer costs at most this much delay, and the re-asking costs
 * one small call per side every 5 s.
 */
export const MAX_COORDINATOR_WATCH_MS = 5_000
/**
 * WATCH calls one swap may hold open at once: its two VMs hold one each, and
 * a call whose answer was lost stays held (at most MAX_COORDINATOR_WATCH_MS)
 * while its retry comes in; 8 leaves room for three such retries per side and
 * bounds what a party can pin at the coordinator.
 */
export const MAX_COORDINATOR_WATCHERS = 8
/** A signed coordinator call is accepted within this distance of the anchor's clock (NTP-synced VMs). */
export const COORDINATOR_CALL_SKEW_MS = 5 * 60 * 1000

/** A probe answer's own time must be this close to the prober's clock (the nonce binds it; this bounds clock games). */
export const PROBE_ANSWER_SKEW_MS = 5 * 60 * 1000
/**
 * Probes a peer may ask of us: benchmarks occupy the disk and CPU they
 * measure, so a burst of 3 and then one a minute; an honest prober probes a
 * candidate once before offering.
 */
export const PROBE_RATE_BURST = 3
export const PROBE_RATE_PER_SECOND = 1 / 60

/** Catalog, module and coordinator calls: small and local to the anchor; 15 s is a dead anchor. */
export const DEFAULT_ANCHOR_CALL_TIMEOUT_MS = 15_000
/** Running the suite (disk benchmarks up to 60 s each) on a probed peer. */
export const DEFAULT_PROBE_TIMEOUT_MS = 180_000
/** A verification boots an image and runs the suite: minutes on a real VM. */
export const DEFAULT_VERIFY_TIMEOUT_MS = 600_000
/** Attestations are valid for a day: a location's hardware changes slowly, neighbours faster. */
export const DEFAULT_ATTESTATION_TTL_MS = 24 * 60 * 60 * 1000
/**
 * A probed result within this factor of the advert's claim is consistent:
 * measured >= claim x (1 - tolerance) for higher-is-better resources. 0.3
 * absorbs run-to-run noise (the disk suite varies ~10-20 % here) while a
 * claim of twice the truth (measured = 0.5 x claim) fails.
 */
export const DEFAULT_PROBE_TOLERANCE = 0.3

/**
 * Largest transfer the bandwidth sink accepts: 4x the sandbox's largest
 * single transfer (16 MiB), so a custom benchmark has room, while one
 * announcement cannot occupy the link for long (64 MiB is ~5 s at 100 Mbit/s).
 */
export const MAX_BANDWIDTH_TRANSFER_BYTES = 64 * 1024 * 1024
/** A sink transfer, header to acknowledgement, must finish in this time: 64 MiB at ~9 Mbit/s. */
export const DEFAULT_BANDWIDTH_SINK_TIMEOUT_MS = 60_000
/** Sender side: one transfer, dial to acknowledgement, as long as the sink allows. */
export const DEFAULT_BANDWIDTH_SEND_TIMEOUT_MS = DEFAULT_BANDWIDTH_SINK_TIMEOUT_MS
/** Chunks the sender writes: 64 KiB, a yamux frame-sized unit that keeps per-call overhead low. */
export const BANDWIDTH_CHUNK_BYTES = 64 * 1024
/**
 * Transfers a sink accepts from one peer: a probe's RTT benchmark makes 51
 * small ones and the bandwidth benchmark 5, so a burst of 128 covers two
 * probes; then one a second.
 */
export const BANDWIDTH_RATE_BURST = 128
export const BANDWIDTH_RATE_PER_SECOND = 1
