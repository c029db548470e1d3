import type { NodeStatus } from '../../../protocol/cluster.js'

/** The two rotation zones of the node map. */
export type Zone = 'in' | 'out'

/** What a card shows, and its `data-state`: draining = connected and out of rotation. */
export type CardState = 'active' | 'draining' | 'offline'

/**
 * A node is out of rotation exactly when an operator drained it, whatever its connection:
 * an offline node that was not drained stays in the "in" zone (greyed) so it is plain that it
 * will take work again when it comes back.
 */
export function zoneOf(node: Pick<NodeStatus, 'drained'>): Zone {
  return node.drained ? 'out' : 'in'
}

/** The card state, from the connection state first and the rotation choice second. */
export function cardStateOf(node: Pick<NodeStatus, 'state' | 'drained'>): CardState {
  if (node.state === 'offline') return 'offline'
  return node.drained || node.state === 'draining' ? 'draining' : 'active'
}

/**
 * The line under a card's name that says what the node is doing about rotation:
 * "draining — 3 running" while a drained node still finishes its tasks, then "drained".
 */
export function rotationNote(node: Pick<NodeStatus, 'state' | 'drained' | 'assigned'>): string | null {
  const state = cardStateOf(node)
  if (state === 'draining') return node.assigned > 0 ? `draining — ${node.assigned} running` : 'drained — idle'
  if (state === 'offline')
    return node.drained ? 'offline — kept out of rotation' : 'offline — back in rotation on return'
  return null
}

// One collator for every comparison: localeCompare with options builds a new one per call,
// which dominated the cost of an update with 200 nodes.
const nameCollator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' })

/** Natural name order ("node-2" before "node-10"), so cards keep their place between updates. */
export function compareNodeNames(a: Pick<NodeStatus, 'name'>, b: Pick<NodeStatus, 'name'>): number {
  return nameCollator.compare(a.name, b.name)
}

/** The node map's groups: the two rotation zones, and offline nodes apart. */
export interface NodeGroups {
  in: NodeStatus[]
  out: NodeStatus[]
  /** Not connected, whatever their rotation choice (kept for when they return). */
  offline: NodeStatus[]
}

/**
 * Splits nodes into the two zones plus the offline group (an offline node does no work, so it
 * counts in neither zone). `pending` holds moves the operator made that the manager has not
 * confirmed yet, so a dropped card lands at once instead of jumping back until the reply.
 */
export function partitionNodes(
  nodes: readonly NodeStatus[],
  pending: ReadonlyMap<string, Zone> = new Map(),
): NodeGroups {
  const groups: NodeGroups = { in: [], out: [], offline: [] }
  for (const node of nodes) {
    if (node.state === 'offline') groups.offline.push(node)
    else groups[pending.get(node.name) ?? zoneOf(node)].push(node)
  }
  groups.in.sort(compareNodeNames)
  groups.out.sort(compareNodeNames)
  groups.offline.sort(compareNodeNames)
  return groups
}

/** Case-insensitive match of a filter text against a node's name and host. */
export function matchesFilter(node: Pick<NodeStatus, 'name' | 'host'>, filter: string): boolean {
  const needle = filter.trim().toLowerCase()
  if (needle === '') return true
  return node.name.toLowerCase().includes(needle) || node.host.toLowerCase().includes(needle)
}
