import '../../src/polyfill.js'
import { createHash } from 'node:crypto'
import t from 'tap'
import { HASH_BYTES } from '../../src/swapper/index/hash.js'
import { ContentTable, wordsOf } from '../../src/swapper/plan/content-table.js'

const h = (s: string) => createHash('sha256').update(s).digest()

t.test('finds each content at the block that holds it, across two hash lists', async (t) => {
  const local = Buffer.concat(['x', 'y', 'z', 'y'].map(h))
  const other = Buffer.concat(['y', 'w', 'x', 'z'].map(h))
  const table = new ContentTable(local, 4)
  for (let j = 0; j < 4; j++) table.add(j)
  const ow = wordsOf(other)
  t.equal(table.find(ow, 0), 1, 'y: the first block holding it')
  t.equal(table.find(ow, 1), -1, 'w: nowhere')
  t.equal(table.find(ow, 2), 0)
  t.equal(table.find(ow, 3), 2)
  t.equal(table.add(3, true), 3, 'replace: y now recorded at block 3')
  t.equal(table.find(ow, 0), 3)
})

t.test('hashes that share their first 4 bytes are told apart by the full compare', async (t) => {
  const a = h('a')
  const b = Buffer.from(h('b'))
  a.copy(b, 0, 0, 4) // same probe key, different hash
  const local = Buffer.concat([a, b])
  const table = new ContentTable(local, 2)
  t.equal(table.add(0), 0)
  t.equal(table.add(1), 1, 'a different content, not a duplicate')
  t.equal(table.find(wordsOf(local), 1), 1)
  // differing only in their last word: every word is compared
  const c = Buffer.from(a)
  c[HASH_BYTES - 1]! ^= 1
  const both = Buffer.concat([a, c])
  const last = new ContentTable(both, 2)
  t.equal(last.add(0), 0)
  t.equal(last.add(1), 1, 'the last word differs: not a duplicate')
  t.equal(last.find(wordsOf(both), 1), 1)
  const small = new ContentTable(local, 1)
  small.add(0)
  t.throws(
    () => small.add(1),
    { name: 'SwapInternalError', code: 'CONTENT_TABLE_FULL' },
    'past its capacity: refused, never an endless probe',
  )
})

t.test('an unaligned hash list works (copied to words)', async (t) => {
  const raw = Buffer.alloc(1 + 2 * HASH_BYTES)
  h('p').copy(raw, 1)
  h('q').copy(raw, 1 + HASH_BYTES)
  const list = raw.subarray(1)
  const table = new ContentTable(list, 2)
  table.add(0)
  table.add(1)
  t.equal(table.find(wordsOf(list), 1), 1)
})
