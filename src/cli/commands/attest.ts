import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { controlPost } from '../../node/control-client.js'
import { UsageError } from '../../protocols/errors.js'

export function registerAttest(program: Command): void {
  program
    .command('attest')
    .description('give a running agent an anchor attestation of its VM; its adverts carry it from now on')
    .requiredOption('-d, --data-dir <dir>', "the agent's data dir")
    .requiredOption('-f, --file <file>', 'the signed attestation the anchor returned (binary)')
    .action(async (flags: { dataDir: string; file: string }) => {
      let bytes: Uint8Array
      try {
        bytes = await readFile(flags.file)
      } catch (err) {
        throw new UsageError(
          'ATTESTATION_UNREADABLE',
          `cannot read ${flags.file}: ${(err as NodeJS.ErrnoException).code ?? err}; check the path`,
        )
      }
      const out = JSON.parse(await controlPost(flags.dataDir, '/attestation', bytes)) as {
        location: string
        expiresAt: string
      }
      process.stdout.write(`attestation of ${out.location} kept; adverts carry it until ${out.expiresAt}\n`)
    })
}
