/**
 * `vboom anchor verify-ledger`, `vboom anchor sign-benchmark` and `vboom ledger
 * owner|history|swap|entries` as processes: human and JSON output, a tampered
 * ledger reported with a non-zero exit, and one-line errors for bad input.
 */
import { writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import t from 'tap'
import { compileWat } from '../../src/anchor/benchmarks/wat.js'
import { loadOrCreateAnchorKey } from '../../src/anchor/key.js'
import { entryKey } from '../../src/anchor/ledger/chain.js'
import { Ledger } from '../../src/anchor/ledger/index.js'
import { ROOT, vboom } from '../cli/helpers.js'
import { agreedSwapOfTwo } from './helpers.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const oneLine = (s: string): boolean => s.trim().split('\n').length === 1 && s.startsWith('vboom: ')

t.test('ledger queries, verify-ledger and sign-benchmark from the command line', async (t) => {
  const dir = t.testdir()
  const anchorKey = await loadOrCreateAnchorKey(dir)
  const ledger = await Ledger.open({ dir: join(dir, 'ledger'), anchorKey })
  const { swapId, bob } = await agreedSwapOfTwo(ledger)
  await ledger.commitSwap(swapId)
  await ledger.close()

  const ok = await vboom(['anchor', 'verify-ledger', '-d', dir])
  t.equal(ok.code, 0, ok.stderr)
  t.match(ok.stdout, /^ledger OK: 6 entries/)
  const okJson = JSON.parse((await vboom(['anchor', 'verify-ledger', '-d', dir, '--json'])).stdout)
  t.match(okJson, { ok: true, entries: 6, headSeq: '5' })

  const owner = await vboom(['ledger', 'owner', 'loc-a', '-d', dir])
  t.equal(owner.code, 0, owner.stderr)
  t.match(owner.stdout, `loc-a: owner ${hex(bob.publicKey)}`, 'after the commit, loc-a belongs to bob')
  t.match(JSON.parse((await vboom(['ledger', 'owner', 'loc-a', '-d', dir, '--json'])).stdout), {
    location: 'loc-a',
    owner: hex(bob.publicKey),
  })
  const history = await vboom(['ledger', 'history', 'loc-a', '-d', dir])
  t.equal(history.stdout.trim().split('\n').length, 3, 'registered, agreed, committed')
  t.match(history.stdout, /COMMITTED/)
  const swap = await vboom(['ledger', 'swap', hex(swapId), '-d', dir, '--json'])
  t.match(JSON.parse(swap.stdout), { status: 'committed', locationA: 'loc-a' })
  const entries = JSON.parse((await vboom(['ledger', 'entries', '-d', dir, '--json', '--from', '4'])).stdout)
  t.same(
    entries.map((e: { kind: string }) => e.kind),
    ['swap-agreed', 'swap-committed'],
  )

  // One-line errors that say what to do.
  for (const [what, args, pattern] of [
    ['unknown location', ['ledger', 'owner', 'nowhere', '-d', dir], /not in the ledger/],
    ['bad swap id', ['ledger', 'swap', 'xyz', '-d', dir], /64 hex digits/],
    ['no ledger', ['ledger', 'entries', '-d', join(dir, 'none')], /no ledger in .*-d/],
    ['no ledger to verify', ['anchor', 'verify-ledger', '-d', join(dir, 'none')], /no anchor key|no ledger/],
  ] as const) {
    const r = await vboom([...args])
    t.not(r.code, 0, `${what}: non-zero exit`)
    t.ok(oneLine(r.stderr), `${what}: one line (${r.stderr.trim()})`)
    t.match(r.stderr, pattern)
  }

  // A byte edited in the stored data: verify-ledger names the entry and fails.
  const db = new Level<string, Uint8Array>(join(dir, 'ledger'), {
    keyEncoding: 'utf8',
    valueEncoding: 'view',
  })
  const raw = (await db.get(entryKey(2n)))!
  const edited = new Uint8Array(raw)
  edited[edited.length - 20]! ^= 0x04
  await db.put(entryKey(2n), edited)
  await db.close()
  const bad = await vboom(['anchor', 'verify-ledger', '-d', dir])
  t.equal(bad.code, 1, 'a tampered ledger exits 1')
  t.match(bad.stdout, /ledger BAD at entry #2/)

  // sign-benchmark: a user's module with its manifest.
  const wasm = join(dir, 'cpu.wasm')
  writeFileSync(wasm, await compileWat(await readFile(join(ROOT, 'benchmarks', 'cpu.wat'), 'utf8')))
  const manifest = join(dir, 'cpu.json')
  writeFileSync(
    manifest,
    JSON.stringify({
      name: 'acme/cpu',
      version: 1,
      resource: 'CPU',
      unit: 'ops/s',
      parameters: [{ name: 'iterations', value: 1000000 }],
      timeLimitMs: 5000,
      memoryLimitPages: 1,
      hostFunctions: ['now_us'],
    }),
  )
  const signedOut = await vboom([
    'anchor',
    'sign-benchmark',
    '-d',
    dir,
    '--module',
    wasm,
    '--manifest',
    manifest,
    '--json',
  ])
  t.equal(signedOut.code, 0, signedOut.stderr)
  t.match(JSON.parse(signedOut.stdout), { name: 'acme/cpu', version: 1, moduleSha256: /^[0-9a-f]{64}$/ })
  writeFileSync(manifest, JSON.stringify({ name: 'acme/cpu', version: 1, resource: 'GPU' }))
  const badManifest = await vboom([
    'anchor',
    'sign-benchmark',
    '-d',
    dir,
    '--module',
    wasm,
    '--manifest',
    manifest,
  ])
  t.not(badManifest.code, 0)
  t.ok(oneLine(badManifest.stderr), badManifest.stderr)
  t.match(badManifest.stderr, /resource/)
})
