/**
 * What the programs tell a person, asserted by exit code and by the words a user reads: what
 * happened (reached the manager or not, refused why) and what to do next.
 */
import { readFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  ROOT,
  runArgon,
  runNodeAgent,
  startAgent,
  startManager,
  startProcess,
  NODE_AGENT_BIN,
  tempHome,
} from '../helpers/processes.js'

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version

/** A port nothing listens on (bound, read, released). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('--version', () => {
  it('is answered by argon, argon worker and node-agent', async () => {
    for (const run of [runArgon(['--version']), runArgon(['worker', '--version']), runNodeAgent(['--version'])]) {
      const result = await run
      expect(result.code, result.output).toBe(0)
      expect(result.output.trim()).toBe(VERSION)
    }
  })
})

describe('argon nodes', () => {
  it('says it reached the manager and the token was refused (exit 4)', async () => {
    const manager = await startManager()
    const result = await runArgon(['nodes', '--manager', manager.address, '--token', 'not-the-token'])
    expect(result.code).toBe(4)
    expect(result.output).toMatch(/UNAUTHORIZED/)
    expect(result.output).toMatch(/reached the manager at 127\.0\.0\.1:\d+; it refused the token/)
    expect(result.output).toMatch(/--token or ARGON_TOKEN/)
    expect(result.output).not.toMatch(/cannot reach/)
  })

  it('says when nothing answers, and how to start or point to a manager (exit 1)', async () => {
    const port = await closedPort()
    const result = await runArgon(['nodes', '--manager', `127.0.0.1:${port}`, '--token', 't'])
    expect(result.code).toBe(1)
    expect(result.output).toMatch(/cannot reach the manager at 127\.0\.0\.1:\d+ \(connect ECONNREFUSED/)
    expect(result.output).toMatch(/argon manager.*--manager HOST:PORT/)
  })

  it('on an empty cluster says how to add a node', async () => {
    const manager = await startManager()
    const result = await runArgon(['nodes', '--manager', manager.address, '--token', manager.token])
    expect(result.code).toBe(0)
    expect(result.output).toMatch(/No nodes have joined/)
    expect(result.output).toContain(`node-agent --join ${manager.address}`)
    expect(result.output).not.toMatch(/^NAME\s+STATE/m)
  })
})

describe('argon manager', () => {
  it('on a port in use says so and what to do (exit 1)', async () => {
    const first = await startManager()
    const result = await runArgon(['manager', '--host', '127.0.0.1', '--port', String(first.port), '--token', 't'])
    expect(result.code).toBe(1)
    expect(result.output).toMatch(new RegExp(`port ${first.port} is already in use`))
    expect(result.output).toMatch(/use --port N, or stop the other manager/)
    expect(result.output).not.toMatch(/^\s+at /m)
  })

  it('shows sizes in help as written (16m)', async () => {
    const result = await runArgon(['manager', '--help'])
    expect(result.code).toBe(0)
    expect(result.output).toMatch(/--max-payload[\s\S]*default: 16m/)
    expect(result.output).not.toContain('16777216')
    expect(result.output).toMatch(/--quiet/)
    expect(result.output).toMatch(/--log-format/)
  })

  it('--quiet prints where it listens and nothing else; --log-format json writes JSON lines', async () => {
    const quiet = await startManager({ args: ['--quiet'] })
    // Served a request after the line it waited for: anything it would log by then is printed.
    expect((await fetch(`http://127.0.0.1:${quiet.port}/health`)).status).toBe(200)
    expect(quiet.output().trim().split('\n')).toEqual([
      expect.stringMatching(/listening on http:\/\/127\.0\.0\.1:\d+$/),
    ])

    const json = await startManager({ args: ['--log-format', 'json'] })
    // The log is on stderr and the banner on stdout: two pipes, either may arrive first.
    await json.waitFor(/^\{"level".*\}$/m)
    const logged = json
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
    expect(logged.length).toBeGreaterThan(0)
    for (const line of logged)
      expect(JSON.parse(line)).toMatchObject({ level: expect.any(Number) as number, msg: expect.any(String) as string })
  })
})

describe('node-agent', () => {
  it('waiting for its manager logs every attempt with the next delay', async () => {
    const port = await closedPort()
    const agent = startProcess(
      NODE_AGENT_BIN,
      ['--join', `127.0.0.1:${port}`, '--token', 't', '--workers', '1', '--name', 'waiting', '--log-format', 'pretty'],
      { ARGON_HOME: tempHome() },
    )
    await agent.waitFor(/attempt 3 failed, next in about 1\.0 s/, 15_000)
    expect(agent.output()).toMatch(
      /cannot reach manager 127\.0\.0\.1:\d+ \(connect ECONNREFUSED[^)]*\); attempt 1 failed, next in about 0\.25 s/,
    )
    expect(agent.output()).toMatch(/attempt 2 failed, next in about 0\.50 s/)
    expect(agent.output()).toMatch(/INFO/)
  })

  it('with a wrong token says the manager refused the token, exits 2, and prints no stack trace', async () => {
    const manager = await startManager()
    // The stack trace was a race between the agent's exit and its children starting: try a few.
    const agents = await Promise.all(
      ['one', 'two', 'three'].map(async (name) => {
        const agent = await startAgent(
          { address: manager.address, token: 'not-the-token' },
          { name, workers: 2, wait: false },
        )
        return { agent, exit: await agent.exited }
      }),
    )
    for (const { agent, exit } of agents) {
      expect(exit.code, agent.output()).toBe(2)
      expect(agent.output()).toMatch(/reached the manager at 127\.0\.0\.1:\d+; it refused the token \(UNAUTHORIZED\)/)
      expect(agent.output()).not.toMatch(/ERR_IPC_CHANNEL_CLOSED|^\s+at /m)
    }
  })

  it('refuses a node name longer than any frame carries (exit 1)', async () => {
    const result = await runNodeAgent(['--port', '0', '--token', 't', '--workers', '1', '--name', 'n'.repeat(257)])
    expect(result.code).toBe(1)
    expect(result.output).toMatch(
      /option '--name <name>' argument '.*' is invalid\. a node name must be 1 to 256 characters; got 257/,
    )
  })

  it('stand-alone on a port in use says so and what to do (exit 1, as the manager)', async () => {
    const manager = await startManager()
    const result = await runNodeAgent([
      '--host',
      '127.0.0.1',
      '--port',
      String(manager.port),
      '--token',
      't',
      '--workers',
      '1',
    ])
    expect(result.code).toBe(1)
    expect(result.output).toMatch(new RegExp(`port ${manager.port} is already in use.*use --port N`))
  })
})
