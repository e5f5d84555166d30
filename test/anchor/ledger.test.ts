import { join } from 'node:path'
import { Level } from 'level'
import t from 'tap'
import { loadOrCreateAnchorKey } from '../../src/anchor/key.js'
import { entryKey } from '../../src/anchor/ledger/chain.js'
import {
  describeEntry,
  describeLocation,
  describeReport,
  describeSwap,
  entryToJson,
  Ledger,
  verifyLedger,
} from '../../src/anchor/ledger/index.js'
import { agreedSwapOfTwo, agreeSwap, keys, registerLocation, registerOwner, signed } from './helpers.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

async function setup(t: { testdir(): string; teardown(fn: () => unknown): void }) {
  const dir = t.testdir()
  const anchorKey = await loadOrCreateAnchorKey(dir)
  const ledgerDir = join(dir, 'ledger')
  const ledger = await Ledger.open({ dir: ledgerDir, anchorKey })
  t.teardown(() => ledger.close())
  return { dir, ledgerDir, anchorKey, ledger }
}

/** Owners alice and bob, locations i-a (alice) and i-b (bob), a committed swap, a payment. */
async function populate(ledger: Ledger) {
  const { swapId, alice, bob, vmA, vmB } = await agreedSwapOfTwo(ledger, ['i-a', 'i-b'])
  await ledger.commitSwap(swapId)
  await ledger.append(
    signed(
      {
        kind: 'payment-recorded',
        payer: alice.publicKey,
        payee: bob.publicKey,
        amountMicros: 5_000_000n,
        swapId,
        memo: '',
      },
      alice,
    ),
  )
  return { alice, bob, vmA, vmB, swapId }
}

t.test('append and query: a committed swap moves VMs and owners together', async (t) => {
  const { ledger } = await setup(t)
  const { alice, bob, vmA, vmB, swapId } = await populate(ledger)
  t.equal(ledger.head()?.seq, 6n, 'seven entries')
  // After the swap, alice's VM runs in i-b and alice owns i-b.
  t.same(hex(ledger.ownerOf('i-a')!.owner), hex(bob.publicKey))
  t.same(hex(ledger.ownerOf('i-a')!.vm), hex(vmB.publicKey))
  t.same(hex(ledger.ownerOf('i-b')!.owner), hex(alice.publicKey))
  t.same(hex(ledger.ownerOf('i-b')!.vm), hex(vmA.publicKey))
  t.equal(ledger.ownerOf('i-nowhere'), null)
  t.equal(ledger.swapState(swapId)?.status, 'committed')
  const history = await ledger.history('i-a')
  t.same(
    history.map((e) => e.kind),
    ['location-registered', 'swap-agreed', 'swap-committed'],
  )
  t.same(
    history.map((e) => e.seq),
    [2n, 4n, 5n],
  )
  // The chain links: each prev_hash is the previous entry's hash.
  const all = []
  for await (const e of ledger.entries()) all.push(e)
  t.equal(all.length, 7)
  for (let i = 1; i < all.length; i++) t.equal(hex(all[i]!.prevHash), hex(all[i - 1]!.hash))
  t.same(
    all[4]!.signers.map(hex).sort(),
    [hex(vmA.publicKey), hex(vmB.publicKey)].sort(),
    'both agents signed the agreement',
  )
  // Commit is idempotent: the same entry comes back, nothing is written.
  const again = await ledger.commitSwap(swapId)
  t.equal(again.created, false)
  t.equal(again.entry.seq, 5n)
  t.equal(ledger.head()?.seq, 6n)
  await t.rejects(ledger.abortSwap(swapId, 'late'), { name: 'LedgerActionError', code: 'SWAP_RESOLVED' })
  t.same(await ledger.verify(), { ok: true, entries: 7, headSeq: 6n, headHash: hex(ledger.head()!.hash) })
  // What the CLI prints.
  t.match(describeEntry(history[2]!), /^#5 \S+ swap [0-9a-f]{8} COMMITTED$/)
  t.match(
    describeLocation(ledger.ownerOf('i-a')!),
    /^i-a: owner [0-9a-f]{64}, vm [0-9a-f]{64} since entry #5$/,
  )
  t.match(describeSwap(ledger.swapState(swapId)!), /committed at entry #5/)
  t.match(describeReport(await ledger.verify()), /^ledger OK: 7 entries, head #6 [0-9a-f]{64}$/)
  const json = JSON.parse(JSON.stringify(entryToJson(all[6]!)))
  t.match(json, {
    seq: '6',
    kind: 'payment-recorded',
    body: { amountMicros: '5000000', payer: hex(alice.publicKey) },
  })
})

t.test('rules: signatures, owners, duplicates', async (t) => {
  const { ledger } = await setup(t)
  const alice = await registerOwner(ledger, 'alice')
  const mallory = await registerOwner(ledger, 'mallory')
  const vm = await registerLocation(ledger, 'i-a', alice)
  const steal = {
    kind: 'ownership-transferred',
    location: 'i-a',
    from: alice.publicKey,
    to: mallory.publicKey,
  } as const
  await t.rejects(ledger.append(signed(steal, mallory)), { name: 'LedgerActionError', code: 'WRONG_SIGNERS' })
  await t.rejects(ledger.append(signed(steal, mallory, keys())), {
    name: 'LedgerActionError',
    code: 'MISSING_SIGNATURE',
  })
  // A signature by the right key over other bytes.
  const forged = signed(steal, alice, mallory)
  forged.parties[0] = signed(steal, alice).parties[0]!
  await t.rejects(ledger.append(forged), { name: 'LedgerActionError', code: 'BAD_SIGNATURE' })
  await t.rejects(
    ledger.append(
      signed(
        {
          kind: 'location-registered',
          location: 'i-a',
          owner: mallory.publicKey,
          vm: vm.publicKey,
          instanceClass: { vcpus: 2, memoryBytes: 1n, diskBytes: 1n },
        },
        mallory,
      ),
    ),
    { code: 'LOCATION_EXISTS' },
  )
  // A real transfer, then its replay.
  const ok = signed(steal, alice, mallory)
  await ledger.append(ok)
  t.same(hex(ledger.ownerOf('i-a')!.owner), hex(mallory.publicKey))
  const back = signed(
    { kind: 'ownership-transferred', location: 'i-a', from: mallory.publicKey, to: alice.publicKey },
    mallory,
    alice,
  )
  await ledger.append(back)
  await t.rejects(ledger.append(ok), { code: 'DUPLICATE_ACTION' }, 'a signed action is recorded at most once')
  t.same(hex(ledger.ownerOf('i-a')!.owner), hex(alice.publicKey))
  await t.rejects(ledger.append({ action: new Uint8Array([0xff, 0xff]), parties: [] }), {
    code: 'MALFORMED_ACTION',
  })
  t.equal(ledger.head()?.seq, 4n, 'refused actions wrote nothing')
})

t.test('restart: close and reopen keeps the chain and the state', async (t) => {
  const dir = t.testdir()
  const anchorKey = await loadOrCreateAnchorKey(dir)
  const ledgerDir = join(dir, 'ledger')
  let ledger = await Ledger.open({ dir: ledgerDir, anchorKey })
  const { alice, swapId } = await populate(ledger)
  const head = ledger.head()!
  await ledger.close()
  await t.rejects(
    ledger.append(signed({ kind: 'owner-registered', owner: alice.publicKey, name: '' }, alice)),
    {
      name: 'LedgerUnavailableError',
      code: 'LEDGER_CLOSED',
    },
  )
  // The anchor key is read back, not regenerated.
  const key2 = await loadOrCreateAnchorKey(dir)
  t.equal(hex(key2.publicKey), hex(anchorKey.publicKey))
  ledger = await Ledger.open({ dir: ledgerDir, anchorKey: key2 })
  t.teardown(() => ledger.close())
  t.equal(ledger.head()?.seq, head.seq)
  t.equal(hex(ledger.head()!.hash), hex(head.hash))
  t.equal(hex(ledger.ownerOf('i-b')!.owner), hex(alice.publicKey))
  t.equal(ledger.swapState(swapId)?.status, 'committed')
  await t.rejects(
    ledger.append(signed({ kind: 'owner-registered', owner: alice.publicKey, name: 'again' }, alice)),
    {
      code: 'OWNER_EXISTS',
    },
  )
  // A second process cannot open it while this one has it.
  await t.rejects(Ledger.open({ dir: ledgerDir, anchorKey }), {
    name: 'LedgerUnavailableError',
    code: 'LEDGER_LOCKED',
  })
  const carol = await registerOwner(ledger, 'carol')
  t.equal(ledger.owner(carol.publicKey)?.seq, head.seq + 1n)
})

t.test('tamper: one edited byte in a stored entry is found at that entry', async (t) => {
  const dir = t.testdir()
  const anchorKey = await loadOrCreateAnchorKey(dir)
  const ledgerDir = join(dir, 'ledger')
  const ledger = await Ledger.open({ dir: ledgerDir, anchorKey })
  await populate(ledger)
  await ledger.close()
  t.same((await verifyLedger(ledgerDir, anchorKey.publicKey)).ok, true)

  const target = 3n
  const raw = new Level<string, Uint8Array>(ledgerDir, { keyEncoding: 'utf8', valueEncoding: 'view' })
  const original = (await raw.get(entryKey(target)))!
  await raw.close()
  // Every byte position of the entry, flipped one at a time, is caught at seq 3.
  const codes = new Set<string>()
  let missed = 0
  for (let i = 0; i < original.length; i++) {
    const edited = new Uint8Array(original)
    edited[i]! ^= 0x01
    const db = new Level<string, Uint8Array>(ledgerDir, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.put(entryKey(target), edited)
    await db.close()
    const report = await verifyLedger(ledgerDir, anchorKey.publicKey)
    if (report.ok || report.firstBad.seq !== target) {
      missed++
      t.comment(
        `missed byte ${i}: ${JSON.stringify(report, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`,
      )
    } else codes.add(report.firstBad.code)
  }
  t.equal(missed, 0, `all ${original.length} single-byte edits found at entry ${target}`)
  t.comment(`failure codes seen: ${[...codes].sort().join(', ')}`)

  // The edited ledger refuses to open; a deleted middle entry is found too.
  const db = new Level<string, Uint8Array>(ledgerDir, { keyEncoding: 'utf8', valueEncoding: 'view' })
  const edited = new Uint8Array(original)
  edited[edited.length - 10]! ^= 0x80
  await db.put(entryKey(target), edited)
  await db.close()
  await t.rejects(Ledger.open({ dir: ledgerDir, anchorKey }), { name: 'LedgerCorruptError' })
  const db2 = new Level<string, Uint8Array>(ledgerDir, { keyEncoding: 'utf8', valueEncoding: 'view' })
  await db2.del(entryKey(target))
  await db2.close()
  const report = await verifyLedger(ledgerDir, anchorKey.publicKey)
  t.match(report, { ok: false, entries: 3, firstBad: { seq: target, code: 'MISSING_ENTRY' } })
  // Another anchor's key does not verify this ledger.
  const other = await loadOrCreateAnchorKey(join(dir, 'other'))
  const r2 = await verifyLedger(ledgerDir, other.publicKey)
  t.match(r2, { ok: false, firstBad: { seq: 0n, code: 'BAD_ANCHOR_SIGNATURE' } })
})

t.test('concurrent appends keep the chain linear', async (t) => {
  const { ledger } = await setup(t)
  const n = 200
  const owners = Array.from({ length: n }, () => keys())
  const results = await Promise.allSettled(
    owners.map((k, i) =>
      ledger.append(signed({ kind: 'owner-registered', owner: k.publicKey, name: `o${i}` }, k)),
    ),
  )
  t.equal(results.filter((r) => r.status === 'fulfilled').length, n)
  const seqs = results
    .map((r) => (r.status === 'fulfilled' ? r.value.seq : -1n))
    .sort((a, b) => (a < b ? -1 : 1))
  t.same(
    seqs,
    Array.from({ length: n }, (_, i) => BigInt(i)),
    'each seq used once, no gaps',
  )
  // Concurrent conflicting actions: of two transfers of one location, exactly one wins.
  const [a, b, c] = owners as [(typeof owners)[0], (typeof owners)[0], (typeof owners)[0]]
  await registerLocation(ledger, 'i-x', a)
  const race = await Promise.allSettled([
    ledger.append(
      signed({ kind: 'ownership-transferred', location: 'i-x', from: a.publicKey, to: b.publicKey }, a, b),
    ),
    ledger.append(
      signed({ kind: 'ownership-transferred', location: 'i-x', from: a.publicKey, to: c.publicKey }, a, c),
    ),
  ])
  t.same(
    race.map((r) => r.status),
    ['fulfilled', 'rejected'],
  )
  const report = await ledger.verify()
  t.match(report, { ok: true, entries: n + 2 })
})

t.test('a swap agreed before a restart resolves after it, once', async (t) => {
  const dir = t.testdir()
  const anchorKey = await loadOrCreateAnchorKey(dir)
  const ledgerDir = join(dir, 'ledger')
  let ledger = await Ledger.open({ dir: ledgerDir, anchorKey })
  const alice = await registerOwner(ledger, 'alice')
  const bob = await registerOwner(ledger, 'bob')
  const vmA = await registerLocation(ledger, 'i-a', alice)
  const vmB = await registerLocation(ledger, 'i-b', bob)
  const swapId = await agreeSwap(
    ledger,
    { location: 'i-a', owner: alice, vm: vmA },
    { location: 'i-b', owner: bob, vm: vmB },
  )
  // While agreed, neither location can be sold or swapped elsewhere.
  const carol = await registerOwner(ledger, 'carol')
  await t.rejects(
    ledger.append(
      signed(
        { kind: 'ownership-transferred', location: 'i-a', from: alice.publicKey, to: carol.publicKey },
        alice,
        carol,
      ),
    ),
    { code: 'LOCATION_BUSY' },
  )
  await ledger.close()
  ledger = await Ledger.open({ dir: ledgerDir, anchorKey })
  t.teardown(() => ledger.close())
  t.equal(ledger.swapState(swapId)?.status, 'agreed')
  // Two COMMITs racing (e.g. a retried message): one entry, both see it.
  const [c1, c2] = await Promise.all([ledger.commitSwap(swapId), ledger.commitSwap(swapId)])
  t.equal(c1.entry.seq, c2.entry.seq)
  t.same([c1.created, c2.created], [true, false])
  t.equal(hex(ledger.ownerOf('i-a')!.owner), hex(bob.publicKey))
  await t.rejects(ledger.commitSwap(new Uint8Array(32)), { code: 'UNKNOWN_SWAP' })
  // A client cannot submit an outcome itself, signed or not.
  const swap2 = await agreeSwap(
    ledger,
    { location: 'i-a', owner: bob, vm: vmB },
    { location: 'i-b', owner: alice, vm: vmA },
  )
  await t.rejects(ledger.append(signed({ kind: 'swap-aborted', swapId: swap2, reason: 'mine' })), {
    code: 'ANCHOR_ONLY',
  })
  await t.rejects(ledger.append(signed({ kind: 'swap-committed', swapId: swap2 }, alice)), {
    code: 'ANCHOR_ONLY',
  })
  t.equal(ledger.swapState(swap2)?.status, 'agreed')
  t.equal((await ledger.abortSwap(swap2, 'timeout')).entry.kind, 'swap-aborted')
  t.equal(hex(ledger.ownerOf('i-a')!.owner), hex(bob.publicKey), 'abort moves nothing')
  await t.rejects(verifyLedger(join(dir, 'nowhere'), anchorKey.publicKey), {
    name: 'LedgerUnavailableError',
    code: 'LEDGER_MISSING',
  })
})

t.test('anchor key file: 0600, refused when readable by others', async (t) => {
  const { chmod, stat, writeFile } = await import('node:fs/promises')
  const dir = t.testdir()
  await loadOrCreateAnchorKey(dir)
  t.equal((await stat(join(dir, 'anchor.key'))).mode & 0o777, 0o600)
  await chmod(join(dir, 'anchor.key'), 0o644)
  await t.rejects(loadOrCreateAnchorKey(dir), { name: 'AnchorKeyError', code: 'KEY_PERMISSIONS' })
  await writeFile(join(dir, 'anchor.key'), new Uint8Array(5), { mode: 0o600 })
  await chmod(join(dir, 'anchor.key'), 0o600)
  await t.rejects(loadOrCreateAnchorKey(dir), { name: 'AnchorKeyError', code: 'KEY_MALFORMED' })
})
