/**
 * Task code writing forged output messages straight to its child's frame pipe (fd 4): the agent
 * drops what is malformed with a warning and keeps serving, joined to a manager or stand-alone;
 * the task's honest output still reaches its client. A message of a kind no child sends stops the
 * child: its task gets WORKER_LOST instead of holding its slot.
 */
import { fileURLToPath } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import type { TaskOutput } from '../../client/index.js'
import { startAgent, startManager, startStandaloneAgent, type RunningProcess } from '../helpers/processes.js'
import { openClient } from './support.js'

const WAIT = { timeout: 15_000, interval: 50 }

/** The module task that forges output messages (see the module). */
const FIXTURE = fileURLToPath(new URL('../fixtures/forged-output-tasks.mjs', import.meta.url))
const FORGE = { module: FIXTURE, export: 'forgeOutput' }
const UNKNOWN_KIND = { module: FIXTURE, export: 'forgeUnknownKind' }

async function expectAgentSurvives(agent: RunningProcess, target: { port: number; token: string }): Promise<void> {
  const output: TaskOutput[] = []
  const client = openClient(target, { taskOutput: (chunk) => output.push(chunk) })
  await expect(client.process<[], string>(FORGE, [], { timeout: 10_000 })).resolves.toBe('forged')
  await agent.waitFor(/sent 1 malformed task output chunk/)
  await agent.waitFor(/task output that is not a list/)
  // Still serving, on the same child (one worker).
  await expect(client.process((a: number, b: number) => a + b, [2, 3])).resolves.toBe(5)
  await expect(client.process<[], string>(FORGE, [], { timeout: 10_000 })).resolves.toBe('forged')
  await expect(client.process((a: number, b: number) => a * b, [6, 7])).resolves.toBe(42)
  await vi.waitFor(() => expect(output.map((chunk) => chunk.text).join('')).toContain('honest line\n'), WAIT)
  expect(agent.child.exitCode).toBeNull()
  expect(agent.child.signalCode).toBeNull()
  expect(agent.output()).not.toMatch(/uncaught|TypeError/i)
}

describe('forged task output on the frame pipe', () => {
  it('does not bring down a joined agent', async () => {
    const manager = await startManager()
    const agent = await startAgent(manager, { name: 'victim', workers: 1 })
    await expectAgentSurvives(agent, manager)
  })

  it('does not bring down a stand-alone agent', async () => {
    const agent = await startStandaloneAgent({ name: 'solo', workers: 1 })
    await expectAgentSurvives(agent, agent)
  })

  it('stops a child that writes a message of an unknown kind: its task fails WORKER_LOST and the slot serves again', async () => {
    const manager = await startManager()
    const agent = await startAgent(manager, { name: 'victim', workers: 1 })
    const client = openClient(manager)
    // Each attempt is stopped the same way; the manager gives up after its attempts.
    await expect(client.process<[], string>(UNKNOWN_KIND, [])).rejects.toMatchObject({ code: 'WORKER_LOST' })
    await agent.waitFor(/sent a message of unknown kind 99 on its pipe; it is stopped/)
    await expect(client.process((a: number, b: number) => a + b, [2, 3])).resolves.toBe(5)
    expect(agent.child.exitCode).toBeNull()
  })
})
