import { ArgonError, type NodeHeartbeat, type NodeStatus } from '../../protocol/index.js'
import type { ActivityLog } from '../activity-log.js'
import { describeDisconnect } from '../disconnect-reasons.js'
import type { NodeEntry, NodeIdentity, NodeLink } from '../node-entry.js'
import type { NodeRegistry } from '../node-registry.js'
import type { RunTimeEstimates } from '../scheduling/index.js'

/** What the node lifecycle needs of the task side. */
export interface NodeLifecycleHooks {
  /** The node was lost: the tasks it held (in dispatch order) must run elsewhere, the attempt counted. */
  lost(node: NodeEntry, held: readonly string[]): void
  /** The node handed these tasks back unstarted: they wait again, uncounted. Returns how many were still its own. */
  handedBack(node: NodeEntry, ids: readonly string[]): number
  /** Something changed that may let waiting tasks move. */
  pump(): void
}

/**
 * Nodes joining, returning, leaving, falling silent, and the operator's rotation (drain, resume,
 * dismiss). Tasks are not its business: what a lost or leaving node held goes to the hooks.
 *
 * @example
 * ```ts
 * const lifecycle = new NodeLifecycle(nodes, estimates, activity, hooks)
 * lifecycle.connected({ id, name: 'gpu-1', host, workers: 4, version }, link)
 * lifecycle.drain('gpu-1')   // no new tasks for gpu-1; what it runs finishes
 * ```
 */
export class NodeLifecycle {
  readonly #nodes: NodeRegistry
  readonly #estimates: RunTimeEstimates
  readonly #activity: ActivityLog
  readonly #hooks: NodeLifecycleHooks

  constructor(nodes: NodeRegistry, estimates: RunTimeEstimates, activity: ActivityLog, hooks: NodeLifecycleHooks) {
    this.#nodes = nodes
    this.#estimates = estimates
    this.#activity = activity
    this.#hooks = hooks
  }

  /** An agent connected (first time or again). */
  connected(identity: NodeIdentity, link: NodeLink): NodeEntry {
    // A restarted machine comes back under a new id and replaces its offline entry: its old figures go.
    for (const old of this.#nodes.byName(identity.name))
      if (old.id !== identity.id && old.link === null) this.#estimates.forgetNode(old.id)
    const { node, returning } = this.#nodes.connect(identity, link)
    const drained = this.#nodes.isDrained(node.name)
    if (drained) link.state('draining')
    this.#activity.record(
      returning ? 'node-returned' : 'node-joined',
      `${node.name} ${returning ? 'returned' : 'joined'} (${node.workers} worker${node.workers === 1 ? '' : 's'}${drained ? ', drained' : ''})`,
      { node: node.name },
    )
    this.#hooks.pump()
    return node
  }

  /** An agent's link dropped: its unanswered tasks run elsewhere (or fail past the attempt limit). */
  disconnected(nodeId: string, reason: string): void {
    const node = this.#nodes.get(nodeId)
    if (!node?.link) return
    const saidGoodbye = node.leaving
    node.link = null
    node.leaving = false
    node.lastSeenAt = Date.now()
    const held = [...node.assigned]
    node.assigned.clear()
    this.#hooks.lost(node, held)
    const gone = describeDisconnect(node.name, reason, saidGoodbye, held.length)
    this.#activity.record(gone.kind, gone.message, { node: node.name })
    this.#hooks.pump()
  }

  /**
   * Treats every remote node that has sent nothing (no heartbeat, no answer) for longer than
   * `timeoutMs` as lost: its tasks go back to the queue with the attempt counted, its connection is
   * closed, and its late answers are handled like any late answer.
   */
  sweepSilent(timeoutMs: number): { name: string; reason: string }[] {
    const now = Date.now()
    const lost: { name: string; reason: string }[] = []
    for (const node of [...this.#nodes.all()]) {
      const link = node.link
      if (link?.drop === undefined || now - node.lastSeenAt <= timeoutMs) continue
      const reason = `silent for ${((now - node.lastSeenAt) / 1000).toFixed(1)} s, past the node timeout of ${timeoutMs / 1000} s`
      this.disconnected(node.id, reason)
      link.drop(reason)
      lost.push({ name: node.name, reason })
    }
    return lost
  }

  /** The agent is shutting down: it gets nothing new; tasks it never started go back uncounted. */
  leaving(nodeId: string, returned: readonly string[]): void {
    const node = this.#nodes.get(nodeId)
    if (!node?.link) return
    node.leaving = true
    this.#hooks.handedBack(node, returned)
    this.#hooks.pump()
  }

  /** News from a node. Its first heartbeat after connecting makes it eligible for work. */
  heartbeat(nodeId: string, beat: NodeHeartbeat): void {
    const node = this.#nodes.get(nodeId)
    if (!node) return
    const first = node.heartbeat === null
    node.heartbeat = beat
    node.lastSeenAt = Date.now()
    if (first) this.#hooks.pump()
  }

  /** Takes a node out of rotation by name (kept while the manager runs, across its restarts). */
  drain(name: string): NodeStatus {
    const nodes = this.#named(name)
    if (!this.#nodes.isDrained(name)) {
      this.#nodes.setDrained(name, true)
      for (const node of nodes) node.link?.state('draining')
      this.#activity.record(
        'node-drained',
        `${name} drained: no new tasks, ${nodes.reduce((n, node) => n + node.assigned.size, 0)} running`,
        { node: name },
      )
    }
    return this.#statusOf(nodes)
  }

  /** Puts a node back in rotation. */
  resume(name: string): NodeStatus {
    const nodes = this.#named(name)
    if (this.#nodes.isDrained(name)) {
      this.#nodes.setDrained(name, false)
      for (const node of nodes) node.link?.state('active')
      this.#activity.record('node-resumed', `${name} back in rotation`, { node: name })
      this.#hooks.pump()
    }
    return this.#statusOf(nodes)
  }

  /** Forgets an offline node. */
  dismiss(name: string): void {
    const nodes = this.#named(name)
    if (!this.#nodes.dismiss(name))
      throw new ArgonError('NOT_FOUND', `node ${name} is connected; only offline nodes can be dismissed`)
    for (const node of nodes) if (this.#nodes.get(node.id) === undefined) this.#estimates.forgetNode(node.id)
    this.#activity.record('node-dismissed', `${name} dismissed`, { node: name })
  }

  #named(name: string): NodeEntry[] {
    const nodes = this.#nodes.byName(name)
    if (nodes.length === 0) throw new ArgonError('NOT_FOUND', `no node named ${name}`)
    return nodes
  }

  #statusOf(nodes: NodeEntry[]): NodeStatus {
    const node = nodes.find((entry) => entry.link !== null) ?? nodes[0]!
    return node.status(this.#nodes.isDrained(node.name))
  }
}
