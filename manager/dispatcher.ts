import {
  FunctionCatalog,
  nodeOutcomeFrameOf,
  readOutcomeFrame,
  type CancelRequest,
  type ClusterStatus,
  type NodeHeartbeat,
  type NodeStatus,
  type NodeTaskOutcome,
  type OutcomeFrame,
  type TaskOutcome,
  type TaskSubmission,
  type WireError,
} from '../protocol/index.js'
import type { ActivityLog } from './activity-log.js'
import { clusterStatus } from './dispatch/cluster-status.js'
import { NodeLifecycle } from './dispatch/node-lifecycle.js'
import { TaskPlacement } from './dispatch/placement.js'
import { StealCoordinator } from './dispatch/steal-coordinator.js'
import { TaskAnswers } from './dispatch/task-answers.js'
import type { HeldTasks, IncomingTask, TaskEntry } from './dispatch/task-entry.js'
import { TaskIntake } from './dispatch/task-intake.js'
import { TaskLedger } from './dispatch/task-ledger.js'
import { LatencyWindow } from './latency-window.js'
import { RateCounter, type NodeEntry, type NodeIdentity, type NodeLink } from './node-entry.js'
import { NodeRegistry } from './node-registry.js'
import { RunTimeEstimates, type SchedulingStrategy } from './scheduling/index.js'
import { TaskQueue } from './task-queue.js'

export type { DispatchedTask, IncomingTask } from './dispatch/task-entry.js'

export interface DispatcherOptions {
  /** Largest number of waiting tasks; null = unbounded. */
  queueSize: number | null
  /** Dispatches a task may have before a lost node fails it with WORKER_LOST. */
  maxAttempts: number
  strategy: SchedulingStrategy
  activity: ActivityLog
  /** Sends one answer to a client (the caller batches and buffers). A result is a view: copy it to keep it. */
  deliver: (clientId: string, outcome: TaskOutcome) => void
  /** A node answered a task it was never given (the answer is dropped). */
  onForged?: (nodeName: string, taskId: string) => void
}

/**
 * The manager's core, free of sockets: it holds every task until its client is answered, exactly
 * once, whatever the nodes do (die, come back, answer late, answer twice). This class is the
 * facade; each concern is a module of dispatch/: tasks arriving (task-intake.ts), what moves a
 * held task after that (task-ledger.ts), answering clients (task-answers.ts), routing (placement.ts), work stealing
 * (steal-coordinator.ts), the nodes' lifecycle and rotation (node-lifecycle.ts), the records for
 * people (finished-records.ts) and the status (cluster-status.ts).
 *
 * @example
 * ```ts
 * const dispatcher = new Dispatcher({ queueSize: null, maxAttempts: 3, strategy: leastCompletionTime, activity, deliver })
 * dispatcher.nodeConnected(identity, link)
 * dispatcher.heartbeat(identity.id, beat)     // the node takes work from its first heartbeat on
 * dispatcher.submit('client-1', [{ id: 't1', fn, args }])   // link.run(task, 1) is called
 * dispatcher.nodeSettled(identity.id, outcomes)             // deliver('client-1', { id: 't1', ok: true, … })
 * ```
 */
export class Dispatcher {
  readonly nodes = new NodeRegistry()
  readonly latency = new LatencyWindow()
  readonly rate = new RateCounter()
  /** Every function the manager has seen, interned: tasks of one function share one entry. */
  readonly functions = new FunctionCatalog()
  #paused = false
  /** Run-time statistics per task function and per node. */
  readonly estimates = new RunTimeEstimates()

  readonly #tasks: HeldTasks = new Map()
  readonly #queue = new TaskQueue<TaskEntry>()
  readonly #queueSize: number | null
  readonly #answers: TaskAnswers
  readonly #intake: TaskIntake
  readonly #ledger: TaskLedger
  readonly #placement: TaskPlacement
  readonly #stealing: StealCoordinator
  readonly #lifecycle: NodeLifecycle

  constructor(options: DispatcherOptions) {
    const { activity } = options
    this.#queueSize = options.queueSize
    this.#answers = new TaskAnswers({ activity, deliver: options.deliver, latency: this.latency, rate: this.rate })
    const held = { tasks: this.#tasks, queue: this.#queue, answers: this.#answers }
    this.#intake = new TaskIntake({ ...held, functions: this.functions, queueSize: options.queueSize })
    this.#ledger = new TaskLedger(
      { ...held, nodes: this.nodes, estimates: this.estimates, activity, pump: () => this.pump() },
      options,
    )
    this.#placement = new TaskPlacement(this.nodes, this.estimates, options.strategy)
    this.#stealing = new StealCoordinator(this.nodes, (node) => this.#placement.takesWork(node))
    this.#lifecycle = new NodeLifecycle(this.nodes, this.estimates, activity, {
      lost: (node, held) => this.#ledger.lost(node, held),
      handedBack: (node, ids) => this.#ledger.handedBack(node, ids),
      pump: () => this.pump(),
    })
  }

  /** Tasks answered with a result since the manager started. */
  /** Set by an operator (cluster-controls.ts): no task is dispatched while true. */
  get paused(): boolean {
    return this.#paused
  }

  /**
   * Pauses or resumes dispatch; returns false when it already was so. Resuming dispatches what
   * queued meanwhile at once.
   */
  setPaused(paused: boolean): boolean {
    if (this.#paused === paused) return false
    this.#paused = paused
    if (!paused) this.pump()
    return true
  }

  get completed(): number {
    return this.#answers.completed
  }

  /** Tasks answered with an error since the manager started. */
  get failed(): number {
    return this.#answers.failed
  }

  /** Tasks refused with QUEUE_FULL since the manager started. */
  get rejected(): number {
    return this.#answers.rejected
  }

  /** Answers refused because the node never had the task. */
  get forged(): number {
    return this.#ledger.forged
  }

  /** Tasks taken back from a node that had not started them, to run elsewhere (work stealing). */
  get stolen(): number {
    return this.#stealing.stolen
  }

  get queued(): number {
    return this.#queue.size
  }

  get queueLimit(): number | null {
    return this.#queueSize
  }

  /** Tasks held (waiting or running). */
  get pending(): number {
    return this.#tasks.size
  }

  /** Accepts a batch from a client. A resubmitted id that is still pending is ignored (dedupe). */
  submit(clientId: string, submissions: readonly TaskSubmission[]): void {
    this.#intake.submit(clientId, submissions)
    this.pump()
  }

  /**
   * Accepts the checked tasks of one client frame; each keeps a byte range of `bytes` (no copy,
   * no decoding). Same rules as `submit`.
   */
  submitFrame(clientId: string, bytes: Uint8Array, tasks: readonly IncomingTask[]): void {
    this.#intake.submitFrame(clientId, bytes, tasks)
    this.pump()
  }

  /** The client of a task the manager holds (waiting or running). */
  ownerOf(id: string): string | undefined {
    return this.#ledger.ownerOf(id)
  }

  /**
   * Ids of a client's tasks held here (waiting or running) that end with `suffix`: a job's tasks,
   * when an operator cancels the job. A scan, for that rare request, never on the task path.
   */
  idsOf(clientId: string, suffix: string): string[] {
    return this.#ledger.idsOf(clientId, suffix)
  }

  /** Answers a task with an error now (e.g. an invalid submission) without holding it. */
  refuse(clientId: string, id: string, error: WireError): void {
    this.#intake.refuse(clientId, id, error)
  }

  /** A client cancelled (or timed out) tasks: answer them now; a running one is killed on its node. */
  cancel(clientId: string, requests: readonly CancelRequest[]): void {
    this.#ledger.cancel(clientId, requests)
  }

  /**
   * Answers from a node: an outcome frame (or, in process and in tests, outcome objects). Late
   * and duplicate answers are dropped here. Returns how many outcomes were unreadable (an error
   * that is not a valid WireError); those change nothing.
   */
  nodeSettled(nodeId: string, outcomes: OutcomeFrame | readonly NodeTaskOutcome[]): number {
    const node = this.nodes.get(nodeId)
    if (!node) return 0
    node.lastSeenAt = Date.now()
    let frame: OutcomeFrame
    if (Array.isArray(outcomes)) {
      if (outcomes.length === 0) return 0
      frame = outcomeFrameOf(outcomes as readonly NodeTaskOutcome[])
    } else frame = outcomes as OutcomeFrame
    const unreadable = this.#ledger.settle(node, frame)
    this.pump()
    return unreadable
  }

  /**
   * A node sent an outcome that could not be read for a task it holds: answer the task with
   * BAD_REQUEST so its client is not left waiting and the slot is freed.
   */
  nodeSentInvalid(nodeId: string, taskId: string, problem: string): void {
    const node = this.nodes.get(nodeId)
    if (node && this.#ledger.sentInvalid(node, taskId, problem)) this.pump()
  }

  /**
   * A node handed back tasks it had not started (asked by a steal): they go back to the head of
   * the queue, uncounted (a task that never started was not an attempt), and run where they fit best.
   */
  nodeReturned(nodeId: string, returned: readonly string[]): void {
    const node = this.nodes.get(nodeId)
    if (!node?.link) return
    this.#stealing.answered(node, this.#ledger.handedBack(node, returned))
    this.pump()
  }

  /** An agent connected (first time or again). */
  nodeConnected(identity: NodeIdentity, link: NodeLink): NodeEntry {
    return this.#lifecycle.connected(identity, link)
  }

  /** An agent's link dropped: its unanswered tasks run elsewhere (or fail past maxAttempts). */
  nodeDisconnected(nodeId: string, reason: string): void {
    this.#lifecycle.disconnected(nodeId, reason)
  }

  /**
   * Treats every remote node that has sent nothing (no heartbeat, no answer) for longer than
   * `timeoutMs` as lost: its tasks go back to the queue with the attempt counted, its connection is
   * closed, and its late answers are handled like any late answer.
   */
  sweepSilentNodes(timeoutMs: number): { name: string; reason: string }[] {
    return this.#lifecycle.sweepSilent(timeoutMs)
  }

  /** The agent is shutting down: it gets nothing new; tasks it never started go back uncounted. */
  nodeLeaving(nodeId: string, returned: readonly string[]): void {
    this.#lifecycle.leaving(nodeId, returned)
  }

  /** News from a node. Its first heartbeat after connecting makes it eligible for work. */
  heartbeat(nodeId: string, beat: NodeHeartbeat): void {
    this.#lifecycle.heartbeat(nodeId, beat)
  }

  /** Takes a node out of rotation by name (kept while the manager runs, across its restarts). */
  drain(name: string): NodeStatus {
    return this.#lifecycle.drain(name)
  }

  /** Puts a node back in rotation. */
  resume(name: string): NodeStatus {
    return this.#lifecycle.resume(name)
  }

  /** Forgets an offline node. */
  dismiss(name: string): void {
    this.#lifecycle.dismiss(name)
  }

  status(clients: number): ClusterStatus {
    return clusterStatus(this.nodes, {
      queued: this.#queue.size,
      queueLimit: this.#queueSize,
      clients,
      completed: this.completed,
      failed: this.failed,
      rejected: this.rejected,
      paused: this.#paused,
    })
  }

  /**
   * Assigns waiting tasks to nodes with room, best node first, until either runs out; then, with
   * nothing left waiting, lets idle nodes take back work others hold but have not started.
   */
  pump(): void {
    // Paused by an operator: tasks wait in the queue (nothing is lost) until dispatch resumes.
    if (this.#paused) return
    if (this.#queue.size > 0) this.#placement.place(this.#queue)
    if (this.#queue.size === 0) this.#stealing.askForIdle()
  }
}

/** Outcome objects as a frame (outcomes of an in-process node, and tests): the one path into the ledger. */
function outcomeFrameOf(outcomes: readonly NodeTaskOutcome[]): OutcomeFrame {
  const frame = readOutcomeFrame(nodeOutcomeFrameOf(outcomes))
  if (!frame.ok) throw new TypeError(`outcomes cannot travel: ${frame.message}`)
  return frame
}
