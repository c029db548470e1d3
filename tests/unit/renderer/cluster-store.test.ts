import { describe, expect, it } from 'vitest'
import type { ClusterEvent } from '../../../protocol/cluster.js'
import { ClusterStore, MAX_EVENTS, MAX_TASKS } from '../../../renderer/src/lib/cluster-store.svelte.js'
import { makeMetrics, makeNode, makeStatus, makeTask, makeUpdate } from './fixtures.js'

const T0 = 1_700_000_000_000

function event(seq: number, kind: ClusterEvent['kind'] = 'node-joined', node = 'node-1'): ClusterEvent {
  return { seq, at: T0 + seq, kind, node, message: `${kind} ${seq}` }
}

describe('ClusterStore', () => {
  it('starts empty: nothing of a cluster before the first update', () => {
    const store = new ClusterStore()
    expect(store.status).toBeNull()
    expect(store.summary).toBeNull()
    expect(store.nodes).toEqual([])
  })

  it('takes the first update as a snapshot: events, tasks and chart history', () => {
    const store = new ClusterStore()
    store.applyUpdate(
      makeUpdate([makeNode({ name: 'a' })], {
        first: true,
        at: T0,
        events: [event(1), event(3), event(2)],
        tasks: [makeTask('t1', { finishedAt: T0 - 10 }), makeTask('t2', { finishedAt: T0 - 5 })],
      }),
    )
    expect(store.events.map((e) => e.seq)).toEqual([3, 2, 1])
    expect(store.tasks.map((t) => t.id)).toEqual(['t2', 't1'])
    // Two history points plus the update's own metrics.
    expect(store.series.length).toBe(3)
    expect(store.joinCommands).toEqual(['ARGON_TOKEN=t node-agent --join 10.0.0.1:8000 --fingerprint sha256:ab12'])
  })

  it('appends later updates, newest first, and bumps the chart only for a new point', () => {
    const store = new ClusterStore()
    store.applyUpdate(makeUpdate([], { first: true, at: T0, events: [event(1)] }))
    const version = store.seriesVersion
    store.applyUpdate(makeUpdate([], { at: T0 + 250, events: [event(2), event(3)], tasks: [makeTask('t9')] }))
    expect(store.events.map((e) => e.seq)).toEqual([3, 2, 1])
    expect(store.tasks.map((t) => t.id)).toEqual(['t9'])
    expect(store.seriesVersion).toBe(version + 1)
    store.applyUpdate(makeUpdate([], { at: T0 + 250 }))
    expect(store.seriesVersion).toBe(version + 1)
    expect(store.series.at.at(-1)).toBe((T0 + 250) / 1000)
  })

  it('replaces, not duplicates, the recent history after a reconnect', () => {
    const store = new ClusterStore()
    store.applyUpdate(makeUpdate([], { first: true, events: [event(1), event(2)] }))
    store.applyUpdate(makeUpdate([], { first: true, events: [event(1), event(2)] }))
    expect(store.events.map((e) => e.seq)).toEqual([2, 1])
  })

  it('keeps the log and the task table bounded', () => {
    const store = new ClusterStore()
    store.applyUpdate(makeUpdate([], { first: true }))
    for (let batch = 0; batch < 4; batch += 1) {
      const events = Array.from({ length: 200 }, (_, i) => event(batch * 200 + i + 1))
      const tasks = Array.from({ length: 100 }, (_, i) =>
        makeTask(`b${batch}-${i}`, { finishedAt: T0 + batch * 1000 + i }),
      )
      store.applyUpdate(makeUpdate([], { at: T0 + (batch + 1) * 250, events, tasks }))
    }
    expect(store.events).toHaveLength(MAX_EVENTS)
    expect(store.events[0]?.seq).toBe(800)
    expect(store.tasks).toHaveLength(MAX_TASKS)
    expect(store.tasks[0]?.id).toBe('b3-99')
  })

  it('splits connected nodes into zones by drained, and offline ones into their own group', () => {
    const store = new ClusterStore()
    store.applyUpdate(
      makeUpdate([
        makeNode({ name: 'a' }),
        makeNode({ name: 'b', state: 'draining', drained: true }),
        makeNode({ name: 'c', state: 'offline', drained: false }),
        makeNode({ name: 'd', state: 'offline', drained: true }),
      ]),
    )
    expect(store.zones.in.map((n) => n.name)).toEqual(['a'])
    expect(store.zones.out.map((n) => n.name)).toEqual(['b'])
    expect(store.zones.offline.map((n) => n.name)).toEqual(['c', 'd'])
  })

  it('moves a card at once on a drop, and settles when the manager agrees', () => {
    const store = new ClusterStore()
    store.applyUpdate(makeUpdate([makeNode({ name: 'a' })], { first: true }))
    store.beginMove('a', 'out')
    expect(store.zones.out.map((n) => n.name)).toEqual(['a'])
    // An update computed before the drain does not snap the card back.
    store.applyUpdate(makeUpdate([makeNode({ name: 'a' })], { at: T0 + 250 }))
    expect(store.zones.out.map((n) => n.name)).toEqual(['a'])
    store.applyUpdate(makeUpdate([makeNode({ name: 'a', state: 'draining', drained: true })], { at: T0 + 500 }))
    expect(store.pendingMoves.size).toBe(0)
    expect(store.zones.out.map((n) => n.name)).toEqual(['a'])
  })

  it('puts a card back when the manager refuses the move', () => {
    const store = new ClusterStore()
    store.applyUpdate(makeUpdate([makeNode({ name: 'a' })], { first: true }))
    store.beginMove('a', 'out')
    store.endMove('a')
    expect(store.zones.in.map((n) => n.name)).toEqual(['a'])
  })

  it('applies the node an ack returns, and drops a dismissed node', () => {
    const store = new ClusterStore()
    store.applyUpdate(makeUpdate([makeNode({ name: 'a' }), makeNode({ name: 'b', state: 'offline' })], { first: true }))
    store.beginMove('a', 'out')
    store.replaceNode(makeNode({ name: 'a', state: 'draining', drained: true }))
    expect(store.pendingMoves.size).toBe(0)
    expect(store.zones.out.map((n) => n.name)).toEqual(['a'])
    store.removeNode('b')
    expect(store.nodes.map((n) => n.name)).toEqual(['a'])
  })

  it('sums the cluster at a glance over connected nodes', () => {
    const store = new ClusterStore()
    store.applyUpdate(
      makeUpdate([], {
        first: true,
        status: makeStatus(
          [
            makeNode({ name: 'a', workers: 4, busy: 3 }),
            makeNode({ name: 'b', workers: 2, busy: 1, state: 'draining', drained: true }),
            makeNode({ name: 'c', workers: 8, busy: 0, state: 'offline' }),
          ],
          { queued: 42, queueLimit: null, clients: 3, failed: 5, rejected: 1 },
        ),
        metrics: makeMetrics(T0, { tasksPerSecond: 123.4, p50Ms: 3, p99Ms: 90 }),
      }),
    )
    expect(store.summary).toMatchObject({
      nodesTotal: 3,
      nodesActive: 1,
      nodesDraining: 1,
      nodesOffline: 1,
      slotsBusy: 4,
      slotsTotal: 6,
      queued: 42,
      queueLimit: null,
      tasksPerSecond: 123.4,
      p50Ms: 3,
      p99Ms: 90,
      failed: 5,
      rejected: 1,
      clients: 3,
    })
  })

  it('forgets everything on clear (token refused or signed out)', () => {
    const store = new ClusterStore()
    store.applyUpdate(makeUpdate([makeNode()], { first: true, events: [event(1)], tasks: [makeTask('t')] }))
    store.clear()
    expect(store.status).toBeNull()
    expect(store.events).toEqual([])
    expect(store.tasks).toEqual([])
    expect(store.joinCommands).toEqual([])
    expect(store.series.length).toBe(0)
  })
})
