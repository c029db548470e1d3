import type { ClusterStatus, NodeStatus } from '../../protocol/index.js'
import type { NodeRegistry } from '../node-registry.js'

/** The figures of the cluster that are not per node. */
export type ClusterFigures = Omit<ClusterStatus, 'nodes' | 'running'>

/** The cluster as the dashboard and `argon status` show it: every node by name, plus the figures. */
export function clusterStatus(nodes: NodeRegistry, figures: ClusterFigures): ClusterStatus {
  const statuses: NodeStatus[] = []
  let running = 0
  for (const node of nodes.all()) {
    statuses.push(node.status(nodes.isDrained(node.name)))
    running += node.assigned.size
  }
  statuses.sort((a, b) => a.name.localeCompare(b.name))
  return { ...figures, nodes: statuses, running }
}
