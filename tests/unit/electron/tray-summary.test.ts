import { describe, expect, it } from 'vitest'
import type { ClusterStatus, NodeStatus } from '../../../protocol/cluster.js'
import { summarizeCluster, summaryLines, summaryTooltip } from '../../../electron/tray-summary.js'

function node(name: string, state: NodeStatus['state'], workers: number, busy: number): NodeStatus {
  return {
    id: name,
    name,
    host: '10.0.0.1',
    workers,
    busy,
    assigned: busy,
    running: busy,
    waiting: 0,
    estimateMs: 0,
    stolen: 0,
    state,
    drained: state === 'draining',
    completed: 0,
    failed: 0,
    tasksPerSecond: 0,
    avgTaskMs: 0,
    cpu: 0,
    memoryBytes: 0,
    uptimeSeconds: 0,
    workerBusy: Array.from({ length: workers }, (_, i) => i < busy),
    lastSeenAt: 0,
    version: '0.1.0',
  }
}

function status(nodes: NodeStatus[], queued: number, queueLimit: number | null): ClusterStatus {
  return { nodes, queued, queueLimit, running: 0, clients: 0, completed: 0, failed: 0, rejected: 0 }
}

describe('tray summary', () => {
  it('counts active nodes, busy slots of connected nodes and the queue', () => {
    const summary = summarizeCluster(
      status([node('a', 'active', 4, 3), node('b', 'draining', 2, 1), node('c', 'offline', 8, 0)], 12, 1000),
    )
    expect(summary).toEqual({
      activeNodes: 1,
      totalNodes: 3,
      busySlots: 4,
      totalSlots: 6,
      queued: 12,
      queueLimit: 1000,
    })
    expect(summaryLines(summary)).toEqual(['Nodes: 1 active / 3 total', 'Slots: 4 busy / 6 total', 'Queue: 12 / 1000'])
    expect(summaryTooltip(summary, 8000)).toBe('Argon on :8000 — nodes 1/3 · slots 4/6 busy · queue 12')
  })

  it('shows an empty cluster with an unbounded queue', () => {
    const summary = summarizeCluster(status([], 0, null))
    expect(summaryLines(summary)).toEqual(['Nodes: 0 active / 0 total', 'Slots: 0 busy / 0 total', 'Queue: 0'])
  })
})
