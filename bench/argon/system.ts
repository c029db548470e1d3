/**
 * Argon itself: the real `argon manager` and one real `node-agent` (the built programs in dist/),
 * each in its own process, and the client library in this process.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client } from '../../client/index.js'
import { spawnNode, type SpawnedProcess } from '../harness/processes.js'
import type { System } from '../harness/system.js'
import { add, cpu10ms, rotate } from '../harness/task-functions.js'

// Compiled to dist-bench/bench/argon/, so the repository root is three levels up.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const ARGON_BIN = join(ROOT, 'dist/cli/argon.js')
const NODE_AGENT_BIN = join(ROOT, 'dist/node-agent/cli.js')
const TOKEN = 'bench-token-0123456789abcdef'

export interface ArgonOptions {
  /**
   * Write V8 CPU profiles of the manager and the agent into this folder (written when they exit
   * on SIGTERM; the agent's children inherit the flag but are killed, so theirs are not written).
   */
  profileDir?: string
}

/** Creates the Argon system. */
export function createArgon(options: ArgonOptions = {}): System {
  let manager: SpawnedProcess | undefined
  let agent: SpawnedProcess | undefined
  let client: Client | undefined
  let home: string | undefined

  const profile = options.profileDir
  const nodeArgs = profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : []

  return {
    name: 'Argon',
    description:
      'client library (this process) → argon manager → one node-agent --workers N → its child processes; function shipped as source',
    async start(workers) {
      // A fresh ARGON_HOME so the bench never reads or writes the user's own token file.
      home = mkdtempSync(join(tmpdir(), 'argon-bench-'))
      manager = spawnNode(
        'argon manager',
        ARGON_BIN,
        ['manager', '--host', '127.0.0.1', '--port', '0', '--token', TOKEN],
        {
          env: { ARGON_HOME: home },
          nodeArgs,
        },
      )
      const port = Number((await manager.waitFor(/listening on http:\/\/[^\s:]+:(\d+)/))[1])
      agent = spawnNode(
        'node-agent',
        NODE_AGENT_BIN,
        ['--join', `127.0.0.1:${port}`, '--token', TOKEN, '--name', 'bench-agent', '--workers', String(workers)],
        { env: { ARGON_HOME: home }, nodeArgs },
      )
      await agent.waitFor(/joined manager/)
      client = new Client({ host: '127.0.0.1', port, token: TOKEN })
    },
    call: (x, y) => client!.process(add, [x, y]),
    cpu10ms: () => client!.process(cpu10ms, []),
    rotate: (text) => client!.process(rotate, [text]),
    // The agent's forked children run the tasks.
    isWorkerRole: (role) => role === 'node-agent children',
    async stop() {
      await client?.close()
      client = undefined
      // Agent first, so the manager does not spend the shutdown rescheduling its tasks.
      await agent?.stop()
      await manager?.stop()
      agent = manager = undefined
      if (home) rmSync(home, { recursive: true, force: true })
      home = undefined
    },
  }
}
