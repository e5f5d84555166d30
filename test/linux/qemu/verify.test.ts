/**
 * The anchor verifies a real Linux VM under qemu (TCG) through `bootRemote`
 * (VBOOM_QEMU_FULL=1; skipped otherwise, the full run takes minutes):
 * 1. `vboom image build` makes the stateless image (for the VM's reserve and
 *    its kexec helper) and `vboom image build --verification --anchor-dir`
 *    the anchor's verification image, signed by the anchor;
 * 2. an anchor runs in this process on the host (the guest reaches it as
 *    10.0.2.2), its ledger naming the owner, the location (the slot's DMI
 *    UUID) and the VM's agent key;
 * 3. the VM boots its own disk and runs the agent's verification service
 *    (fixtures/verify-agent-main.ts), connected to the anchor;
 * 4. the owner asks the anchor to verify; the VM's image is signed by
 *    another key: the agent refuses before any kexec, the anchor answers
 *    HOST_REFUSED and the VM stays up;
 * 5. the owner asks again (the VM now has the anchor's signature): the VM
 *    kexecs into the verification image, which restores the network, dials
 *    the anchor, checks it by its key, runs the suite on the VM's disk and
 *    reboots into the VM's disk when the anchor is done; the anchor signs an
 *    attestation of this location and this VM;
 * 6. the VM's own system is back; the image's log is in the reserve.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import t from 'tap'
import { AnchorNode } from '../../../src/anchor/anchor-node.js'
import { loadOrCreateAnchorKey } from '../../../src/anchor/key.js'
import { Ledger } from '../../../src/anchor/ledger/index.js'
import { SIGNED_IMAGE_FILES, signBootImage } from '../../../src/linux/boot-image/signature.js'
import {
  DEFAULT_VERIFY_TIMEOUT_MS,
  MAX_VERIFY_RESPONSE_BYTES,
  VERIFY_PROTOCOL,
} from '../../../src/protocols/anchor-constants.js'
import { decodeAttestation, peerIdOfKey, SignedAttestation } from '../../../src/protocols/attestation.js'
import { signControlRequest } from '../../../src/protocols/control-request.js'
import { buildSignedAction, type InstanceClass } from '../../../src/protocols/ledger-action.js'
import { VerifyRequest, VerifyResponse } from '../../../src/protocols/proto/anchor.js'
import { rpcCall } from '../../../src/protocols/rpc.js'
import { generateSecretKey, generateSigningKeyPair } from '../../../src/protocols/signing.js'
import { freePort } from '../../../src/runtime/free-port.js'
import { createNode } from '../../../src/runtime/libp2p-host.js'
import { createLogger } from '../../../src/runtime/log.js'
import { vboom } from '../../cli/helpers.js'
import { HOST_FROM_GUEST } from './anchor.js'
import { CACHE, debianKernel, qemuSkipReason } from './env.js'
import { buildStatelessImage, bundleFixture, listStateDir, readStateFile } from './harness.js'
import { QemuVm } from './qemu.js'
import { buildVmDisk, GUEST_KERNEL_ARGS } from './vm-disk.js'

const skip =
  (await qemuSkipReason()) ??
  (process.env.VBOOM_QEMU_FULL === '1'
    ? null
    : 'the qemu verification run takes minutes: set VBOOM_QEMU_FULL=1 to run it')
if (skip !== null) {
  t.plan(0, skip)
  process.exit(0)
}

t.setTimeout(1_200_000)
/** Where the VM keeps the anchor's verification image (vboom agent's --verification-image default). */
const IMAGE_ON_VM = 'var/lib/vboom/verification'

t.test(
  'the anchor verifies a VM: it kexecs into the signed image, which attests and boots the VM again',
  async (t) => {
    await mkdir(CACHE, { recursive: true })
    const dir = await mkdtemp(join(CACHE, 'verify-'))
    let vm: QemuVm | null = null
    let anchor: AnchorNode | null = null
    const owner = { node: null as Awaited<ReturnType<typeof createNode>> | null }
    t.teardown(async () => {
      await vm?.stop()
      await owner.node?.stop()
      await anchor?.stop()
      if (process.env.VBOOM_QEMU_KEEP === '1') t.comment(`kept ${dir}`)
      else await rm(dir, { recursive: true, force: true })
    })
    const timings: Record<string, number> = {}
    const since = (t0: number): number => Math.round(Date.now() - t0)
    const kernel = await debianKernel()

    // the anchor's key first: the verification image is built to answer it
    const anchorDir = join(dir, 'anchor')
    const anchorKey = await loadOrCreateAnchorKey(anchorDir)
    let t0 = Date.now()
    const stateless = await buildStatelessImage(kernel, join(dir, 'stateless'))
    timings.statelessBuild = since(t0)
    t0 = Date.now()
    const vImageDir = join(dir, 'verification')
    const built = await vboom(
      [
        'image',
        'build',
        '--verification',
        '--anchor-dir',
        anchorDir,
        '--out',
        vImageDir,
        '--kernel',
        kernel.kernel,
        '--modules',
        kernel.modulesDir,
        '--cmdline',
        `console=ttyS0,115200 panic=30 quiet ${GUEST_KERNEL_ARGS}`,
        '--json',
      ],
      600_000,
    )
    timings.verificationBuild = since(t0)
    t.equal(built.code, 0, `vboom image build --verification succeeded ${built.stderr}`)
    const report = JSON.parse(built.stdout) as {
      flavour: string
      totalMs: number
      signedUntil: string
      initramfs: { bytes: number; rawBytes: number }
      kernel: { bytes: number }
    }
    t.equal(report.flavour, 'verification', 'the verification flavour was built')
    t.ok(Date.parse(report.signedUntil) > Date.now(), 'and signed by the anchor')
    t.comment(
      `verification image: initramfs ${(report.initramfs.bytes / 2 ** 20).toFixed(1)} MiB zstd (${(report.initramfs.rawBytes / 2 ** 20).toFixed(1)} MiB raw), kernel ${(report.kernel.bytes / 2 ** 20).toFixed(1)} MiB, built in ${(report.totalMs / 1000).toFixed(1)} s`,
    )

    // the ledger: the owner, and the location with the VM's agent key
    const uuid = randomUUID()
    const location = `dmi-uuid:${uuid}`
    const ownerKeys = generateSigningKeyPair()
    const agentKeys = generateSigningKeyPair()
    const cls: InstanceClass = { vcpus: 1, memoryBytes: 1n << 30n, diskBytes: 1n << 30n }
    const ledger = await Ledger.open({ dir: join(anchorDir, 'ledger'), anchorKey })
    try {
      await ledger.append(
        buildSignedAction({ kind: 'owner-registered', owner: ownerKeys.publicKey, name: 'owner' }, [
          ownerKeys,
        ]),
      )
      await ledger.append(
        buildSignedAction(
          {
            kind: 'location-registered',
            location,
            owner: ownerKeys.publicKey,
            vm: agentKeys.publicKey,
            instanceClass: cls,
          },
          [ownerKeys],
        ),
      )
    } finally {
      await ledger.close()
    }
    const port = await freePort()
    anchor = await AnchorNode.create({
      dataDir: anchorDir,
      listen: [`/ip4/127.0.0.1/tcp/${port}`],
      addressScope: 'lan',
      log: createLogger(process.env.VBOOM_QEMU_LOG === '1' ? 'info' : 'warn'),
    })
    await anchor.start()
    const guestAnchor = `/ip4/${HOST_FROM_GUEST}/tcp/${port}/p2p/${anchor.peerId.toString()}`

    // the VM's copy of the image carries a signature by another key at first
    const vImage = {
      kernel: await readFile(join(vImageDir, SIGNED_IMAGE_FILES.kernel)),
      initramfs: await readFile(join(vImageDir, SIGNED_IMAGE_FILES.initramfs)),
      cmdline: (await readFile(join(vImageDir, SIGNED_IMAGE_FILES.cmdline), 'utf8')).trim(),
    }
    const foreign = signBootImage(vImage, {
      purpose: 'verification',
      notAfter: Date.now() + 3_600_000,
      secretKey: generateSecretKey(),
    })
    const goodSig = join(dir, 'good.sig.json')
    await writeFile(goodSig, await readFile(join(vImageDir, SIGNED_IMAGE_FILES.signature)))
    t0 = Date.now()
    const disk = await buildVmDisk({
      out: join(dir, 'slot-a.raw'),
      name: 'vm-alpha',
      kernel,
      image: { kernel: stateless.kernel, initramfs: stateless.initramfs, cmdline: stateless.cmdline },
      program: await bundleFixture('verify-agent-main.ts'),
      kexecHelper: stateless.kexecHelper,
      // node, the image and the benchmarks' files (128 MiB in the reserve) fit
      rootMiB: 320,
      reserveStateMiB: 320,
      extra: [
        {
          path: `${IMAGE_ON_VM}/${SIGNED_IMAGE_FILES.kernel}`,
          from: join(vImageDir, SIGNED_IMAGE_FILES.kernel),
        },
        {
          path: `${IMAGE_ON_VM}/${SIGNED_IMAGE_FILES.initramfs}`,
          from: join(vImageDir, SIGNED_IMAGE_FILES.initramfs),
        },
        {
          path: `${IMAGE_ON_VM}/${SIGNED_IMAGE_FILES.cmdline}`,
          from: join(vImageDir, SIGNED_IMAGE_FILES.cmdline),
        },
        {
          path: `${IMAGE_ON_VM}/${SIGNED_IMAGE_FILES.signature}`,
          data: Buffer.from(JSON.stringify(foreign)),
        },
        { path: `${IMAGE_ON_VM}.good.sig.json`, from: goodSig },
        {
          path: 'vboom/verify.json',
          data: Buffer.from(
            JSON.stringify({
              anchorKey: Buffer.from(anchorKey.publicKey).toString('hex'),
              anchorAddrs: [guestAnchor],
              agentSeed: Buffer.from(agentKeys.secretKey).toString('hex'),
              imageDir: `/${IMAGE_ON_VM}`,
              goodSignature: `/${IMAGE_ON_VM}.good.sig.json`,
            }),
          ),
        },
      ],
    })
    timings.diskBuild = since(t0)

    vm = new QemuVm({
      name: 'alpha',
      disk: disk.path,
      dir,
      slot: {
        uuid,
        peerMac: '52:54:00:00:02:0a',
        hostMac: '52:54:00:00:02:1a',
        link: { mode: 'listen', port: await freePort() },
        oem: 'vboom.peer-ip=10.0.0.1/24',
      },
    })
    vm.start()
    const ready = await vm.waitFor(/VBOOM-VERIFY-AGENT ready location=(\S+) peer=(\S+)/, 240_000)
    timings.normalBootToAgent = ready.atMs
    t.equal(ready.match[1], location, "the agent's location is the slot's DMI UUID")
    t.equal(ready.match[2], peerIdOfKey(agentKeys.publicKey), "its peer id is the VM's agent key")

    // the owner asks the anchor, over the network as `vboom` would
    owner.node = await createNode({
      privateKey: await generateKeyPair('Ed25519'),
      listen: [],
      traffic: 'market',
    })
    const askAnchor = async (): Promise<VerifyResponse> =>
      VerifyResponse.decode(
        await rpcCall(
          owner.node!,
          multiaddr(`/ip4/127.0.0.1/tcp/${port}/p2p/${anchor!.peerId.toString()}`),
          VERIFY_PROTOCOL,
          VerifyRequest.encode({
            control: signControlRequest(
              { location, action: 'boot-verification-image', anchorKey: anchorKey.publicKey },
              ownerKeys,
            ),
            vm: peerIdFromString(peerIdOfKey(agentKeys.publicKey)).toMultihash().bytes,
          }),
          { maxResponseBytes: MAX_VERIFY_RESPONSE_BYTES, timeoutMs: DEFAULT_VERIFY_TIMEOUT_MS },
        ),
      )

    // an image the anchor did not sign: refused before any kexec, the VM stays up
    const refused = await askAnchor()
    t.equal(refused.failure?.code, 'HOST_REFUSED', 'the anchor reports that the host refused')
    t.match(refused.failure?.message ?? '', /WRONG_SIGNER/, 'because the image is signed by another key')
    const repaired = await vm.waitFor(/VBOOM-VERIFY-AGENT repaired/, 60_000, ready.end)
    t.notOk(/VBOOM-VERIFY-INIT/.test(await vm.serial()), 'no verification image was booted')
    t.match(await vm.qmp('query-status'), { status: 'running' }, 'the VM runs on')

    // the anchor's own image
    t0 = Date.now()
    const verified = await askAnchor()
    timings.verification = since(t0)
    t.equal(verified.failure, undefined, `the verification succeeded ${verified.failure?.message ?? ''}`)
    const att = decodeAttestation(SignedAttestation.encode(verified.attestation!), anchorKey.publicKey)
    t.equal(att.location, location, "the attestation is about this location (the slot's DMI UUID)")
    t.equal(att.vm, peerIdOfKey(agentKeys.publicKey), 'and this VM')
    t.ok(
      att.measurements.length >= 1,
      `with measurements: ${att.measurements.map((m) => `${m.name}=${m.value.toFixed(1)} ${m.unit}`).join(', ')}`,
    )
    t.ok(att.expiresAtMs > Date.now(), 'still valid')

    const serial = (await vm.serial()).slice(repaired.end)
    t.match(serial, /VBOOM-VERIFY-INIT start/, "the VM kexec'd into the verification image")
    // the image prints its last line after the anchor has its results: wait for it on the serial console
    const done = await vm
      .waitFor(/VBOOM-VERIFY-IMAGE done runs=(\d+)/, 120_000, repaired.end)
      .catch(() => null)
    t.equal(done?.match[1], '1', 'which ran the suite once and saw the anchor done')
    // the VM's own system again
    const back = await vm.waitFor(/VBOOM-NORMAL vm=(\S+) uuid=(\S+)/, 240_000, repaired.end)
    timings.verifyToNormal = back.atMs - ready.atMs
    t.equal(back.match[1], 'vm-alpha', "the VM's own system booted again from its disk")
    const again = await vm.waitFor(/VBOOM-VERIFY-AGENT ready location=(\S+)/, 120_000, back.end)
    t.equal(again.match[1], location, 'and its agent is back at the same location')
    await vm.stop()
    vm = null

    const logs = await listStateDir(disk.path, disk.layout, 'log')
    t.ok(
      logs.some((n) => n.startsWith('verification-')),
      "the image's log is in the reserve for the owner",
    )
    const initLog = (await readStateFile(disk.path, disk.layout, 'log/init.log')).toString('utf8')
    t.match(initLog, /verification image done \(rc=0\)/, '/init recorded a clean end')
    t.same(
      await listStateDir(disk.path, disk.layout, 'verify'),
      [],
      'the session file was taken and the scratch files removed',
    )
    t.comment(`timings (ms): ${JSON.stringify(timings)}`)
  },
)
