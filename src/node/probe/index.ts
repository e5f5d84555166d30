/**
 * The probe (paper III-B): before offering a swap, A asks B to run
 * anchor-signed benchmarks with A's fresh nonce; B runs them in the sandbox
 * on its own disk and answers signed. A checks the answer (nonce, signer,
 * modules, signature) and then B's advert claims against the measurements,
 * and records the outcome in B's reputation. Network benchmarks push bytes
 * to A's bandwidth sink, so A sees the traffic behind B's figures.
 */
export { type AgentProbeInit, AgentProbeService, PROBE_SETUP_RETRY_MS } from './agent-probe-service.js'
export { BandwidthSink, type BandwidthSinkInit } from './bandwidth-sink.js'
export { ProbeClient, type ProbeClientInit, type ProbeOutcome } from './probe-client.js'
export { ProbeServer, type ProbeServerInit } from './probe-server.js'
