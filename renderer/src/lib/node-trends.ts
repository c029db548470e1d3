import type { NodeStatus } from '../../../protocol/cluster.js'

/** How far back a card's sparklines reach. */
export const TREND_WINDOW_MS = 5 * 60 * 1000
/** One sample a second at most, whatever the update rate. */
const SAMPLE_EVERY_MS = 1000

/** One node's recent figures, oldest first (mutated in place; a version number tells views). */
export interface NodeTrend {
  at: number[]
  tasksPerSecond: number[]
  cpu: number[]
  memoryBytes: number[]
}

/**
 * Per-node history for the cards' sparklines, built from the status updates the dashboard
 * already receives (the manager keeps no per-node history). Keyed by node id.
 */
export class NodeTrends {
  readonly #trends = new Map<string, NodeTrend>()

  get(id: string): NodeTrend | undefined {
    return this.#trends.get(id)
  }

  /** Adds a sample per node (at most one a second); returns true when anything was added. */
  add(nodes: readonly NodeStatus[], now: number): boolean {
    let added = false
    const seen = new Set<string>()
    for (const node of nodes) {
      seen.add(node.id)
      let trend = this.#trends.get(node.id)
      if (trend === undefined) {
        trend = { at: [], tasksPerSecond: [], cpu: [], memoryBytes: [] }
        this.#trends.set(node.id, trend)
      }
      const last = trend.at[trend.at.length - 1]
      if (last !== undefined && now - last < SAMPLE_EVERY_MS) continue
      const online = node.state !== 'offline'
      trend.at.push(now)
      trend.tasksPerSecond.push(online ? node.tasksPerSecond : 0)
      trend.cpu.push(online ? node.cpu : 0)
      trend.memoryBytes.push(online ? node.memoryBytes : 0)
      let drop = 0
      while (drop < trend.at.length && trend.at[drop]! < now - TREND_WINDOW_MS) drop++
      if (drop > 0) {
        trend.at.splice(0, drop)
        trend.tasksPerSecond.splice(0, drop)
        trend.cpu.splice(0, drop)
        trend.memoryBytes.splice(0, drop)
      }
      added = true
    }
    // Dismissed nodes take their history with them.
    for (const id of this.#trends.keys()) if (!seen.has(id)) this.#trends.delete(id)
    return added
  }

  clear(): void {
    this.#trends.clear()
  }
}
