import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import { z } from 'zod'
import { AnchorNode } from '../../anchor/anchor-node.js'
import { BenchmarkRegistry } from '../../anchor/benchmarks/registry.js'
import { LedgerUnavailableError } from '../../anchor/errors.js'
import { loadAnchorKey, loadOrCreateAnchorKey } from '../../anchor/key.js'
import { describeReport, toJson, type VerifyReport, verifyLedger } from '../../anchor/ledger/index.js'
import { UsageError } from '../../protocols/errors.js'
import type { AddressScope } from '../../runtime/libp2p-host.js'
import { createLogger, type LogLevel } from '../../runtime/log.js'
import { type BenchmarkManifest, BenchmarkResource } from '../../runtime/sandbox/index.js'
import { addressScopeOption, logLevelOption } from '../options.js'
import { EXIT_FAILURE, untilSignal } from '../run.js'

interface AnchorFlags {
  dataDir: string
  listen: string[]
  addressScope: AddressScope
  logLevel: LogLevel
}

export function registerAnchor(program: Command): Command {
  const anchor = program.command('anchor').description('the neutral anchor: bootstrap peer, signer, ledger')
  anchor
    .command('run', { isDefault: true })
    .description('run the anchor node (the default)')
    .requiredOption('-d, --data-dir <dir>', "where the anchor's key and database live")
    .option('-l, --listen <multiaddr...>', 'listen addresses', ['/ip4/127.0.0.1/tcp/4001'])
    .addOption(addressScopeOption())
    .addOption(logLevelOption().default('info'))
    .action(async (flags: AnchorFlags) => {
      const log = createLogger(flags.logLevel)
      const node = await AnchorNode.create({
        dataDir: flags.dataDir,
        listen: flags.listen,
        addressScope: flags.addressScope,
        log,
      })
      await node.start()
      process.stdout.write(
        `anchor ${node.peerId} listening; agents bootstrap from\n${node.multiaddrs.map((a) => `  ${a}\n`).join('')}` +
          `anchor key (agents' "anchorKey") ${Buffer.from(node.publicKey).toString('hex')}\n`,
      )
      await untilSignal()
      await node.stop()
    })
  anchor
    .command('verify-ledger')
    .description('walk the whole ledger, checking every hash, signature and rule; report the first bad entry')
    .requiredOption('-d, --data-dir <dir>', "the anchor's data dir (the anchor stopped)")
    .option('--json', 'print the report as JSON')
    .action(async (flags: { dataDir: string; json?: boolean }) => {
      const key = await loadAnchorKey(flags.dataDir)
      let report: VerifyReport
      try {
        report = await verifyLedger(join(flags.dataDir, 'ledger'), key.publicKey)
      } catch (err) {
        if (err instanceof LedgerUnavailableError && err.code === 'LEDGER_LOCKED')
          throw new UsageError(
            'LEDGER_LOCKED',
            `the ledger in ${flags.dataDir} is in use by a running anchor; stop it first, then verify`,
          )
        if (err instanceof LedgerUnavailableError && err.code === 'LEDGER_MISSING')
          throw new UsageError(
            'NO_LEDGER',
            `no ledger in ${flags.dataDir}; pass the anchor's data dir with -d`,
          )
        throw err
      }
      process.stdout.write(
        flags.json ? `${JSON.stringify(toJson(report), null, 2)}\n` : `${describeReport(report)}\n`,
      )
      if (!report.ok) process.exitCode = EXIT_FAILURE
    })

  anchor
    .command('sign-benchmark')
    .description("check a WebAssembly benchmark against its manifest and sign it into the anchor's catalog")
    .requiredOption('-d, --data-dir <dir>', "the anchor's data dir")
    .requiredOption('--module <file>', 'the benchmark module (.wasm)')
    .requiredOption(
      '--manifest <file>',
      'its manifest (JSON: name, version, resource, unit, parameters, limits...)',
    )
    .option('--json', 'print the signed entry as JSON')
    .action(async (flags: { dataDir: string; module: string; manifest: string; json?: boolean }) => {
      const module = await readInput(flags.module, 'module')
      const manifest = parseManifest(
        new TextDecoder().decode(await readInput(flags.manifest, 'manifest')),
        flags.manifest,
      )
      const key = await loadOrCreateAnchorKey(flags.dataDir)
      const registry = await BenchmarkRegistry.open({
        dir: join(flags.dataDir, 'benchmarks'),
        anchorKey: key,
      })
      const signed = await registry.submit(module, manifest)
      const hash = Buffer.from(signed.moduleSha256).toString('hex')
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ name: manifest.name, version: manifest.version, moduleSha256: hash, signature: Buffer.from(signed.signature).toString('hex') }, null, 2)}\n`,
        )
      } else {
        process.stdout.write(
          `signed ${manifest.name}@${manifest.version} (module sha256 ${hash}); a running anchor serves it after a restart\n`,
        )
      }
    })
  return anchor
}

async function readInput(file: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file))
  } catch (err) {
    throw new UsageError(
      'UNREADABLE',
      `cannot read the ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? err}); check the path`,
    )
  }
}

const ManifestSchema = z.strictObject({
  name: z.string().min(1).max(128),
  version: z.number().int().positive(),
  resource: z.enum(
    Object.values(BenchmarkResource).filter((r) => r !== 'BENCHMARK_RESOURCE_UNSPECIFIED') as [
      string,
      ...string[],
    ],
  ),
  unit: z.string().min(1).max(32),
  description: z.string().max(1024).default(''),
  parameters: z
    .array(z.strictObject({ name: z.string().min(1).max(128), value: z.number().finite() }))
    .max(16)
    .default([]),
  timeLimitMs: z.number().int().positive(),
  memoryLimitPages: z.number().int().positive(),
  hostFunctions: z.array(z.string()).max(16).default([]),
  entry: z.string().min(1).default('run'),
  higherIsBetter: z.boolean().default(true),
})

function parseManifest(text: string, file: string): BenchmarkManifest {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new UsageError('BAD_MANIFEST', `manifest ${file} is not valid JSON: ${(err as Error).message}`)
  }
  const r = ManifestSchema.safeParse(json)
  if (!r.success) {
    const first = r.error.issues[0]
    throw new UsageError(
      'BAD_MANIFEST',
      `manifest ${file}: ${first?.path.join('.') || '(top level)'}: ${first?.message ?? 'invalid'}`,
    )
  }
  return { ...r.data, resource: r.data.resource as BenchmarkResource }
}
