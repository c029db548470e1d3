/**
 * Starting and stopping the programs: bad flags are refused by name, SIGTERM is graceful.
 */
import { describe, expect, it } from 'vitest'
import { runArgon, runNodeAgent, startAgent, startManager, startStandaloneAgent } from '../helpers/processes.js'
import { fixture, markerDir, openClient, waitForFiles, waitForStatus, withTimeout, type WhereRan } from './support.js'

describe('command-line flags', () => {
  it('refuses node-agent --workers abc, naming the flag', async () => {
    const result = await runNodeAgent(['--join', '127.0.0.1:1', '--token', 't', '--workers', 'abc'])
    expect(result.code).not.toBe(0)
    expect(result.code).not.toBeNull()
    expect(result.output).toMatch(/workers/)
    expect(result.output).not.toMatch(/joined manager/)
  })

  it('refuses node-agent --workers 0, naming the flag', async () => {
    const result = await runNodeAgent(['--join', '127.0.0.1:1', '--token', 't', '--workers', '0'])
    expect(result.code).not.toBe(0)
    expect(result.code).not.toBeNull()
    expect(result.output).toMatch(/workers/)
  })

  it('refuses node-agent --join nonsense, naming the flag', async () => {
    const result = await runNodeAgent(['--join', 'nonsense', '--token', 't', '--workers', '1'])
    expect(result.code).not.toBe(0)
    expect(result.code).not.toBeNull()
    expect(result.output).toMatch(/join/)
  })

  it('refuses argon manager --port with a non-number, naming the flag', async () => {
    const result = await runArgon(['manager', '--host', '127.0.0.1', '--port', 'abc', '--token', 't'])
    expect(result.code).not.toBe(0)
    expect(result.code).not.toBeNull()
    expect(result.output).toMatch(/port/)
    expect(result.output).not.toMatch(/listening on/)
  })

  it('prints help for argon and node-agent', async () => {
    const argon = await runArgon(['--help'])
    expect(argon.code).toBe(0)
    for (const command of ['manager', 'nodes', 'drain', 'resume']) expect(argon.output).toContain(command)
    const agent = await runNodeAgent(['--help'])
    expect(agent.code).toBe(0)
    for (const flag of ['--join', '--token', '--workers', '--name']) expect(agent.output).toContain(flag)
  })
})

describe('graceful stop', () => {
  it('lets an agent finish its running tasks on SIGTERM, then exit 0', async () => {
    const manager = await startManager()
    const agent = await startAgent(manager, { name: 'alpha', workers: 2 })
    const client = openClient(manager)
    const dir = markerDir()

    const running = [
      client.process(fixture('markAndSleep'), [dir, 'one', 1000]),
      client.process(fixture('markAndSleep'), [dir, 'two', 1000]),
    ]
    await waitForFiles(dir, 2)
    agent.kill('SIGTERM')

    // No other agent exists: had the agent dropped them, they would wait forever in the queue.
    const results = (await withTimeout(Promise.all(running), 15_000, 'the running tasks')) as (WhereRan & {
      tag: string
    })[]
    expect(results.map((result) => result.tag)).toEqual(['one', 'two'])
    expect(results.every((result) => result.node === 'alpha')).toBe(true)

    const exit = await withTimeout(agent.exited, 15_000, 'the agent to exit')
    expect(exit).toEqual({ code: 0, signal: null })
    await waitForStatus(client, (s) => expect(s.nodes.find((node) => node.name === 'alpha')?.state).toBe('offline'))
  })

  // Sent the moment the program says it is up, as a supervisor may: the handler must already be there.
  it('stops the manager on SIGTERM with exit code 0', async () => {
    const manager = await startManager()
    manager.kill('SIGTERM')
    expect(await withTimeout(manager.exited, 15_000, 'the manager to exit')).toEqual({ code: 0, signal: null })
  })

  it('stops an idle stand-alone agent on SIGTERM with exit code 0', async () => {
    const agent = await startStandaloneAgent()
    agent.kill('SIGTERM')
    expect(await withTimeout(agent.exited, 15_000, 'the agent to exit')).toEqual({ code: 0, signal: null })
  })
})
