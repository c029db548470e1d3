/**
 * The network every multi-host test file uses: a manager host, three agent hosts and a client
 * host in 10.213.0.0/24. Built in beforeAll (after sweeping up what a killed run left), torn
 * down in afterAll whatever happened. Without root on Linux the files skip, saying why.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { removeProgramsOnPath } from './hosts.js'
import { createNetwork, networkUnavailableReason, removeLeftovers, type TestNetwork } from './network.js'

export const HOSTS = [
  { name: 'mgr', octet: 10 },
  { name: 'agent-1', octet: 21 },
  { name: 'agent-2', octet: 22 },
  { name: 'agent-3', octet: 23 },
  { name: 'client', octet: 30 },
]
export const AGENT_HOSTS = ['agent-1', 'agent-2', 'agent-3']

export const skipReason = networkUnavailableReason()
if (skipReason !== null) console.warn(`multi-host tests skipped: ${skipReason}`)

/** Sets up the network for this file; the getter is valid inside tests. */
export function useTestNetwork(): () => TestNetwork {
  let network: TestNetwork | undefined
  beforeAll(() => {
    if (skipReason !== null) return
    const removed = removeLeftovers()
    if (removed.length > 0) console.warn(`removed namespaces left by an earlier run: ${removed.join(', ')}`)
    network = createNetwork(HOSTS)
  })
  afterAll(() => {
    network?.destroy()
    removeProgramsOnPath()
  })
  return () => {
    if (!network) throw new Error('the test network is not set up')
    return network
  }
}

/** What the client driver's `settle` gives for each task of a batch. */
export type RunOutcome =
  { ok: true; value: { tag: string; node: string } } | { ok: false; code: string; message: string }

/** A fresh folder per call for the tasks' marker files, removed after each test. */
export function useRunDirs(): () => string {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'argon-mh-runs-'))
    dirs.push(dir)
    return dir
  }
}
