/**
 * The cluster at a glance, for the tray icon's tooltip and menu. Pure: no 'electron' import.
 */
import type { ClusterStatus } from '../protocol/cluster.js'

export interface ClusterSummary {
  /** Nodes in rotation. */
  activeNodes: number
  /** Every node the manager knows, offline ones included. */
  totalNodes: number
  /** Worker slots running a task, over connected nodes. */
  busySlots: number
  /** Worker slots of connected nodes (offline nodes have none to offer). */
  totalSlots: number
  queued: number
  /** null when the queue is unbounded. */
  queueLimit: number | null
}

/** Counts from a `manager.status()` snapshot. */
export function summarizeCluster(status: ClusterStatus): ClusterSummary {
  let activeNodes = 0
  let busySlots = 0
  let totalSlots = 0
  for (const node of status.nodes) {
    if (node.state === 'active') activeNodes += 1
    if (node.state !== 'offline') {
      busySlots += node.busy
      totalSlots += node.workers
    }
  }
  return {
    activeNodes,
    totalNodes: status.nodes.length,
    busySlots,
    totalSlots,
    queued: status.queued,
    queueLimit: status.queueLimit,
  }
}

/** Menu lines, e.g. `Nodes: 2 active / 3 total`, `Slots: 5 busy / 8 total`, `Queue: 12 / 1000`. */
export function summaryLines(summary: ClusterSummary): string[] {
  const queue = summary.queueLimit === null ? `${summary.queued}` : `${summary.queued} / ${summary.queueLimit}`
  return [
    `Nodes: ${summary.activeNodes} active / ${summary.totalNodes} total`,
    `Slots: ${summary.busySlots} busy / ${summary.totalSlots} total`,
    `Queue: ${queue}`,
  ]
}

/** One-line tooltip, e.g. `Argon on :8000 — nodes 2/3 · slots 5/8 busy · queue 12`. */
export function summaryTooltip(summary: ClusterSummary, port: number): string {
  return (
    `Argon on :${port} — nodes ${summary.activeNodes}/${summary.totalNodes}` +
    ` · slots ${summary.busySlots}/${summary.totalSlots} busy · queue ${summary.queued}`
  )
}
