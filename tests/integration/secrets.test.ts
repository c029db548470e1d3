/**
 * The token stays secret: it can come from a file on every command, the printed join command
 * passes it in the environment (never in argv), the agent's children do not inherit it, and it
 * is never logged.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  ARGON_BIN,
  NODE_AGENT_BIN,
  runArgon,
  runNodeAgent,
  startManager,
  startProcess,
  tempHome,
  type RunningProcess,
  managerFlags,
} from '../helpers/processes.js'
import { openClient, waitForStatus } from './support.js'

const TOKEN = 'file-token-0123456789abcdefghij'

function tokenFile(token = TOKEN): string {
  const path = join(tempHome(), 'token')
  writeFileSync(path, `${token}\n`, { mode: 0o600 })
  return path
}

/** Starts `argon manager` with exactly `args` (no --token) and reads its port back. */
async function startBareManager(args: string[]): Promise<RunningProcess & { port: number }> {
  const proc = startProcess(ARGON_BIN, ['manager', '--host', '127.0.0.1', '--port', '0', ...args], {
    ARGON_HOME: tempHome(),
  })
  const port = Number((await proc.waitFor(/listening on https?:\/\/\S+:(\d+)/))[1])
  return Object.assign(proc, { port })
}

describe('secrets', () => {
  it('--token-file works on the manager, the agent and the commands; a missing file or two sources are refused clearly', async () => {
    const file = tokenFile()
    const manager = await startBareManager(['--token-file', file])
    const address = `127.0.0.1:${manager.port}`

    const agent = startProcess(
      NODE_AGENT_BIN,
      ['--join', address, '--token-file', file, '--name', 'from-file', '--workers', '1'],
      { ARGON_HOME: tempHome() },
    )
    await agent.waitFor(/joined manager/)

    const nodes = await runArgon(['nodes', '--manager', address, '--token-file', file])
    expect(nodes.code, nodes.output).toBe(0)
    expect(nodes.output).toMatch(/^from-file\s+active/m)
    const drained = await runArgon(['drain', 'from-file', '--manager', address, '--token-file', file])
    expect(drained.code, drained.output).toBe(0)

    // The manager really uses the file's token: a client with it works, another is refused.
    await waitForStatus(openClient({ port: manager.port, token: TOKEN }), (status) =>
      expect(status.nodes).toHaveLength(1),
    )
    const wrong = await runArgon(['nodes', '--manager', address, '--token-file', tokenFile('not-the-token')])
    expect(wrong.code).toBe(4)
    expect(wrong.output).toContain('UNAUTHORIZED')

    const missing = await runArgon(['nodes', '--manager', address, '--token-file', '/nonexistent/argon-token'])
    expect(missing.code).not.toBe(0)
    expect(missing.output).toMatch(/cannot read the token file \/nonexistent\/argon-token: ENOENT/)
    const both = await runNodeAgent(['--join', address, '--token', TOKEN, '--token-file', file])
    expect(both.code).not.toBe(0)
    expect(both.output).toMatch(/--token or --token-file, not both/)
    const empty = join(tempHome(), 'empty')
    writeFileSync(empty, '\n')
    const emptyManager = await runArgon(['manager', '--host', '127.0.0.1', '--port', '0', '--token-file', empty])
    expect(emptyManager.code).not.toBe(0)
    expect(emptyManager.output).toMatch(/token file .* is empty/)
  })

  it("prints a join command that passes the token in the environment; run as printed, the token is not in the agent's argv", async () => {
    const manager = await startManager({ args: ['--tls'] })
    const printed = (await manager.waitFor(/^ {2}(ARGON_TOKEN=\S+ node-agent --join 127\.0\.0\.1:\d+ .*)$/m))[1]!
    expect(printed).toBe(
      `ARGON_TOKEN=${manager.token} node-agent --join 127.0.0.1:${manager.port} --fingerprint ${manager.fingerprint}`,
    )

    // Run it as a shell would: the assignment becomes the environment, the rest is argv.
    const [assignment, , ...args] = printed.split(' ')
    const token = assignment!.slice('ARGON_TOKEN='.length)
    const agent = startProcess(NODE_AGENT_BIN, [...args, '--name', 'as-printed', '--workers', '1'], {
      ARGON_HOME: tempHome(),
      ARGON_TOKEN: token,
    })
    await agent.waitFor(/joined manager \S+ over TLS/)
    const argv = readFileSync(`/proc/${agent.pid}/cmdline`, 'utf8').split('\0')
    expect(argv.join(' ')).not.toContain(manager.token)
    expect(argv).toContain('--fingerprint')
  })

  it("does not let the agent's children (where tasks run) inherit ARGON_TOKEN", async () => {
    const manager = await startManager()
    const agent = startProcess(NODE_AGENT_BIN, ['--join', manager.address, '--name', 'clean-env', '--workers', '1'], {
      ARGON_HOME: tempHome(),
      ARGON_TOKEN: manager.token,
    })
    await agent.waitFor(/joined manager/)
    const seen = await openClient(manager).process(
      () => ({ token: process.env.ARGON_TOKEN ?? null, node: process.env.ARGON_NODE_NAME ?? null }),
      [],
    )
    expect(seen).toEqual({ token: null, node: 'clean-env' })
  })

  it('never logs the token: only the start-up lines the operator reads carry it', async () => {
    const manager = await startManager({ args: ['--tls'] })
    await manager.waitFor(/^ {2}ARGON_TOKEN=/m)
    const agent = startProcess(
      NODE_AGENT_BIN,
      ['--join', manager.address, '--fingerprint', manager.fingerprint!, '--name', 'quiet', '--workers', '1'],
      {
        ARGON_HOME: tempHome(),
        ARGON_TOKEN: manager.token,
      },
    )
    await agent.waitFor(/joined manager/)
    const client = openClient(manager, { fingerprint: manager.fingerprint })
    await expect(client.process(() => 1, [])).resolves.toBe(1)
    // A failing task, a refused client and a drain all leave log lines.
    await expect(
      client.process(() => {
        throw new Error('boom')
      }, []),
    ).rejects.toThrow('boom')
    const refused = await runArgon([
      'nodes',
      '--manager',
      manager.address,
      '--token',
      'wrong-token',
      '--fingerprint',
      manager.fingerprint!,
    ])
    expect(refused.code).toBe(4)
    expect((await runArgon(['drain', 'quiet', ...managerFlags(manager, manager.fingerprint)])).code).toBe(0)
    agent.kill('SIGTERM')
    await agent.exited

    const carrying = manager
      .output()
      .split('\n')
      .filter((line) => line.includes(manager.token))
    expect(carrying.length).toBeGreaterThan(0)
    for (const line of carrying)
      expect(line).toMatch(/^(Dashboard: https:\/\/\S+\?token=|  ARGON_TOKEN=\S+ node-agent --join )/)
    expect(agent.output()).not.toContain(manager.token)
  })
})
