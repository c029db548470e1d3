/**
 * A node-agent on its own (no manager): clients connect to it directly.
 */
import { describe, expect, it } from 'vitest'
import { TaskError } from '../../client/index.js'
import { startStandaloneAgent } from '../helpers/processes.js'
import { expectCode, fixture, openClient, type WhereRan } from './support.js'

describe('stand-alone agent', () => {
  it('runs tasks for a client that connects to it directly', async () => {
    const agent = await startStandaloneAgent({ name: 'solo', workers: 2 })
    const client = openClient(agent)

    await expect(client.process((a: number, b: number) => a * b, [6, 7])).resolves.toBe(42)
    await expect(client.process(fixture('fib'), [15])).resolves.toBe(610)
    const values = await Promise.all(Array.from({ length: 10 }, (_, i) => client.process(fixture('busy'), [20, i])))
    expect(values).toEqual(Array.from({ length: 10 }, (_, i) => i))

    const where = await client.process<[], WhereRan>(fixture('whoami'), [])
    expect(where.node).toBe('solo')
    expect(where.ppid).toBe(agent.pid)

    const error = await expectCode(client.process(fixture('fail'), ['solo failure']), 'TASK_FAILED')
    expect(error).toBeInstanceOf(TaskError)
    expect((error as TaskError).remoteName).toBe('FixtureError')
    expect(error.message).toBe('solo failure')

    await expectCode(client.process(fixture('sleep'), [10_000], { timeout: 200 }), 'TASK_TIMEOUT')
    await expect(client.process(fixture('fib'), [10])).resolves.toBe(55)
  })

  it('refuses a client with a wrong token', async () => {
    const agent = await startStandaloneAgent()
    const client = openClient({ port: agent.port, token: 'not-the-token' })
    await expectCode(client.process(fixture('fib'), [5]), 'UNAUTHORIZED')
  })
})
