import { ArgonError, type ClusterStatus, type NodeStatus } from '../protocol/index.js'
import type { ActivityLog } from './activity-log.js'
import type { Dispatcher } from './dispatcher.js'

/**
 * Operator controls over the whole cluster and over one node's pool: pause/resume dispatch, and
 * resize a node's pool of worker processes at runtime.
 */
export class ClusterControls {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly activity: ActivityLog,
    private readonly status: () => ClusterStatus,
  ) {}

  /** Stops dispatching: submissions still queue (within the limit), running tasks finish. */
  pause(): ClusterStatus {
    if (this.dispatcher.setPaused(true)) {
      this.activity.record(
        'cluster-paused',
        `dispatch paused: tasks queue until it resumes (${this.dispatcher.queued} waiting)`,
      )
    }
    return this.status()
  }

  /** Dispatches again, starting with what queued meanwhile. */
  resume(): ClusterStatus {
    const waiting = this.dispatcher.queued
    if (this.dispatcher.setPaused(false)) {
      this.activity.record('cluster-resumed', `dispatch resumed with ${waiting} task(s) waiting`)
    }
    return this.status()
  }

  /** Resizes the named connected node's pool; the manager's window follows at once. */
  scale(name: string, workers: number): NodeStatus {
    const node = this.dispatcher.nodes.byName(name).find((candidate) => candidate.link !== null)
    if (node === undefined)
      throw new ArgonError(
        'NOT_FOUND',
        this.dispatcher.nodes.byName(name).length > 0 ? `node ${name} is offline` : `no node named ${name}`,
      )
    if (node.link!.scale === undefined) throw new ArgonError('BAD_REQUEST', `node ${name} cannot be resized at runtime`)
    if (node.workers !== workers) {
      const before = node.workers
      node.link!.scale(workers)
      node.workers = workers
      this.activity.record(
        'node-scaled',
        `${name} resized from ${before} to ${workers} worker${workers === 1 ? '' : 's'}`,
        { node: name },
      )
      this.dispatcher.pump()
    }
    return node.status(this.dispatcher.nodes.isDrained(name))
  }
}
