/**
 * Verification of a VM through its own agent, in one process over real
 * libp2p connections: the anchor's boot targets (src/anchor/agent-boot-target.ts),
 * the agent's service (src/linux/verification/agent-service.ts) with a machine
 * whose bootRemote starts the image's session code in place of a kexec
 * (image-session.ts, with the session file the agent left), and the wire
 * between them (src/protocols/verification-boot.ts). The real kexec is
 * test/linux/qemu/verify.test.ts.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromRaw } from '@libp2p/crypto/keys'
import type { Libp2p } from '@libp2p/interface'
import t from 'tap'
import { AgentBootTargets } from '../../src/anchor/agent-boot-target.js'
import { signImageDir } from '../../src/linux/boot-image/sign-dir.js'
import { SIGNED_IMAGE_FILES } from '../../src/linux/boot-image/signature.js'
import { NO_NETWORK } from '../../src/linux/net/config.js'
import { VerificationService } from '../../src/linux/verification/agent-service.js'
import { serveAnchorSession } from '../../src/linux/verification/image-session.js'
import { SESSION_FILE, takeSessionFile } from '../../src/linux/verification/session-file.js'
import { peerIdOfKey } from '../../src/protocols/attestation.js'
import { generateSecretKey, generateSigningKeyPair } from '../../src/protocols/signing.js'
import {
  checkSessionProof,
  decodeSessionFrame,
  encodeSessionFrame,
  signBootRequest,
  signSessionProof,
  verifyBootRequest,
} from '../../src/protocols/verification-boot.js'
import { createNode } from '../../src/runtime/libp2p-host.js'
import { createLogger } from '../../src/runtime/log.js'
import type { VerificationImage } from '../../src/runtime/platform.js'
import { signedVerificationImage, tempDir } from './helpers.js'

const log = createLogger('silent')
const anchor = generateSigningKeyPair()
const LOCATION = 'dmi-uuid:0b7c1c5e-6a43-4c55-9a3b-2f1f2f6e7a01'

t.test('boot requests: signed by the anchor, for this location and VM, fresh', async (t) => {
  const vm = generateSigningKeyPair()
  const vmId = peerIdOfKey(vm.publicKey)
  const now = Date.now()
  const req = {
    v: 1 as const,
    session: 'ab'.repeat(16),
    location: LOCATION,
    vm: vmId,
    notAfter: now + 60_000,
  }
  const bytes = signBootRequest(req, anchor.secretKey)
  const o = { anchorKey: anchor.publicKey, location: LOCATION, vm: vmId, nowMs: now }
  t.same(verifyBootRequest(bytes, o), req, 'a good request is accepted as signed')
  const refuse = (b: Uint8Array, code: string, what: string, over: Partial<typeof o> = {}) =>
    t.throws(() => verifyBootRequest(b, { ...o, ...over }), { name: 'VerificationBootError', code }, what)
  refuse(signBootRequest(req, generateSecretKey()), 'BAD_SIGNATURE', 'signed by another key')
  refuse(bytes, 'WRONG_LOCATION', 'for another location', { location: 'dmi-uuid:other' })
  refuse(bytes, 'WRONG_VM', 'for another VM', { vm: peerIdOfKey(generateSigningKeyPair().publicKey) })
  refuse(bytes, 'EXPIRED', 'after its validity', { nowMs: now + 61_000 })
  refuse(new TextEncoder().encode('{'), 'MALFORMED', 'not JSON')
  const outer = JSON.parse(new TextDecoder().decode(bytes)) as { request: string; signature: string }
  outer.request = outer.request.replace(LOCATION, 'dmi-uuid:forged')
  refuse(new TextEncoder().encode(JSON.stringify(outer)), 'BAD_SIGNATURE', 'a request changed after signing')
})

t.test('session proof and frames', async (t) => {
  const proof = signSessionProof('cd'.repeat(16), 'peer-x', anchor.secretKey)
  t.doesNotThrow(() =>
    checkSessionProof(proof, { session: 'cd'.repeat(16), imagePeer: 'peer-x', anchorKey: anchor.publicKey }),
  )
  t.throws(
    () =>
      checkSessionProof(proof, {
        session: 'cd'.repeat(16),
        imagePeer: 'peer-y',
        anchorKey: anchor.publicKey,
      }),
    { code: 'BAD_SIGNATURE' },
    'a proof for another image does not pass',
  )
  t.throws(
    () =>
      checkSessionProof(signSessionProof('cd'.repeat(16), 'peer-x', generateSecretKey()), {
        session: 'cd'.repeat(16),
        imagePeer: 'peer-x',
        anchorKey: anchor.publicKey,
      }),
    { code: 'BAD_SIGNATURE' },
    'another key does not pass',
  )
  const msg = { t: 'run', benchmarks: [{ signed: new Uint8Array([1, 2, 3]), module: Buffer.from('wasm') }] }
  const back = decodeSessionFrame(encodeSessionFrame(msg)) as typeof msg
  t.same([...back.benchmarks[0]!.signed], [1, 2, 3], 'byte strings survive a frame')
  t.ok(back.benchmarks[0]!.module instanceof Uint8Array, 'as Uint8Arrays')
  t.throws(() => decodeSessionFrame(new Uint8Array([0xff])), { code: 'MALFORMED' })
})

/** A libp2p key of a signing key pair's seed: the VM's peer id is its agent key's. */
function libp2pKeyOf(pair: { secretKey: Uint8Array; publicKey: Uint8Array }) {
  const raw = new Uint8Array(64)
  raw.set(pair.secretKey)
  raw.set(pair.publicKey, 32)
  return privateKeyFromRaw(raw)
}

t.test('the anchor verifies a VM through its agent, which boots the signed image', async (t) => {
  const dir = await tempDir(t)
  const stateDir = join(dir, 'reserve')
  const imageDir = join(dir, 'image')
  await mkdir(stateDir)
  await signedVerificationImage(imageDir, anchor.secretKey)
  const vmKeys = generateSigningKeyPair()
  const nodes: Libp2p[] = []
  t.teardown(async () => {
    for (const n of nodes) await n.stop()
  })
  const anchorNode = await createNode({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    traffic: 'market',
  })
  nodes.push(anchorNode)
  const agentNode = await createNode({ privateKey: libp2pKeyOf(vmKeys), listen: [], traffic: 'market' })
  nodes.push(agentNode)
  const anchorAddrs = anchorNode.getMultiaddrs().map((a) => a.toString())

  const targets = new AgentBootTargets({
    node: anchorNode,
    key: anchor,
    ownership: {
      ownerOf: (l) =>
        l === LOCATION
          ? {
              location: l,
              owner: new Uint8Array(32) as never,
              vm: vmKeys.publicKey as never,
              instanceClass: { vcpus: 1, memoryBytes: 1n, diskBytes: 1n },
              ownerSinceSeq: 0n,
              openSwap: null,
            }
          : null,
    },
    log,
    imageDialInMs: 30_000,
  })
  await targets.start()

  // the image's key: the anchor's, or (second image) another one
  let imageKey = anchor.publicKey
  const booted: VerificationImage[] = []
  let imageOutcome: Promise<{ runs: number }> | null = null
  const newService = () =>
    new VerificationService({
      node: agentNode,
      machine: {
        location: LOCATION,
        stateDir,
        // the kexec: the image's session code with the session the agent left, on its own node
        bootRemote: async (image) => {
          booted.push(image)
          const session = await takeSessionFile(stateDir)
          const imageNode = await createNode({
            privateKey: await generateKeyPair('Ed25519'),
            listen: [],
            traffic: 'market',
          })
          nodes.push(imageNode)
          imageOutcome = serveAnchorSession({
            node: imageNode,
            anchorAddrs: session.anchorAddrs,
            session: session.session,
            anchorKey: imageKey,
            diskDir: dir,
            deadlineMs: Date.now() + 30_000,
            log,
            runSuite: async (req) =>
              req.benchmarks.map((b, i) => ({
                name: `b${i}`,
                resource: 'cpu',
                value: b.module.length,
                unit: 'n',
              })),
          })
          return new Promise<never>(() => {})
        },
      },
      anchorKey: anchor.publicKey,
      anchorAddrs,
      imageDir,
      captureNetwork: async () => NO_NETWORK,
      log,
    })
  // one service per boot of the VM's system: after a boot the agent is gone (kexec) until the VM is back
  let service = newService()
  await service.start()
  const rebootVm = async () => {
    await service.stop()
    service = newService()
    await service.start()
  }
  // the agent is connected to its anchor, as an agent bootstraps from it
  await agentNode.dial(anchorNode.getMultiaddrs())
  // the listener registers the inbound connection a moment after the dialler
  while (anchorNode.getConnections(agentNode.peerId).length === 0) await new Promise((r) => setTimeout(r, 20))

  t.equal(agentNode.peerId.toString(), peerIdOfKey(vmKeys.publicKey), "the agent's peer id is its VM key's")
  const target = targets.resolve(LOCATION)
  t.ok(target !== null, 'a registered location resolves to its agent')
  t.equal(targets.resolve('dmi-uuid:unknown'), null, 'an unknown one to nothing')
  const session = await target!.bootRemote({ entry: '/ignored' })
  t.same(booted, [{ entry: imageDir }], 'the agent booted its local signed image')
  const reply = (await session.request({
    t: 'run',
    anchorKey: anchor.publicKey,
    benchmarks: [{ signed: new Uint8Array(4), module: new Uint8Array(7) }],
  })) as { t: string; results: Array<{ value: number }> }
  t.equal(reply.t, 'results', 'the image answered the run request')
  t.equal(reply.results[0]!.value, 7, 'with what it measured on the bytes sent')
  await session.close()
  t.same(await imageOutcome, { runs: 1 }, 'the image saw the anchor done (it then reboots into the VM)')
  t.notOk(
    await readFile(join(stateDir, SESSION_FILE)).then(
      () => true,
      () => false,
    ),
    'the session file was taken',
  )

  // an image that trusts another anchor key does not serve this anchor
  imageKey = generateSigningKeyPair().publicKey
  await rebootVm()
  const s2 = await target!.bootRemote({ entry: '/ignored' })
  await t.rejects(
    imageOutcome!,
    { code: 'BAD_SIGNATURE' },
    'the image refuses a peer that cannot sign as its anchor',
  )
  await t.rejects(s2.request({ t: 'run', benchmarks: [] }), 'and the anchor gets no answer')
  await s2.close()
  await rebootVm()

  // a tampered image: refused by the agent before any boot, the anchor hears why
  const initramfs = join(imageDir, SIGNED_IMAGE_FILES.initramfs)
  const bytes = await readFile(initramfs)
  bytes[0]! ^= 1
  await writeFile(initramfs, bytes)
  const before = booted.length
  await t.rejects(
    target!.bootRemote({ entry: '/ignored' }),
    { name: 'VerificationError', code: 'HOST_REFUSED', message: /HASH_MISMATCH/ },
    'the agent refuses a tampered image',
  )
  // an image signed by another key
  await signedVerificationImage(imageDir, generateSecretKey())
  await t.rejects(
    target!.bootRemote({ entry: '/ignored' }),
    { code: 'HOST_REFUSED', message: /WRONG_SIGNER/ },
    'and one signed by another key',
  )
  t.equal(booted.length, before, 'neither was booted')

  // a boot request from someone else than the anchor
  const forged = signBootRequest(
    {
      v: 1,
      session: 'ef'.repeat(16),
      location: LOCATION,
      vm: agentNode.peerId.toString(),
      notAfter: Date.now() + 60_000,
    },
    generateSecretKey(),
  )
  t.throws(
    () =>
      verifyBootRequest(forged, {
        anchorKey: anchor.publicKey,
        location: LOCATION,
        vm: agentNode.peerId.toString(),
      }),
    { code: 'BAD_SIGNATURE' },
  )
  await service.stop()
  await targets.stop()
})
