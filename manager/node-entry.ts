import type { CancelRequest, NodeHeartbeat, NodeState, NodeStatus } from '../protocol/index.js'
import type { DispatchedTask } from './dispatcher.js'
import { NodeHoldings } from './node-holdings.js'
import { MAX_RECORDED_RUN_MS, isRunTime } from './scheduling/estimates.js'
import { UNMEASURED_TASK_MS, type SchedulableNode } from './scheduling/index.js'

/** How the dispatcher reaches a node: a socket to a remote agent, or an in-process pool. */
export interface NodeLink {
  /** Sends a task on its `attempt`-th run. Read what you need now: the task object lives on. */
  run(task: DispatchedTask, attempt: number): void
  cancel(request: CancelRequest): void
  state(state: NodeState): void
  /** Closes a remote node's connection (it went silent); absent for an in-process node. */
  drop?(reason: string): void
  /** Asks the node to hand back up to `count` tasks it has not started (absent: it cannot). */
  steal?(count: number): void
  /** Asks the node to run this many worker processes from now on (absent: it cannot). */
  scale?(workers: number): void
}

export interface NodeIdentity {
  id: string
  name: string
  host: string
  workers: number
  version: string
}

/** Completions per second over a short sliding window, in 1 s buckets. */
class RateCounter {
  readonly #buckets = new Float64Array(5)
  #second = 0

  add(count = 1): void {
    this.#roll()
    this.#buckets[this.#second % this.#buckets.length]! += count
  }

  perSecond(): number {
    this.#roll()
    let sum = 0
    // The current, partial second is left out.
    for (let i = 1; i < this.#buckets.length; i++)
      sum += this.#buckets[(this.#second - i + this.#buckets.length * 2) % this.#buckets.length]!
    return sum / (this.#buckets.length - 1)
  }

  #roll(): void {
    const now = Math.floor(Date.now() / 1000)
    if (now === this.#second) return
    const steps = Math.min(now - this.#second, this.#buckets.length)
    for (let i = 1; i <= steps; i++) this.#buckets[(this.#second + i) % this.#buckets.length] = 0
    this.#second = now
  }
}

export { RateCounter }

/** The manager's record of one node, connected or not. */
export class NodeEntry implements SchedulableNode {
  id: string
  name: string
  host: string
  workers: number
  version: string
  link: NodeLink | null = null
  /** Set while the agent is shutting down: it gets no new work. */
  leaving = false
  /** Tasks given to the node and not yet answered, with the run time expected of each. */
  readonly assigned = new NodeHoldings(() => this.workers)
  /** Tasks asked back from the node by work stealing and not yet handed back (0 = none). */
  stealPending = 0
  stealAskedAt = 0
  /** Not asked to hand back tasks again before this (performance.now() ms): see STEAL_RETRY_MS. */
  stealQuietUntil = 0
  /** Tasks the node handed back to be run elsewhere (work stealing). */
  stolen = 0
  completed = 0
  failed = 0
  avgTaskMs = 0
  heartbeat: NodeHeartbeat | null = null
  connectedAt: number | undefined
  lastSeenAt = Date.now()
  readonly rate = new RateCounter()

  constructor(identity: NodeIdentity) {
    this.id = identity.id
    this.name = identity.name
    this.host = identity.host
    this.workers = identity.workers
    this.version = identity.version
  }

  get assignedCount(): number {
    return this.assigned.size
  }

  /** Estimated ms of the work the node holds (an unmeasured task counted as a long one). */
  get heldMs(): number {
    return this.assigned.knownMs + this.assigned.unknown * UNMEASURED_TASK_MS
  }

  /**
   * Records a finished run's time (exponentially weighted, so the estimate follows change). A time
   * that is not a finite, non-negative number is ignored: it would stay in the mean for good.
   */
  recordRun(ms: number): void {
    if (!isRunTime(ms)) return
    const value = Math.min(ms, MAX_RECORDED_RUN_MS)
    this.avgTaskMs = this.avgTaskMs === 0 ? value : this.avgTaskMs * 0.9 + value * 0.1
    // A run of 0 ms still means "fast"; keep the estimate positive once known.
    if (this.avgTaskMs <= 0) this.avgTaskMs = 0.001
  }

  status(drained: boolean): NodeStatus {
    const connected = this.link !== null
    const beat = this.heartbeat
    const running = connected ? Math.min(beat?.busy ?? 0, this.workers, this.assigned.size) : 0
    return {
      id: this.id,
      name: this.name,
      host: this.host,
      workers: this.workers,
      busy: connected ? Math.min(beat?.busy ?? 0, this.workers) : 0,
      assigned: this.assigned.size,
      running,
      waiting: this.assigned.size - running,
      estimateMs: this.heldMs / Math.max(1, this.workers),
      stolen: this.stolen,
      state: !connected ? 'offline' : drained || this.leaving ? 'draining' : 'active',
      drained,
      completed: this.completed,
      failed: this.failed,
      tasksPerSecond: this.rate.perSecond(),
      avgTaskMs: this.avgTaskMs,
      cpu: connected ? (beat?.cpu ?? 0) : 0,
      memoryBytes: connected ? (beat?.memoryBytes ?? 0) : 0,
      uptimeSeconds: connected ? (beat?.uptimeSeconds ?? 0) : 0,
      workerBusy: connected
        ? (beat?.workerBusy ?? new Array<boolean>(this.workers).fill(false))
        : new Array<boolean>(this.workers).fill(false),
      connectedAt: connected ? this.connectedAt : undefined,
      lastSeenAt: this.lastSeenAt,
      version: this.version,
    }
  }
}
