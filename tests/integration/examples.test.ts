/**
 * The README's examples, run verbatim (they are the files in examples/, and the lint step checks
 * that the README shows exactly those files) against a real manager and agent: TypeScript with
 * tsx as a user runs it, JavaScript with plain Node. Each must finish on its own, exit 0 and print
 * what its comments say.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT, runProcess } from '../helpers/processes.js'
import { startCluster } from './support.js'

const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs')
const example = (name: string) => join(ROOT, 'examples', name)

async function runExample(command: { script: string; args: string[] }, env: Record<string, string>) {
  // A bounded run: an example that never exits (an open connection) fails here.
  const result = await runProcess(command.script, command.args, { env, timeoutMs: 45_000 })
  expect(result.signal, `killed after 45 s (did it not exit?):\n${result.output}`).toBeNull()
  expect(result.code, result.output).toBe(0)
  return result.output
}

describe('README examples', () => {
  it('run verbatim against a real cluster and exit on their own', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'example-node', workers: 2 }] })
    const env = { ARGON_MANAGER: manager.address, ARGON_TOKEN: manager.token }

    const client = await runExample({ script: TSX, args: [example('client.ts')] }, env)
    expect(client).toContain('sum: 11')
    expect(client).toContain('finished yet: false')
    expect(client).toContain('deferred: 11')
    expect(client).toContain('map: 3/3')
    expect(client).toContain('squares: [ 1, 4, 9 ]') // an inner function, as tsx emits it
    expect(client).toContain('fib: 6765')
    expect(client).toContain('task failed on example-node: no such user: ada')
    expect(client).toMatch(/nodes: 1, queued: 0 \(limit none\), running: \d+/)

    const simple = await runExample({ script: TSX, args: [example('simple.ts')] }, env)
    expect(simple.trim()).toBe('false 28 true')
    const simpleList = await runExample({ script: example('simple-list.mjs'), args: [] }, env)
    expect(simpleList.trim()).toBe('false 30 true')

    const plain = await runExample({ script: example('plain.mjs'), args: [] }, env)
    expect(plain).toContain('lengths: [ 5, 7, 4 ]')
    expect(plain).toMatch(/ran on: \S+/)

    const embedded = await runExample({ script: TSX, args: [example('embed-manager.ts')] }, env)
    expect(embedded).toMatch(/listening on \d+; join with: ARGON_TOKEN=\S+ node-agent --join \S+:\d+/)
  })
})
