#!/usr/bin/env node
/**
 * The stateless image's process entry (bundled into the initramfs by
 * `vboom image build`, started by its /init). stateless/run.ts does the
 * work; this file only passes it the swap lifecycle's runner, which is
 * `runStatelessSwap` of src/node/lifecycle once that exists: the one place
 * to connect it. Until then a pending swap powers the machine off, with the
 * record and the disk untouched.
 */
import '../polyfill.js'
import { runStatelessImage } from './stateless/run.js'

process.exitCode = await runStatelessImage({ runSwap: null })
