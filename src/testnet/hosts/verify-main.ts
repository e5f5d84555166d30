/**
 * Builds two hosts with different profiles, verifies them (verify.ts) and
 * prints the table: profile as set against what outside tools measure.
 *
 *   tsx src/testnet/hosts/verify-main.ts [--mode auto|root|emulated] [--seconds N]
 */
import { parseArgs } from 'node:util'
import { createHostFabric, type HostSpec, type ModeRequest } from './index.js'
import { formatChecks, verifyFabric } from './verify.js'

/** Two hosts like the paper's: one with disk interference and a slow link, one normal. */
export const DEMO_HOSTS: HostSpec[] = [
  {
    name: 'host-0',
    profile: {
      diskWriteMBps: 18,
      diskReadMBps: 40,
      diskWriteIops: 150,
      diskReadIops: 300,
      cpuCores: 0.3,
      netMbit: 20,
      netDelayMs: 10,
    },
  },
  {
    name: 'host-1',
    profile: {
      diskWriteMBps: 31,
      diskReadMBps: 95,
      diskWriteIops: 400,
      diskReadIops: 800,
      cpuCores: 0.6,
      netMbit: 80,
      netDelayMs: 3,
    },
  },
]

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { mode: { type: 'string', default: 'auto' }, seconds: { type: 'string', default: '2' } },
  })
  const fabric = await createHostFabric({ mode: values.mode as ModeRequest, hosts: DEMO_HOSTS })
  try {
    const checks = await verifyFabric(fabric, { seconds: Number(values.seconds) })
    process.stdout.write(`${fabric.mode} mode (${fabric.reason})\n${formatChecks(checks)}\n`)
  } finally {
    await fabric.close()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`verify: ${(err as Error).message}\n`)
  process.exitCode = 1
})
