import type { Command } from 'commander'
import { UsageError } from '../../protocols/errors.js'
import { BlockSizeError } from '../../swapper/errors.js'
import { SWAP_PHASES, type SwapSideReport } from '../../swapper/events.js'
import { checkSwapBlockSize } from '../../swapper/index/block-index.js'
import { createProgressBars } from '../../swapper/local/progress-bars.js'
import { type SwapImagesReport, swapImages } from '../../swapper/local/swap-images.js'
import { DEFAULT_STREAMS } from '../../swapper/tuning.js'

interface SwapFlags {
  workDir?: string
  blockSize: string
  streams: string
  compress: boolean
  dedup: boolean
  isolate: boolean
  again?: boolean
  json?: boolean
}

const MiB = 2 ** 20
const mib = (b: number): string => `${(b / MiB).toFixed(1)} MiB`

function positive(v: string, what: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError('BAD_FLAG', `${what} must be a positive whole number, got "${v}"`)
  return n
}

/** --block-size: a usage error here rather than a swap refused after its disks were checked. */
function blockSizeFlag(v: string): number {
  const n = positive(v, '--block-size')
  try {
    checkSwapBlockSize(n)
  } catch (err) {
    if (err instanceof BlockSizeError) throw new UsageError('BAD_FLAG', `--block-size: ${err.message}`)
    throw err
  }
  return n
}

function side(s: SwapSideReport): string[] {
  const b = s.blocks
  // in protocol order (the final check overlaps apply's last fsync, so it may end first)
  const phases = SWAP_PHASES.filter((p) => s.phaseMs[p] !== undefined)
    .map((p) => `${p} ${(s.phaseMs[p]! / 1000).toFixed(2)} s`)
    .join(', ')
  return [
    `disk ${s.role.toUpperCase()}: ${s.outcome}${s.resumed ? ' (resumed)' : ''}`,
    `  bytes   read ${mib(s.bytes.read)}, sent ${mib(s.bytes.sent)}, received ${mib(s.bytes.received)}, written ${mib(s.bytes.written)}`,
    `  blocks  ${b.total} total: ${b.skipped} skipped (equal), ${b.zero} zero, ${b.local} copied locally (${b.localInPlace} in place, the rest through staging), ${b.fetched} fetched (${b.fetchedUnique} distinct); ${s.badBlocks} bad from the peer`,
    `  time    ${phases}`,
    `  io      staging ${s.io.stagingDirect ? 'direct (O_DIRECT)' : 'through the page cache'}, hashing ${s.io.batchedHashing ? `batched (native), ${s.io.mappedHashing ? 'disk pages mapped' : 'disk read with pread'}` : 'one block per call (batched BLAKE3 not built: npm run build:native says why)'}`,
    `  root    before ${s.rootBefore.slice(0, 16)}…  after ${s.rootAfter.slice(0, 16)}…`,
  ]
}

export function formatSwapReport(r: SwapImagesReport): string {
  const t = r.totals
  return `${[
    `swap ${r.swapId} done in ${(r.wallMs / 1000).toFixed(2)} s: each disk now holds the other's original image (Merkle roots checked)`,
    `total   read ${mib(t.read)}, sent ${mib(t.sent)}, received ${mib(t.received)}, written ${mib(t.written)}`,
    ...side(r.a),
    ...side(r.b),
  ].join('\n')}\n`
}

/**
 * SIGINT or SIGTERM cancels the swap cleanly: before its commit point both
 * disks stay as they were; after it, the agents stop at their next durable
 * point and a rerun with the same arguments finishes the swap. A second
 * signal exits at once (the journals make that as safe as a crash).
 */
function cancelOnSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController()
  const onSignal = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130)
    process.stderr.write(
      `\nvboom: ${sig}: cancelling the swap (before its commit point both disks stay as they were; after it, a rerun finishes it); send it again to stop at once\n`,
    )
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}

export function registerSwapImages(program: Command): void {
  program
    .command('swap-images')
    .description(
      'swap the contents of two equally sized disk images (or block devices) between two local stateless agents over loopback, with a coordinator; rerun with the same arguments to resume after a crash (a rerun after a completed swap is refused unless --again)',
    )
    .argument('<a>', 'disk A (image file or block device)')
    .argument('<b>', 'disk B, the same size as A')
    .option(
      '--work-dir <dir>',
      'session, coordinator, staging, journals and the record of the last completed swap (default: .vboom-swap-<hash> beside A)',
    )
    .option(
      '--again',
      'swap even if these two disks were just swapped and have not changed since (this swaps them back)',
    )
    .option('--block-size <bytes>', 'block size, a power of two', '4096')
    .option('--streams <n>', 'parallel libp2p streams per direction', String(DEFAULT_STREAMS))
    .option('--no-compress', 'send blocks uncompressed')
    .option('--no-dedup', 'full transfer: no skipping, no local copies (a baseline)')
    .option('--no-isolate', 'run both agents in this process instead of one child process each')
    .option('--json', 'print the report as JSON')
    .action(async (a: string, b: string, flags: SwapFlags) => {
      const bars = flags.json ? null : createProgressBars()
      const cancellation = cancelOnSignal()
      let report: SwapImagesReport
      try {
        report = await swapImages(a, b, {
          workDir: flags.workDir,
          blockSize: blockSizeFlag(flags.blockSize),
          streams: positive(flags.streams, '--streams'),
          compress: flags.compress,
          dedup: flags.dedup,
          isolate: flags.isolate,
          again: flags.again === true,
          onProgress: bars?.onProgress,
          signal: cancellation.signal,
        })
      } finally {
        cancellation.dispose()
        bars?.stop()
      }
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatSwapReport(report))
    })
}
