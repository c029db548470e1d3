import { describe, expect, it } from 'vitest'
import { ActivityLog } from '../../../manager/activity-log.js'
import { TaskOutputs } from '../../../manager/output/task-outputs.js'
import { MAX_TASK_OUTPUT_BYTES, type ClientOutputChunk } from '../../../protocol/index.js'

function outputs(maxPendingBytes?: number) {
  const owners = new Map([
    ['a-1', 'client-a'],
    ['a-2', 'client-a'],
    ['b-1', 'client-b'],
  ])
  const held = new Set(['node-1:a-1', 'node-1:a-2', 'node-1:b-1'])
  const delivered: { clientId: string; chunks: ClientOutputChunk[] }[] = []
  const store = new TaskOutputs({
    ownerOf: (id) => owners.get(id),
    holds: (nodeId, id) => held.has(`${nodeId}:${id}`),
    deliver: (clientId, chunks) => delivered.push({ clientId, chunks }),
    maxPendingBytes,
  })
  return { store, delivered }
}

describe('TaskOutputs', () => {
  it("sends each client its own tasks' output, one message per batch, and keeps it for the task's record", () => {
    const { store, delivered } = outputs()
    const refused = store.fromNode('node-1', 'alpha', [
      { id: 'a-1', pid: 10, stream: 'stdout', text: 'one\n' },
      { id: 'b-1', pid: 11, stream: 'stderr', text: 'two\n' },
      { id: 'a-2', pid: 10, stream: 'stdout', text: 'three\n' },
    ])
    expect(refused).toBe(0)
    expect(delivered).toEqual([
      {
        clientId: 'client-a',
        chunks: [
          { id: 'a-1', pid: 10, stream: 'stdout', text: 'one\n', node: 'alpha' },
          { id: 'a-2', pid: 10, stream: 'stdout', text: 'three\n', node: 'alpha' },
        ],
      },
      { clientId: 'client-b', chunks: [{ id: 'b-1', pid: 11, stream: 'stderr', text: 'two\n', node: 'alpha' }] },
    ])
    store.fromNode('node-1', 'alpha', [{ id: 'a-1', pid: 10, stream: 'stderr', text: 'four\n' }])
    expect(store.take('a-1')).toEqual({ text: 'one\nfour\n', bytes: 9 })
    expect(store.take('a-1')).toBeUndefined()
  })

  it('refuses output from a node that was not given the task, or for a task the manager does not hold', () => {
    const { store, delivered } = outputs()
    expect(
      store.fromNode('node-2', 'bravo', [
        { id: 'a-1', pid: 1, stream: 'stdout', text: 'forged\n' },
        { id: 'zzz', pid: 1, stream: 'stdout', text: 'unknown\n' },
      ]),
    ).toBe(2)
    expect(delivered).toEqual([])
    expect(store.take('a-1')).toBeUndefined()
  })

  it('bounds what it keeps per task and in all', () => {
    const { store } = outputs()
    const big = 'y'.repeat(40_000)
    for (let i = 0; i < 3; i++) store.fromNode('node-1', 'alpha', [{ id: 'a-1', pid: 1, stream: 'stdout', text: big }])
    const kept = store.take('a-1')!
    expect(kept.bytes).toBeLessThanOrEqual(MAX_TASK_OUTPUT_BYTES + 600)
    expect(kept.text.endsWith('[argon: more output than a task record keeps]\n')).toBe(true)

    const { store: small } = outputs(60_000)
    small.fromNode('node-1', 'alpha', [{ id: 'a-1', pid: 1, stream: 'stdout', text: big }])
    small.fromNode('node-1', 'alpha', [{ id: 'a-2', pid: 1, stream: 'stdout', text: big }])
    // Over the bound in all: the oldest task's output went.
    expect(small.take('a-1')).toBeUndefined()
    expect(small.take('a-2')?.bytes).toBe(40_000)
    expect(small.pendingBytes).toBe(0)
  })

  it('puts the output in the history record, and leaves it out of the live rows', () => {
    const { store } = outputs()
    const activity = new ActivityLog({ outputOf: (id) => store.take(id) })
    store.fromNode('node-1', 'alpha', [{ id: 'a-1', pid: 1, stream: 'stdout', text: 'héllo\n' }])
    activity.recordTask({ id: 'a-1', label: 'f', durationMs: 1, status: 'succeeded', finishedAt: 1, attempts: 1 })
    activity.recordTask({ id: 'a-2', label: 'f', durationMs: 1, status: 'succeeded', finishedAt: 2, attempts: 1 })
    const live = activity.tasks.toArray()
    expect(live[0]).toMatchObject({ id: 'a-1', outputBytes: 7 })
    expect(live[0]!.output).toBeUndefined()
    expect(live[1]!.outputBytes).toBeUndefined()
    expect(activity.history.query({ id: 'a-1' }).tasks[0]).not.toHaveProperty('output')
    expect(activity.history.query({ id: 'a-1', output: true }).tasks[0]).toMatchObject({
      output: 'héllo\n',
      outputBytes: 7,
    })
    activity.close()
  })
})
