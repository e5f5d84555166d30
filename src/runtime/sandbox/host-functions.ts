/**
 * The host functions a benchmark may import (module "vboom"), when its signed
 * manifest grants them. Anything else a module imports is refused. When the
 * caller gives an I/O gate (io-gate.ts), disk_read and disk_write wait for its
 * grant before they touch the file; the wait counts in the benchmark's time.
 */

export const HOST_FUNCTIONS = {
  /** () -> f64: a monotonic clock in microseconds (sub-microsecond resolution). */
  now_us: 'clock',
  /** (ptr i32, len i32, offset f64) -> i32 bytes written to the scratch file; durable on return (O_DSYNC). */
  disk_write: 'disk',
  /** (ptr i32, len i32, offset f64) -> i32 bytes read from the scratch file. */
  disk_read: 'disk',
  /** () -> i32 0: fsync of the scratch file. */
  disk_sync: 'disk',
  /** (payload i32) -> f64: one round trip of `payload` bytes to the probe peer, in microseconds. */
  net_rtt_us: 'net',
  /** (bytes i32) -> f64: microseconds to deliver `bytes` to the probe peer and get its acknowledgement. */
  net_send_us: 'net',
} as const

export type HostFunctionName = keyof typeof HOST_FUNCTIONS
export const HOST_MODULE = 'vboom'

export const isHostFunction = (name: string): name is HostFunctionName => Object.hasOwn(HOST_FUNCTIONS, name)

/** Does a benchmark granted these host functions need a network peer to run? */
export const needsNetwork = (hostFunctions: readonly string[]): boolean =>
  hostFunctions.some((h) => isHostFunction(h) && HOST_FUNCTIONS[h] === 'net')

/**
 * The parent's side of the network host functions. Each call gets a signal
 * that aborts when the run ends (result, failure, time limit), so a transfer
 * in flight stops with the benchmark.
 */
export interface NetPeer {
  /** One round trip of `payloadBytes` to the peer, resolved with microseconds (net_rtt_us). */
  roundTripUs(payloadBytes: number, signal?: AbortSignal): Promise<number>
  /** Delivers `bytes` to the peer and waits for its acknowledgement, resolved with microseconds (net_send_us). */
  transferUs?(bytes: number, signal?: AbortSignal): Promise<number>
}

/** Which NetPeer callback serves each network host function. */
export const NET_CALLBACK = { net_rtt_us: 'roundTripUs', net_send_us: 'transferUs' } as const
