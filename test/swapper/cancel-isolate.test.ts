/** Agents in their own processes are cancelled over IPC (agent-main.ts), as `vboom swap-images` does on SIGINT. */
import '../../src/polyfill.js'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { cancelledAt, setup, staging } from './cancel-helpers.js'
import { sha256File } from './helpers.js'

t.test(
  'agents in their own processes are cancelled over IPC: nothing changed, no staging left',
  async (t) => {
    const s = await setup(t)
    const { err, fired } = await cancelledAt(s.pa, s.pb, 'a', staging, {
      isolate: true,
      workDir: s.work,
      stateDirA: s.state.a,
      stateDirB: s.state.b,
    })
    t.ok(fired, 'cancelled once A was staging')
    t.equal(err?.name, 'SwapCancelledError')
    t.equal(err?.code, 'SWAP_CANCELLED')
    t.equal(await sha256File(s.pa), s.ha)
    t.equal(await sha256File(s.pb), s.hb)
    t.notOk(existsSync(join(s.state.a, 'staging.bin')) || existsSync(join(s.state.b, 'staging.bin')))
    t.notOk(existsSync(s.work))
  },
)
