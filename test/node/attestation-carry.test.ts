import { join } from 'node:path'
import t from 'tap'
import { controlPost } from '../../src/node/control-client.js'
import { ControlServer } from '../../src/node/control-server.js'
import { type Attestation, decodeAttestation, signAttestation } from '../../src/protocols/attestation.js'
import { UsageError } from '../../src/protocols/errors.js'
import { generateSecretKey, publicKeyOf } from '../../src/protocols/signing.js'
import { SMALL } from '../../src/testnet/mesh.js'
import { log, startAgent, startAnchor, waitFor } from './helpers.js'

t.test("an agent's adverts carry the anchor attestation it was given, across a restart", async (t) => {
  const dir = t.testdir()
  const anchor = await startAnchor(t, dir)
  const anchorSecret = generateSecretKey()
  const anchorKey = publicKeyOf(anchorSecret)
  const over = { anchorKey: Buffer.from(anchorKey).toString('hex') }
  const a = await startAgent(t, join(dir, 'a'), 0, SMALL, anchor.multiaddrs, over)
  const b = await startAgent(t, join(dir, 'b'), 2, SMALL, anchor.multiaddrs, over)
  t.ok(await waitFor(() => b.market.get(a.peerId.toString()) !== undefined, 45_000), 'b sees a')

  const now = Date.now()
  // host-0 claims diskWrite 31 MB/s (see hostConfig); the anchor measured 30.
  const base: Attestation = {
    location: a.location,
    vm: a.peerId.toString(),
    measurements: [{ resource: 'DISK_WRITE', name: 'vboom/disk-seq-write', value: 30, unit: 'MB/s' }],
    measuredAtMs: now,
    expiresAtMs: now + 3_600_000,
    anchorKey,
  }
  const refused = async (att: Uint8Array, code: string) => {
    await t.rejects(a.addAttestation(att as never), { name: 'UsageError', code }, code)
  }
  await refused(signAttestation({ ...base, vm: b.peerId.toString() }, anchorSecret), 'ATTESTATION_WRONG_VM')
  await refused(
    signAttestation({ ...base, location: 'elsewhere' }, anchorSecret),
    'ATTESTATION_WRONG_LOCATION',
  )
  await refused(signAttestation({ ...base, expiresAtMs: now - 1 }, anchorSecret), 'ATTESTATION_EXPIRED')
  const other = generateSecretKey()
  await refused(signAttestation({ ...base, anchorKey: publicKeyOf(other) }, other), 'ATTESTATION_UNTRUSTED')
  // The anchor measured half of what the advert claims: the agent refuses to publish a lie receivers would reject.
  await refused(
    signAttestation({ ...base, measurements: [{ ...base.measurements[0]!, value: 15 }] }, anchorSecret),
    'ATTESTATION_MISMATCH',
  )

  // Through the control socket, as `vboom attest` does.
  const control = new ControlServer(a, log)
  await control.start()
  t.teardown(() => control.stop())
  const good = signAttestation(base, anchorSecret)
  const answer = JSON.parse(await controlPost(a.dataDir.path, '/attestation', good))
  t.equal(answer.location, a.config.location)
  await t.rejects(
    controlPost(a.dataDir.path, '/attestation', new Uint8Array(10)),
    UsageError,
    'garbage is refused',
  )

  const carried = () => b.market.get(a.peerId.toString())?.attestations ?? []
  t.ok(await waitFor(() => carried().length === 1, 45_000), "b receives a's advert with the attestation")
  t.equal(decodeAttestation(carried()[0]!, anchorKey).vm, a.peerId.toString(), 'and it checks out')
  t.equal((await b.status()).counters.rejected.ATTESTATION_MISMATCH, undefined, 'b rejected nothing')

  await control.stop()
  await a.stop()
  const seqBefore = b.market.get(a.peerId.toString())!.sequence
  const again = await startAgent(t, join(dir, 'a'), 0, SMALL, anchor.multiaddrs, over)
  t.ok(
    await waitFor(() => (b.market.get(again.peerId.toString())?.sequence ?? 0n) > seqBefore, 45_000),
    'the restarted agent republishes',
  )
  t.equal(carried().length, 1, 'still carrying the attestation kept in its database')
})
