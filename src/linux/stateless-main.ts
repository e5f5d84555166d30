#!/usr/bin/env node
/**
 * The stateless image's process entry (bundled into the initramfs by
 * `vboom image build`, started by its /init). stateless/run.ts does the
 * work; this file gives it the swap lifecycle's stateless side,
 * `runStatelessSwap` (src/node/lifecycle/), the same code the testnet
 * hosts' stateless system runs.
 */
import '../polyfill.js'
import { runStatelessSwap } from '../node/lifecycle/stateless-swap.js'
import { runStatelessImage } from './stateless/run.js'

process.exitCode = await runStatelessImage({ runSwap: runStatelessSwap })
