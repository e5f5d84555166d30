/**
 * Limits of signed benchmarks and of the sandbox that runs them. Every number
 * says why it is what it is.
 */

/** The standard suite's modules are a few hundred bytes; 4 MiB fits a compiled application kernel. */
export const MAX_MODULE_BYTES = 4 * 1024 * 1024
/** A manifest is a few hundred bytes. */
export const MAX_MANIFEST_BYTES = 8 * 1024
export const MAX_SIGNED_BENCHMARK_BYTES = MAX_MANIFEST_BYTES + 256
/** A catalog of this many benchmarks covers the suite and many application-specific ones. */
export const MAX_CATALOG_ENTRIES = 256
export const MAX_PARAMETERS = 16
export const MAX_HOST_FUNCTIONS = 16
export const MAX_NAME_LENGTH = 128
export const MAX_UNIT_LENGTH = 32
export const MAX_DESCRIPTION_LENGTH = 1024

/** Local policy, whatever a manifest asks: 1 GiB of module memory at most (pages of 64 KiB). */
export const DEFAULT_MAX_MEMORY_PAGES = 16 * 1024
/** Local policy: no benchmark runs longer than two minutes. */
export const DEFAULT_MAX_TIME_LIMIT_MS = 120_000
/** Tables hold function references (8 bytes each); 64k entries is far beyond any benchmark's needs. */
export const MAX_TABLE_ELEMENTS = 65_536

/**
 * V8 heap of the worker (the JS glue, not the module's memory, which the
 * manifest's page limit bounds): the glue needs a few MiB.
 */
export const WORKER_MAX_OLD_GENERATION_MB = 32
export const WORKER_MAX_YOUNG_GENERATION_MB = 8
export const WORKER_STACK_MB = 4

/** Largest single disk or network transfer a host function does: bounds one call's time and memory. */
export const MAX_HOST_IO_BYTES = 16 * 1024 * 1024
/** Default cap of a benchmark's scratch file. */
export const DEFAULT_MAX_DISK_BYTES = 1024 * 1024 * 1024
/** Direct I/O alignment: the largest logical block size in use (4 KiB sectors). */
export const DIRECT_IO_ALIGN = 4096
/** One network round trip waits at most this long before the host function fails. */
export const NET_CALL_TIMEOUT_MS = 10_000
/**
 * One bandwidth transfer (at most MAX_HOST_IO_BYTES) waits at most this long:
 * 16 MiB in 30 s is ~4.5 Mbit/s, slower than any VM worth a swap.
 */
export const NET_TRANSFER_TIMEOUT_MS = 30_000
