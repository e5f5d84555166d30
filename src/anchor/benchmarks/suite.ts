/**
 * The standard suite: one manifest per benchmark, each naming the WAT source
 * in `benchmarks/` its module is built from. The parameters are part of what
 * the anchor signs, so every agent measures the same work.
 */
import { type BenchmarkManifest, BenchmarkResource } from '../../runtime/sandbox/index.js'

export interface SuiteBenchmark {
  /** Basename of the source in benchmarks/ (`<source>.wat`) and of the built module (`<source>.wasm`). */
  source: string
  manifest: BenchmarkManifest
}

const MiB = 1024 * 1024

export const STANDARD_SUITE: SuiteBenchmark[] = [
  {
    source: 'cpu',
    manifest: {
      name: 'vboom/cpu',
      version: 1,
      resource: BenchmarkResource.CPU,
      unit: 'ops/s',
      description: 'xorshift32 + multiply hash loop; integer ALU throughput',
      // ~0.1-0.3 s on a current core: long enough to dwarf timer resolution and JIT warm-up.
      parameters: [{ name: 'iterations', value: 100_000_000 }],
      timeLimitMs: 10_000,
      memoryLimitPages: 1,
      hostFunctions: ['now_us'],
      entry: 'run',
      higherIsBetter: true,
    },
  },
  {
    source: 'memory',
    manifest: {
      name: 'vboom/memory-bandwidth',
      version: 1,
      resource: BenchmarkResource.MEMORY_BW,
      unit: 'MB/s',
      description: 'memory.copy of a 32 MiB buffer, 2 bytes moved per byte copied (STREAM convention)',
      // 32 MiB: far beyond any L3 cache; 20 rounds move 1.3 GB.
      parameters: [
        { name: 'bufferBytes', value: 32 * MiB },
        { name: 'rounds', value: 20 },
      ],
      timeLimitMs: 10_000,
      memoryLimitPages: 1025,
      hostFunctions: ['now_us'],
      entry: 'run',
      higherIsBetter: true,
    },
  },
  {
    source: 'disk-seq',
    manifest: {
      name: 'vboom/disk-write',
      version: 1,
      resource: BenchmarkResource.DISK_WRITE,
      unit: 'MB/s',
      description: 'sequential durable writes (O_DSYNC, O_DIRECT where possible) of 1 MiB blocks',
      // 128 MiB in 1 MiB blocks: past the device's write cache on small cloud disks, ~0.2-2 s.
      parameters: [
        { name: 'fileBytes', value: 128 * MiB },
        { name: 'blockBytes', value: MiB },
        { name: 'mode', value: 0 },
      ],
      timeLimitMs: 60_000,
      memoryLimitPages: 16,
      hostFunctions: ['now_us', 'disk_write', 'disk_read', 'disk_sync'],
      entry: 'run',
      higherIsBetter: true,
    },
  },
  {
    source: 'disk-seq',
    manifest: {
      name: 'vboom/disk-read',
      version: 1,
      resource: BenchmarkResource.DISK_READ,
      unit: 'MB/s',
      description: 'sequential reads (O_DIRECT where possible) of 1 MiB blocks of a freshly written file',
      parameters: [
        { name: 'fileBytes', value: 128 * MiB },
        { name: 'blockBytes', value: MiB },
        { name: 'mode', value: 1 },
      ],
      timeLimitMs: 60_000,
      memoryLimitPages: 16,
      hostFunctions: ['now_us', 'disk_write', 'disk_read', 'disk_sync'],
      entry: 'run',
      higherIsBetter: true,
    },
  },
  {
    source: 'disk-iops',
    manifest: {
      name: 'vboom/disk-iops',
      version: 1,
      resource: BenchmarkResource.DISK_IOPS,
      unit: 'IOPS',
      description: 'random 4 KiB reads (O_DIRECT where possible) over a 64 MiB file',
      parameters: [
        { name: 'fileBytes', value: 64 * MiB },
        { name: 'ops', value: 5000 },
      ],
      timeLimitMs: 60_000,
      memoryLimitPages: 16,
      hostFunctions: ['now_us', 'disk_write', 'disk_read', 'disk_sync'],
      entry: 'run',
      higherIsBetter: true,
    },
  },
  {
    source: 'net-rtt',
    manifest: {
      name: 'vboom/net-rtt',
      version: 1,
      resource: BenchmarkResource.NET_RTT,
      unit: 'us',
      description: 'mean round-trip time of 64-byte messages to the probe peer, after one warm-up',
      parameters: [
        { name: 'count', value: 50 },
        { name: 'payloadBytes', value: 64 },
      ],
      timeLimitMs: 30_000,
      memoryLimitPages: 1,
      hostFunctions: ['net_rtt_us'],
      entry: 'run',
      higherIsBetter: false,
    },
  },
  {
    source: 'net-bandwidth',
    manifest: {
      name: 'vboom/net-bandwidth',
      version: 1,
      resource: BenchmarkResource.NET_BW,
      unit: 'Mbit/s',
      description:
        'throughput of 8 MiB transfers to the probe peer, each until its acknowledgement, after a 1 MiB warm-up',
      // 4 x 8 MiB: ~0.1 s at loopback speeds, ~3 s at 100 Mbit/s; the warm-up grows the muxer window and TCP's cwnd.
      parameters: [
        { name: 'warmupBytes', value: MiB },
        { name: 'transferBytes', value: 8 * MiB },
        { name: 'count', value: 4 },
      ],
      // 33 MiB at 10 Mbit/s is ~28 s; each transfer is also capped by the sandbox (NET_TRANSFER_TIMEOUT_MS).
      timeLimitMs: 60_000,
      memoryLimitPages: 1,
      hostFunctions: ['net_send_us'],
      entry: 'run',
      higherIsBetter: true,
    },
  },
]
