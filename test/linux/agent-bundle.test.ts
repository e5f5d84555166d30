/**
 * The CLI bundled for a VM's root (agentAppFiles): laid out beside the
 * stateless image's entry, with the addon packages and this platform's
 * prebuilt addons only, without what an agent never loads; and it runs
 * from a directory outside the checkout, with no other node_modules.
 */
import { execFile } from 'node:child_process'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { agentAppFiles, CLI_IN_APP } from '../../src/linux/image/bundle.js'

const run = promisify(execFile)

t.setTimeout(180_000)

t.test('the CLI for a VM: its entry, addons for linux-x64 only, and it runs on its own', async (t) => {
  const app = await agentAppFiles()
  const paths = app.files.map((f) => f.path)
  t.ok(paths.includes(CLI_IN_APP), 'the CLI entry')
  t.ok(paths.includes('opt/vboom/dist/src/index/hash-worker.js'), 'the hash worker where the pool looks')
  t.ok(
    paths.includes('opt/vboom/node_modules/classic-level/prebuilds/linux-x64/classic-level.node'),
    "the database's prebuilt addon for this platform",
  )
  t.notOk(
    paths.some((p) => /\/prebuilds\/(?!linux-x64\/)/.test(p)),
    "no other platform's prebuilt addons",
  )
  t.ok(app.packages.includes('classic-level'), 'the database package is carried')
  t.notOk(
    app.packages.some((p) => p === 'esbuild' || p.startsWith('@resvg/')),
    'neither the bundler nor the report renderer is carried',
  )

  const root = t.testdir()
  for (const f of app.files) {
    const p = join(root, f.path)
    await mkdir(dirname(p), { recursive: true })
    await writeFile(p, f.data)
    if (f.mode !== undefined) await chmod(p, f.mode)
  }
  const help = await run(process.execPath, [join(root, CLI_IN_APP), 'agent', '--help'], { cwd: root })
  t.match(help.stdout, /--platform <kind>/, '`vboom agent --help` runs from the copy')
  // the agent's command loads the database addon (a bad key file is refused after the imports)
  const dataDir = join(root, 'data')
  await mkdir(dataDir)
  await writeFile(join(dataDir, 'node.key'), 'not a key')
  const config = join(root, 'agent.json')
  await writeFile(
    config,
    JSON.stringify({
      instanceClass: { vcpus: 1, memoryBytes: 2 ** 30, diskBytes: 2 ** 30 },
      location: 'test',
      profiler: { enabled: false },
    }),
  )
  const agent = await run(process.execPath, [join(root, CLI_IN_APP), 'agent', '-d', dataDir, '-c', config], {
    cwd: root,
  }).catch((err: { code: number; stderr: string }) => err)
  t.match(
    (agent as { stderr: string }).stderr,
    /node key .* is corrupt/,
    'the agent gets as far as its key: its modules and addons loaded',
  )
})
