/**
 * The manager's task history, from `argon tasks` and the control socket: a failure stays
 * findable after thousands of later tasks, filters and paging work, bad queries are refused.
 */
import { io } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { NAMESPACES, PROTOCOL_VERSION, SOCKET_PATHS } from '../../protocol/index.js'
import { runArgon, startAgent, startManager, managerFlags } from '../helpers/processes.js'
import { failureUnderLaterTasks, openClient } from '../helpers/clients.js'
import { taskHistory } from '../helpers/cluster-cli.js'

describe('task history', () => {
  it('keeps a failure findable after 5,000 later tasks, and filters by node, function and id', async () => {
    const manager = await startManager({ args: ['--task-history', '500', '--failure-history', '50'] })
    await startAgent(manager, { name: 'alpha', workers: 2 })
    const client = openClient(manager)
    const { failure, results } = await failureUnderLaterTasks(client, 5000)
    expect(failure).not.toBeNull()
    expect(results).toHaveLength(5000)

    const failed = await taskHistory(manager, ['--failed'])
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({
      status: 'failed',
      node: 'alpha',
      error: { code: 'TASK_FAILED', message: 'row 7 is out of range', remoteName: 'RangeError' },
    })

    // The recent store holds the newest 500; the failure is still there, merged in at its place.
    const everything = await taskHistory(manager, ['--all'])
    expect(everything).toHaveLength(501)
    expect(everything[500]!.id).toBe(failed[0]!.id)

    expect(await taskHistory(manager, ['--node', 'alpha', '--limit', '7'])).toHaveLength(7)
    expect(await taskHistory(manager, ['--node', 'nobody'])).toEqual([])
    expect(await taskHistory(manager, ['--function', 'RangeError'])).toHaveLength(1)
    expect(await taskHistory(manager, ['--id', failed[0]!.id])).toHaveLength(1)
    expect(await taskHistory(manager, ['--status', 'succeeded', '--limit', '3'])).toHaveLength(3)

    const table = await runArgon(['tasks', '--failed', ...managerFlags(manager)])
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
    const usage = await runArgon(['tasks', '--status', 'exploded', ...managerFlags(manager)])
    expect(usage.code).not.toBe(0)
  })
})
