/**
 * The leave's quiet step: the Linux platform asks the agent to quiet itself
 * once kexec is known to work and before the kexec load (the heavy part:
 * the kernel reads, hashes and copies the stateless image), never before a
 * refusal; the agent then stops its network and market, and a leave that
 * fails after that (a refused load) brings them back and says what to do.
 * The machine is replaced (nothing is loaded or rebooted); the agent runs a
 * real libp2p node on loopback.
 */
import '../../src/polyfill.js'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { signImageDir } from '../../src/linux/boot-image/sign-dir.js'
import { SIGNED_IMAGE_FILES } from '../../src/linux/boot-image/signature.js'
import { KexecUnavailableCode, KexecUnavailableError } from '../../src/linux/errors.js'
import { loadFailure } from '../../src/linux/kexec/loader.js'
import type { MachineActions } from '../../src/linux/machine/actions.js'
import { realMachine } from '../../src/linux/machine/actions.js'
import { LinuxPlatform } from '../../src/linux/platform.js'
import { Agent } from '../../src/node/agent.js'
import { parseAgentConfig } from '../../src/node/config.js'
import { LifecycleError, LifecycleErrorCode } from '../../src/node/lifecycle/index.js'
import type { LeaveHooks } from '../../src/node/platform/platform.js'
import { generateSigningKeyPair } from '../../src/protocols/signing.js'
import { createLogger } from '../../src/runtime/log.js'
import { CLS } from '../node/fixtures/market-sides.js'
import { RecordingPlatform } from '../node/fixtures/recording-platform.js'
import {
  fakeStateDir,
  fakeSys,
  fakeVboomDisk,
  pendingSwapParams,
  signedVerificationImage,
  tempDir,
} from './helpers.js'

/** A running-mode platform on a fake disk whose record holds a pending swap; the machine's kexec recorded. */
async function runningPlatform(t: Test, o: { disabled?: boolean; anchorKey?: Uint8Array }) {
  const dir = await tempDir(t)
  const d = await fakeVboomDisk(dir)
  const stateDir = await fakeStateDir(dir)
  const sysRoot = await fakeSys(dir, { uuid: '0b3f9c1e-5d2a-4f7e-9a61-2c8d4e6f1a20' })
  // the record is written as the stateless side writes it (no network capture from the test host)
  const writer = await LinuxPlatform.open({ mode: 'stateless', disk: d.path, stateDir, sysRoot })
  await writer.storeBootParams(pendingSwapParams())
  const calls: string[] = []
  const machine: MachineActions = {
    ...realMachine,
    probeKexec: async () => {
      calls.push('probe')
      return { built: true, disabled: o.disabled === true, lockdown: 'none', root: true }
    },
    findKexecTool: async () => ({ kind: 'vboom-kexec', path: '/usr/local/lib/vboom/vboom-kexec' }),
    loadKexec: async () => {
      calls.push('load')
      throw loadFailure(12, 'kexec_file_load: errno=12 (Cannot allocate memory)', 'none')
    },
    unloadKexec: async () => {
      calls.push('unload')
    },
    sync: async () => undefined,
    reboot: async () => {
      calls.push('reboot')
      throw new Error('the machine rebooted')
    },
  }
  const platform = await LinuxPlatform.open({
    mode: 'running',
    disk: d.path,
    stateDir,
    sysRoot,
    machine,
    runDir: join(dir, 'run'),
    ...(o.anchorKey === undefined ? {} : { anchorKey: o.anchorKey }),
  })
  const hooks: LeaveHooks = {
    quiet: async () => {
      calls.push('quiet')
    },
  }
  return { dir, d, platform, calls, hooks }
}

t.test('the platform quiets the agent after the kexec checks and before the load', async (t) => {
  const { d, platform, calls, hooks } = await runningPlatform(t, {})
  const err = await platform.rebootStateless(hooks).catch((e: unknown) => e)
  t.type(err, KexecUnavailableError, "a refused load is the platform's typed error")
  t.equal((err as KexecUnavailableError).code, KexecUnavailableCode.LOAD_FAILED, 'naming the load')
  t.same(calls, ['probe', 'quiet', 'load'], 'checked, quieted, then loaded; no reboot')
  t.same((await readFile(d.path)).subarray(0, 4096), d.bootArea, 'sector 0 is not redirected')
})

t.test('a machine that cannot kexec is refused before the agent is quieted', async (t) => {
  const { platform, calls, hooks } = await runningPlatform(t, { disabled: true })
  await t.rejects(
    platform.rebootStateless(hooks),
    { code: KexecUnavailableCode.DISABLED },
    'kexec is disabled',
  )
  t.same(calls, ['probe'], 'the agent was never quieted')
})

t.test(
  'the verification boot quiets the agent after the image and kexec checks, before the load',
  async (t) => {
    const anchor = generateSigningKeyPair()
    const { dir, platform, calls, hooks } = await runningPlatform(t, { anchorKey: anchor.publicKey })
    const good = await signedVerificationImage(join(dir, 'image'), anchor.secretKey)
    await t.rejects(
      platform.bootRemote({ entry: good }, hooks),
      { code: KexecUnavailableCode.LOAD_FAILED },
      "a refused load is the platform's typed error",
    )
    t.same(calls, ['probe', 'quiet', 'load'], 'checked, quieted, then loaded')
    calls.length = 0
    const foreign = await signedVerificationImage(join(dir, 'foreign'), generateSigningKeyPair().secretKey)
    await t.rejects(
      platform.bootRemote({ entry: foreign }, hooks),
      { code: 'WRONG_SIGNER' },
      'a foreign image',
    )
    t.same(calls, [], 'refused before kexec was probed or the agent quieted')
  },
)

/**
 * A platform whose leave quiets the agent, then fails as a refused kexec load
 * does (or refuses before); the rest is the agent tests' recording platform.
 */
class FailingLeavePlatform extends RecordingPlatform {
  /** Whether the agent's libp2p node ran when the platform would have loaded the image. */
  readonly nodeRunningAtLoad: boolean[] = []
  constructor(
    hostDir: string,
    private readonly refuseBeforeQuiet: boolean,
    private readonly agent: () => Agent,
  ) {
    super('dmi-uuid:leave-quiet-test', hostDir)
  }
  override async rebootStateless(hooks: LeaveHooks = {}): Promise<never> {
    if (this.refuseBeforeQuiet)
      throw new KexecUnavailableError(KexecUnavailableCode.NOT_ROOT, 'kexec needs root; nothing was changed')
    await hooks.quiet?.()
    this.nodeRunningAtLoad.push(this.agent().host.status === 'started')
    throw loadFailure(12, 'kexec_file_load: errno=12 (Cannot allocate memory)', 'none')
  }
}

async function agentOn(t: Test, refuseBeforeQuiet: boolean, name = 'vm') {
  const dir = join(t.testdir(), name)
  await mkdir(join(dir, 'host', 'scratch'), { recursive: true })
  let agent: Agent | null = null
  const platform = new FailingLeavePlatform(join(dir, 'host'), refuseBeforeQuiet, () => agent!)
  const config = parseAgentConfig({
    instanceClass: CLS,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    profiler: { enabled: false },
    needsMode: 'config',
    needs: { cpu: 0.5 },
  })
  agent = await Agent.create({ dataDir: join(dir, 'agent'), config, log: createLogger('silent'), platform })
  await agent.start()
  t.teardown(() => agent!.stop())
  return { agent, platform }
}

t.test('a leave that fails after the quiet brings the agent back and says what to do', async (t) => {
  const { agent, platform } = await agentOn(t, false)
  const topicsBefore = agent.host.services.pubsub!.getTopics()
  t.ok(topicsBefore.length > 0, 'the agent gossips its class topic before the leave')
  const err = await agent.rebootStateless().catch((e: unknown) => e)
  t.same(platform.nodeRunningAtLoad, [false], 'the libp2p node was stopped when the image would load')
  t.type(err, LifecycleError, 'a typed lifecycle error')
  t.equal((err as LifecycleError).code, LifecycleErrorCode.LEAVE_FAILED, 'LEAVE_FAILED')
  t.equal(
    ((err as LifecycleError).cause as KexecUnavailableError).code,
    KexecUnavailableCode.LOAD_FAILED,
    "the platform's error is its cause",
  )
  t.match((err as Error).message, /restart the agent/, 'saying what to do')
  t.equal(agent.host.status, 'started', 'the libp2p node runs again')
  t.ok(agent.host.getMultiaddrs().length > 0, 'listening')
  t.same(agent.host.services.pubsub!.getTopics(), topicsBefore, 'gossiping its class topic again')
  // a second agent reaches it: the node answers, not just reports itself started
  const other = await agentOn(t, false, 'other-vm')
  await other.agent.host.dial(agent.host.getMultiaddrs()[0]!)
  t.ok(other.agent.host.getConnections(agent.peerId).length > 0, 'another node connects to it')
})

t.test('the verification boot hooks stop the agent, and wake it when the boot failed', async (t) => {
  const { agent } = await agentOn(t, false)
  const hooks = agent.verificationBootHooks()
  await hooks.wake()
  t.equal(agent.host.status, 'started', 'waking an agent never quieted changes nothing')
  await hooks.quiet()
  t.equal(agent.host.status, 'stopped', 'quiet: the libp2p node is stopped')
  await hooks.wake()
  t.equal(agent.host.status, 'started', 'woken: it runs again')
  t.ok(agent.host.getMultiaddrs().length > 0, 'listening')
})

t.test('a refusal before the quiet is the platform’s error, the agent untouched', async (t) => {
  const { agent, platform } = await agentOn(t, true)
  await t.rejects(
    agent.rebootStateless(),
    { code: KexecUnavailableCode.NOT_ROOT },
    'as the platform threw it',
  )
  t.same(platform.nodeRunningAtLoad, [], 'the platform never got to the load')
  t.equal(agent.host.status, 'started', 'the node never stopped')
})
