/**
 * The manager's task history, from `argon tasks` and the control socket: a failure stays
 * findable after thousands of later tasks, filters and paging work, bad queries are refused.
 */
import { io } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { NAMESPACES, PROTOCOL_VERSION, SOCKET_PATHS, type TaskRecord } from '../../protocol/index.js'
import { runArgon, startAgent, startManager, type StartedManager } from '../helpers/processes.js'
import { openClient } from './support.js'

function control(manager: StartedManager): string[] {
  return ['--manager', manager.address, '--token', manager.token]
}

async function tasksJson(manager: StartedManager, args: string[]): Promise<TaskRecord[]> {
  const result = await runArgon(['tasks', ...args, ...control(manager), '--json'])
  expect(result.code, result.output).toBe(0)
  return JSON.parse(result.output.slice(result.output.indexOf('['))) as TaskRecord[]
}

describe('task history', () => {
  it('keeps a failure findable after 5,000 later tasks, and filters by node, function and id', async () => {
    const manager = await startManager({ args: ['--task-history', '500', '--failure-history', '50'] })
    await startAgent(manager, { name: 'alpha', workers: 2 })
    const client = openClient(manager)
    const failure = await client
      .process(
        (row: number) => {
          throw new RangeError(`row ${row} is out of range`)
        },
        [7],
      )
      .then(
        () => null,
        (error: unknown) => error,
      )
    expect(failure).not.toBeNull()
    const results = await client.map(
      (x: number) => x + 1,
      Array.from({ length: 5000 }, (_, i) => [i]),
      { concurrency: 500 },
    )
    expect(results).toHaveLength(5000)

    const failed = await tasksJson(manager, ['--failed'])
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({
      status: 'failed',
      node: 'alpha',
      error: { code: 'TASK_FAILED', message: 'row 7 is out of range', remoteName: 'RangeError' },
    })

    // The recent store holds the newest 500; the failure is still there, merged in at its place.
    const everything = await tasksJson(manager, ['--all'])
    expect(everything).toHaveLength(501)
    expect(everything[500]!.id).toBe(failed[0]!.id)

    expect(await tasksJson(manager, ['--node', 'alpha', '--limit', '7'])).toHaveLength(7)
    expect(await tasksJson(manager, ['--node', 'nobody'])).toEqual([])
    expect(await tasksJson(manager, ['--function', 'RangeError'])).toHaveLength(1)
    expect(await tasksJson(manager, ['--id', failed[0]!.id])).toHaveLength(1)
    expect(await tasksJson(manager, ['--status', 'succeeded', '--limit', '3'])).toHaveLength(3)

    const table = await runArgon(['tasks', '--failed', ...control(manager)])
    expect(table.code, table.output).toBe(0)
    expect(table.output).toMatch(/STATUS/)
    expect(table.output).toContain('row 7 is out of range')
  })

  it('refuses a malformed query with BAD_REQUEST and keeps serving', async () => {
    const manager = await startManager()
    const socket = io(`http://${manager.address}${NAMESPACES.control}`, {
      path: SOCKET_PATHS.control,
      transports: ['websocket'],
      auth: { token: manager.token, protocol: PROTOCOL_VERSION },
      reconnection: false,
    })
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve())
        socket.once('connect_error', reject)
      })
      const bad: unknown = await socket.timeout(5000).emitWithAck('tasks:query', { limit: -3, status: ['exploded'] })
      expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
      const good: unknown = await socket.timeout(5000).emitWithAck('tasks:query', { limit: 5 })
      expect(good).toMatchObject({ ok: true, value: { tasks: [], next: null } })
    } finally {
      socket.close()
    }
    const usage = await runArgon(['tasks', '--status', 'exploded', ...control(manager)])
    expect(usage.code).not.toBe(0)
  })
})
