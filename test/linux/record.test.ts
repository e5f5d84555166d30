import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import {
  type BootRecord,
  clearBootRecord,
  decodeBootRecord,
  encodeBootRecord,
  loadBootRecord,
  paramsDigest,
  recordPath,
  storeBootRecord,
} from '../../src/linux/reserve/record.js'
import { tempDir } from './helpers.js'

const network = {
  interfaces: [
    {
      name: 'ens3',
      mac: '52:54:00:12:34:56',
      mtu: 1500,
      addresses: [{ family: 'inet' as const, local: '10.0.0.5', prefixlen: 24, dynamic: true }],
    },
  ],
  routes: [{ family: 'inet' as const, dst: 'default', gateway: '10.0.0.1', dev: 'ens3', onlink: false }],
  dns: { nameservers: ['10.0.0.2'], search: ['example.internal'] },
}

type P = {
  phase: 'stateless' | 'completed' | 'aborted'
  role: string
  secret: Uint8Array
  n: bigint
  nested: { b: Buffer }
}

const record = (): BootRecord<P> => ({
  version: 1,
  params: {
    phase: 'stateless',
    role: 'a',
    secret: new Uint8Array([1, 2, 255]),
    n: 2n ** 70n,
    nested: { b: Buffer.from('xyz') },
  },
  network,
  location: 'dmi-uuid:0b1c',
  bootAreaSha256: null,
  writtenAt: new Date(0).toISOString(),
})

t.test('a record round-trips, bytes and bigints included', async (t) => {
  const r = record()
  const back = decodeBootRecord<P>(encodeBootRecord(r))
  t.same(back.params.secret, new Uint8Array([1, 2, 255]))
  t.equal(back.params.n, 2n ** 70n)
  t.same(
    Buffer.from(back.params.nested.b as Uint8Array),
    Buffer.from('xyz'),
    'a Buffer comes back as its bytes',
  )
  t.same(back.network, network)
  t.equal(paramsDigest(back.params), paramsDigest(r.params), 'the digest is the same on both sides')
})

t.test('store, load and clear, durable in the state directory', async (t) => {
  const dir = await tempDir(t)
  t.equal(await loadBootRecord(dir), null)
  await storeBootRecord(dir, record())
  t.equal((await loadBootRecord<P>(dir))?.params.role, 'a')
  t.match(await readFile(recordPath(dir), 'utf8'), /"phase": "stateless"/)
  await clearBootRecord(dir)
  t.equal(await loadBootRecord(dir), null)
})

t.test('damaged or foreign records are refused with a code', async (t) => {
  const bad = (text: string, code: string, what: string) =>
    t.throws(() => decodeBootRecord(text), { name: 'BootRecordError', code }, what)
  bad('{', 'BOOT_RECORD_CORRUPT', 'not JSON')
  bad('{"version":2}', 'BOOT_RECORD_VERSION', 'a newer version')
  const r = JSON.parse(encodeBootRecord(record()))
  bad(
    JSON.stringify({ ...r, params: { ...r.params, phase: 'later' } }),
    'BOOT_RECORD_CORRUPT',
    'an unknown phase',
  )
  bad(JSON.stringify({ ...r, location: '' }), 'BOOT_RECORD_CORRUPT', 'no location')
  bad(JSON.stringify({ ...r, bootAreaSha256: 'zz' }), 'BOOT_RECORD_CORRUPT', 'a malformed hash')
  t.throws(
    () =>
      decodeBootRecord(
        JSON.stringify({ ...r, network: { ...network, routes: [{ ...network.routes[0], dev: 'a b' }] } }),
      ),
    { name: 'NetworkConfigError', code: 'NETWORK_INVALID' },
    'a network configuration that would reach an ip command unchecked',
  )
  const dir = await tempDir(t)
  await storeBootRecord(dir, record())
  await writeFile(join(dir, 'boot', 'record.json'), 'garbage')
  await t.rejects(loadBootRecord(dir), { code: 'BOOT_RECORD_CORRUPT' })
})
