/**
 * `vboom owner keygen|delegate|show-delegation|revoke` and `vboom ledger`
 * while the anchor runs, as processes: an owner key file of mode 0600 never
 * overwritten; a delegation the VM's agent can validate; its revocation
 * recorded by a running anchor (and reported as such a second time); ledger
 * queries answered through the running anchor's control socket, then from its
 * data dir once it stops; one-line errors that say what to do.
 */
import '../../src/polyfill.js'
import { mkdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import t from 'tap'
import { loadOwnerKey } from '../../src/cli/commands/owner.js'
import { AnchorLedgerClient } from '../../src/node/anchor-client.js'
import { validateDelegation } from '../../src/protocols/delegation.js'
import { buildSignedAction } from '../../src/protocols/ledger-action.js'
import { loadOrCreateKey } from '../../src/runtime/key-store.js'
import { clientNode } from '../anchor/net-helpers.js'
import { daemon, vboom } from './helpers.js'

/** The machine may be loaded: a CLI process starting libp2p gets two minutes. */
const SLOW = 120_000
/**
 * The test runs about twenty CLI processes, each paying the TypeScript loader's
 * start (up to ten seconds on a loaded machine): more than tap's default file budget.
 */
t.setTimeout(10 * 60_000)

const oneLine = (s: string): boolean => s.trim().split('\n').length === 1 && s.startsWith('vboom: ')

t.test(
  'an owner delegates, the anchor records its revocation, the ledger answers while it runs',
  async (t) => {
    const dir = t.testdir()
    const keyFile = join(dir, 'owner.key')

    // keygen: mode 0600, a public key printed, never overwritten.
    const gen = await vboom(['owner', 'keygen', '-o', keyFile], SLOW)
    t.equal(gen.code, 0, gen.stderr)
    const ownerKey = await loadOwnerKey(keyFile)
    const ownerHex = Buffer.from(ownerKey.publicKey).toString('hex')
    t.match(gen.stdout, ownerHex)
    t.equal((await stat(keyFile)).mode & 0o777, 0o600)
    const again = await vboom(['owner', 'keygen', '-o', keyFile], SLOW)
    t.not(again.code, 0)
    t.ok(oneLine(again.stderr), again.stderr)
    t.match(again.stderr, /already exists/)

    // delegate to an agent named by its data dir: the agent validates what it gets.
    const agentDir = join(dir, 'agent')
    await mkdir(agentDir)
    const agentKey = await loadOrCreateKey(agentDir)
    const delegationFile = join(dir, 'delegation.bin')
    const del = await vboom(
      [
        'owner',
        'delegate',
        '--owner-key',
        keyFile,
        '--agent-dir',
        agentDir,
        '--max-price',
        '2000000',
        '--min-gain',
        '5000',
        '--expires',
        '30d',
        '-o',
        delegationFile,
        '--json',
      ],
      SLOW,
    )
    t.equal(del.code, 0, del.stderr)
    const printed = JSON.parse(del.stdout) as { id: string; agentKey: string }
    const d = validateDelegation(await readFile(delegationFile), {
      atMs: Date.now(),
      agentKey: agentKey.publicKey.raw,
      ownerKey: ownerKey.publicKey,
    })
    t.same(d.limits, { maxPriceMicros: 2_000_000n, minGainMicros: 5_000n, mayAcceptPayment: false })
    t.equal(printed.id, Buffer.from(d.id).toString('hex'))
    t.ok(d.expiresAtMs > Date.now() + 29 * 86_400_000, 'valid for 30 days')
    const shown = await vboom(['owner', 'show-delegation', delegationFile], SLOW)
    t.match(
      shown.stdout,
      /pays at most 2000000 micro-credits per swap, needs a gain of at least 5000, may not be paid/,
    )

    for (const [what, args, pattern] of [
      ['two agents', ['--agent-dir', agentDir, '--agent-key', 'ab'], /exactly one of --agent-key/],
      ['bad expiry', ['--agent-dir', agentDir, '--expires', 'soon'], /neither a duration/],
      ['bad price', ['--agent-dir', agentDir, '--max-price', '-1'], /whole number of micro-credits/],
      ['too long', ['--agent-dir', agentDir, '--expires', '400d'], /at most 366 days/],
    ] as const) {
      const base = [
        'owner',
        'delegate',
        '--owner-key',
        keyFile,
        '--max-price',
        '1',
        '--min-gain',
        '0',
        '--expires',
        '1d',
      ]
      const r = await vboom([...base, ...args, '-o', join(dir, 'x.bin')], SLOW)
      t.not(r.code, 0, `${what}: non-zero exit`)
      t.ok(oneLine(r.stderr), `${what}: one line (${r.stderr.trim()})`)
      t.match(r.stderr, pattern)
    }

    // A running anchor; the owner registers with it over the network.
    const anchorDir = join(dir, 'anchor')
    const anchor = await daemon(
      t,
      ['anchor', '--data-dir', anchorDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--log-level', 'warn'],
      /anchor key \(agents' "anchorKey"\) [0-9a-f]{64}\n/,
      SLOW,
    )
    const addr = anchor.output().match(/(\/ip4\/\S+\/p2p\/\S+)/)![1]!
    const anchorKeyHex = anchor.output().match(/anchor key \(agents' "anchorKey"\) ([0-9a-f]{64})/)![1]!
    const node = await clientNode()
    t.teardown(() => node.stop())
    const client = new AnchorLedgerClient({
      node,
      anchor: multiaddr(addr),
      anchorKey: new Uint8Array(Buffer.from(anchorKeyHex, 'hex')),
    })
    await client.submit(
      buildSignedAction({ kind: 'owner-registered', owner: ownerKey.publicKey, name: 'owner' }, [ownerKey]),
    )

    const revokeArgs = [
      'owner',
      'revoke',
      '--owner-key',
      keyFile,
      '--delegation',
      delegationFile,
      '--anchor',
      addr,
    ]
    const revoked = await vboom([...revokeArgs, '--anchor-key', anchorKeyHex], SLOW)
    t.equal(revoked.code, 0, revoked.stderr)
    t.match(revoked.stdout, /revoked \(ledger entry #1\)/)
    const twice = await vboom(revokeArgs, SLOW)
    t.equal(twice.code, 0, twice.stderr)
    t.match(twice.stdout, /already revoked \(ledger entry #1\)/)
    t.same(await client.delegationStatus(await readFile(delegationFile)), { revoked: true, revokedAtSeq: 1n })

    // Someone else's key cannot revoke it.
    const otherKey = join(dir, 'other.key')
    await vboom(['owner', 'keygen', '-o', otherKey], SLOW)
    const wrong = await vboom(
      ['owner', 'revoke', '--owner-key', otherKey, '--delegation', delegationFile, '--anchor', addr],
      SLOW,
    )
    t.not(wrong.code, 0)
    t.ok(oneLine(wrong.stderr), wrong.stderr)
    t.match(wrong.stderr, /signed by owner .* not by the key in/)

    // The ledger while the anchor runs (its control socket), then stopped (its data dir): the same answers.
    const live = await vboom(['ledger', 'entries', '-d', anchorDir, '--json'], SLOW)
    t.equal(live.code, 0, live.stderr)
    t.same(
      (JSON.parse(live.stdout) as Array<{ kind: string }>).map((e) => e.kind),
      ['owner-registered', 'delegation-revoked'],
    )
    const status = await vboom(['ledger', 'delegation', ownerHex, printed.id, '-d', anchorDir], SLOW)
    t.equal(status.code, 0, status.stderr)
    t.match(status.stdout, /revoked at entry #1/)
    const balances = await vboom(['ledger', 'balances', '-d', anchorDir], SLOW)
    t.match(balances.stdout, /total received 0, total paid 0 micro-credits/)
    const unknown = await vboom(['ledger', 'owner', 'nowhere', '-d', anchorDir], SLOW)
    t.not(unknown.code, 0)
    t.ok(oneLine(unknown.stderr), unknown.stderr)
    t.match(unknown.stderr, /not in the ledger/)

    t.equal(await anchor.stop(), 0)
    const stopped = await vboom(['ledger', 'entries', '-d', anchorDir], SLOW)
    t.equal(stopped.code, 0, stopped.stderr)
    t.match(stopped.stdout, /#1 .* delegation [0-9a-f]{32} of owner [0-9a-f]{8} REVOKED/)
    const gone = await vboom(revokeArgs, SLOW)
    t.not(gone.code, 0, 'revoking with the anchor gone fails')
    t.ok(oneLine(gone.stderr), gone.stderr)
    t.match(gone.stderr, /cannot reach the anchor/)
  },
)
