import {
  OutcomeFrameWriter,
  STATUS_OK,
  outcomeError,
  readOutcomeFrame,
  wireError,
  type CancelRequest,
  type ClusterStatus,
  type FunctionEntry,
  type NodeHeartbeat,
  type NodeStatus,
  type NodeTaskOutcome,
  type OutcomeFrame,
  type Priority,
  type TaskOutcome,
  type TaskSubmission,
  type WireError,
  FunctionCatalog,
} from '../protocol/index.js'
import type { ActivityLog } from './activity-log.js'
import { clusterStatus } from './dispatch/cluster-status.js'
import { FinishedRecords } from './dispatch/finished-records.js'
import { NodeLifecycle } from './dispatch/node-lifecycle.js'
import { TaskPlacement } from './dispatch/placement.js'
import { arrivalOf, holdFrame, releaseFrame, type Arrival } from './dispatch/shared-frames.js'
import { StealCoordinator } from './dispatch/steal-coordinator.js'
import { backToWaiting, ranOn, type IncomingTask, type TaskEntry } from './dispatch/task-entry.js'
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
 * once, whatever the nodes do (die, come back, answer late, answer twice). Routing
 * (dispatch/placement.ts), work stealing (dispatch/steal-coordinator.ts), the nodes' lifecycle and
 * rotation (dispatch/node-lifecycle.ts), the records for people (dispatch/finished-records.ts) and
 * the status (dispatch/cluster-status.ts) are modules of their own; this class owns the tasks.
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
  /** Set by an operator (cluster-controls.ts): no task is dispatched while true. */
  paused = false
  /** Run-time statistics per task function and per node. */
  readonly estimates = new RunTimeEstimates()

  readonly #tasks = new Map<string, TaskEntry>()
  readonly #queue = new TaskQueue<TaskEntry>()
  readonly #options: DispatcherOptions
  readonly #placement: TaskPlacement
  readonly #stealing: StealCoordinator
  readonly #lifecycle: NodeLifecycle
  readonly #records: FinishedRecords
  #lastRejectionEventAt = 0
  #rejectedSinceEvent = 0

  constructor(options: DispatcherOptions) {
    this.#options = options
    this.#placement = new TaskPlacement(this.nodes, this.estimates, options.strategy)
    this.#stealing = new StealCoordinator(this.nodes, (node) => this.#placement.takesWork(node))
    this.#records = new FinishedRecords(options.activity, this.rate)
    this.#lifecycle = new NodeLifecycle(this.nodes, this.estimates, options.activity, {
      lost: (node, held) => {
        // Reverse, so pushFront keeps their original order at the head of the queue.
        for (let i = held.length - 1; i >= 0; i--) {
          const task = this.#tasks.get(held[i]!)
          if (task?.nodeId === node.id) this.#lose(task, node)
        }
      },
      handedBack: (node, ids) => this.#handedBack(node, ids),
      pump: () => this.pump(),
    })
  }

  #completed = 0
  #failed = 0
  #rejected = 0
  #forged = 0

  /** Tasks answered with a result since the manager started. */
  get completed(): number {
    return this.#completed
  }

  /** Tasks answered with an error since the manager started. */
  get failed(): number {
    return this.#failed
  }

  /** Tasks refused with QUEUE_FULL since the manager started. */
  get rejected(): number {
    return this.#rejected
  }

  /** Answers refused because the node never had the task. */
  get forged(): number {
    return this.#forged
  }

  /** Tasks taken back from a node that had not started them, to run elsewhere (work stealing). */
  get stolen(): number {
    return this.#stealing.stolen
  }

  get queued(): number {
    return this.#queue.size
  }

  get queueLimit(): number | null {
    return this.#options.queueSize
  }

  /** Tasks held (waiting or running). */
  get pending(): number {
    return this.#tasks.size
  }

  /** Accepts a batch from a client. A resubmitted id that is still pending is ignored (dedupe). */
  submit(clientId: string, submissions: readonly TaskSubmission[]): void {
    const arrival: Arrival = { at: performance.now(), bytes: null, tasks: [], liveBytes: 0 }
    for (const submission of submissions) {
      this.#accept(
        clientId,
        submission.id,
        this.functions.intern(submission.fn),
        submission.args,
        0,
        submission.args.byteLength,
        submission.priority ?? 'normal',
        submission.timeout ?? 0,
        arrival,
      )
    }
    this.pump()
  }

  /**
   * Accepts the checked tasks of one client frame; each keeps a byte range of `bytes` (no copy,
   * no decoding). Same rules as `submit`.
   */
  submitFrame(clientId: string, bytes: Uint8Array, tasks: readonly IncomingTask[]): void {
    const { arrival, bytes: kept, shift } = arrivalOf(bytes, tasks)
    for (const task of tasks) {
      const { id, fn, start, end, priority, timeout } = task
      this.#accept(clientId, id, fn, kept, start - shift, end - shift, priority, timeout, arrival)
    }
    this.pump()
  }

  #accept(
    clientId: string,
    id: string,
    fn: FunctionEntry,
    bytes: Uint8Array,
    start: number,
    end: number,
    priority: Priority,
    timeout: number,
    arrival: Arrival,
  ): void {
    const existing = this.#tasks.get(id)
    if (existing) {
      if (existing.clientId !== clientId) {
        this.#options.deliver(clientId, {
          id,
          ok: false,
          error: wireError('BAD_REQUEST', `task id ${id} is in use by another client`),
        })
      }
      return
    }
    const limit = this.#options.queueSize
    if (limit !== null && this.#queue.size >= limit) {
      this.#reject(clientId, id)
      return
    }
    const task: TaskEntry = {
      id,
      clientId,
      fn,
      bytes,
      start,
      end,
      arrival,
      queued: false,
      priority,
      timeout,
      attempts: 0,
      nodeId: null,
      run: null,
    }
    holdFrame(task)
    this.#tasks.set(id, task)
    this.#queue.push(task)
  }

  /** The client of a task the manager holds (waiting or running). */
  ownerOf(id: string): string | undefined {
    return this.#tasks.get(id)?.clientId
  }

  /**
   * Ids of a client's tasks held here (waiting or running) that end with `suffix`: a job's tasks,
   * when an operator cancels the job. A scan, for that rare request, never on the task path.
   */
  idsOf(clientId: string, suffix: string): string[] {
    const ids: string[] = []
    for (const task of this.#tasks.values())
      if (task.clientId === clientId && task.id.endsWith(suffix)) ids.push(task.id)
    return ids
  }

  /** Answers a task with an error now (e.g. an invalid submission) without holding it. */
  refuse(clientId: string, id: string, error: WireError): void {
    if (this.#tasks.has(id)) return
    this.#options.deliver(clientId, { id, ok: false, error })
  }

  /** A client cancelled (or timed out) tasks: answer them now; a running one is killed on its node. */
  cancel(clientId: string, requests: readonly CancelRequest[]): void {
    for (const request of requests) {
      const task = this.#tasks.get(request.id)
      if (task?.clientId !== clientId) continue
      const code = request.reason === 'timeout' ? 'TASK_TIMEOUT' : 'CANCELLED'
      if (task.nodeId === null) {
        this.#queue.remove(task)
      } else {
        // The node keeps the slot until it reports the kill; its late answer is then dropped.
        this.nodes.get(task.nodeId)?.link?.cancel(request)
      }
      const message = code === 'TASK_TIMEOUT' ? `task ${task.id} timed out` : `task ${task.id} was cancelled`
      this.#finish(task, {
        id: task.id,
        ok: false,
        error: wireError(code, message, task.run ? { node: task.run.nodeName } : {}),
      })
    }
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
   * Answers from a node: an outcome frame (or, in process and in tests, outcome objects). Late
   * and duplicate answers are dropped here. Returns how many outcomes were unreadable (an error
   * that is not a valid WireError); those change nothing.
   */
  nodeSettled(nodeId: string, outcomes: OutcomeFrame | readonly NodeTaskOutcome[]): number {
    const node = this.nodes.get(nodeId)
    if (!node) return 0
    node.lastSeenAt = Date.now()
    if (Array.isArray(outcomes) && outcomes.length === 0) return 0
    const frame = Array.isArray(outcomes)
      ? outcomeFrameOf(outcomes as readonly NodeTaskOutcome[])
      : (outcomes as OutcomeFrame)
    let unreadable = 0
    let completed = 0
    const { ids, status, ms, attempts, offsets, bytes } = frame
    for (let i = 0; i < frame.count; i++) {
      const id = ids[i]!
      const ok = status[i] === STATUS_OK
      const error = ok ? undefined : outcomeError(frame, i)
      if (!ok && error === undefined) {
        // A readable id of a task this node holds is answered, so no slot stays taken.
        unreadable++
        this.nodeSentInvalid(nodeId, id, 'its error is not a valid error object')
        continue
      }
      const wasAssigned = node.assigned.delete(id)
      const lostChild = error?.code === 'WORKER_LOST'
      if (wasAssigned && !lostChild) {
        node.recordRun(ms[i]!)
        if (ok) completed++
        else if (error!.code === 'TASK_FAILED') {
          node.failed++
        }
      }
      const task = this.#tasks.get(id)
      if (!task) continue
      if (wasAssigned && !lostChild) this.#learn(task, nodeId, error, ms[i]!)
      if (!wasAssigned && !ranOn(task, nodeId)) {
        // Never given to this node: a forged or confused answer must not reach the client.
        this.#forged++
        this.#options.onForged?.(node.name, id)
        continue
      }
      if (lostChild) {
        // Only the current attempt's loss counts; a stale one is news of a run already replaced.
        if (task.nodeId === nodeId && task.attempts === attempts[i]) this.#lose(task, node)
        continue
      }
      if (task.nodeId === null) {
        this.#queue.remove(task)
      } else if (task.nodeId !== nodeId) {
        // An earlier run finished first (its node came back); stop the newer run.
        this.nodes.get(task.nodeId)?.link?.cancel({ id: task.id, reason: 'cancel' })
      }
      if (ok) {
        this.#finish(task, { id, ok: true, result: bytes.subarray(offsets[i], offsets[i + 1]), node: node.name }, ms[i])
      } else {
        this.#finish(task, { id, ok: false, error: { ...error!, node: node.name } }, ms[i])
      }
    }
    if (completed > 0) {
      node.completed += completed
      node.rate.add(completed)
    }
    this.pump()
    return unreadable
  }

  /**
   * A node sent an outcome that could not be read for a task it holds: answer the task with
   * BAD_REQUEST so its client is not left waiting and the slot is freed.
   */
  nodeSentInvalid(nodeId: string, taskId: string, problem: string): void {
    const node = this.nodes.get(nodeId)
    if (!node?.assigned.delete(taskId)) return
    const task = this.#tasks.get(taskId)
    if (task?.nodeId === nodeId) {
      this.#finish(task, {
        id: task.id,
        ok: false,
        error: wireError('BAD_REQUEST', `node ${node.name} sent an invalid outcome for this task: ${problem}`, {
          node: node.name,
        }),
      })
    }
    this.pump()
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
      queueLimit: this.#options.queueSize,
      clients,
      completed: this.completed,
      failed: this.failed,
      rejected: this.rejected,
      paused: this.paused,
    })
  }

  /**
   * Assigns waiting tasks to nodes with room, best node first, until either runs out; then, with
   * nothing left waiting, lets idle nodes take back work others hold but have not started.
   */
  pump(): void {
    // Paused by an operator: tasks wait in the queue (nothing is lost) until dispatch resumes.
    if (this.paused) return
    if (this.#queue.size > 0) this.#placement.place(this.#queue)
    if (this.#queue.size === 0) this.#stealing.askForIdle()
  }

  /**
   * A node handed back tasks it had not started (asked by a steal): they go back to the head of
   * the queue, uncounted (a task that never started was not an attempt), and run where they fit best.
   */
  nodeReturned(nodeId: string, returned: readonly string[]): void {
    const node = this.nodes.get(nodeId)
    if (!node?.link) return
    this.#stealing.answered(node, this.#handedBack(node, returned))
    this.pump()
  }

  /** Tasks a node gives back unstarted wait again at the head of the queue, in their order, uncounted. */
  #handedBack(node: NodeEntry, ids: readonly string[]): number {
    let taken = 0
    for (let i = ids.length - 1; i >= 0; i--) {
      const id = ids[i]!
      // The node no longer holds it, whatever became of the task meanwhile (e.g. cancelled).
      if (!node.assigned.delete(id)) continue
      const task = this.#tasks.get(id)
      if (task?.nodeId === node.id) {
        backToWaiting(task, false)
        this.#queue.pushFront(task)
        taken++
      }
    }
    return taken
  }

  /** Feeds a finished run to the estimates of its function on its node. */
  #learn(task: TaskEntry, nodeId: string, error: WireError | undefined, ms: number): void {
    // A cancelled or timed-out run says nothing about how long the function takes.
    if (error !== undefined && error.code !== 'TASK_FAILED') return
    this.estimates.record(task.fn.key, nodeId, ms)
  }

  #lose(task: TaskEntry, node: NodeEntry): void {
    if (task.attempts >= this.#options.maxAttempts) {
      this.#options.activity.record('task-lost', `task ${task.id} failed: its node was lost ${task.attempts} time(s)`, {
        node: node.name,
        taskId: task.id,
      })
      this.#finish(task, {
        id: task.id,
        ok: false,
        error: wireError(
          'WORKER_LOST',
          `task ${task.id} lost its worker ${task.attempts} time(s) (last on ${node.name}); giving up`,
          {
            node: node.name,
            retryable: false,
            data: { attempts: task.attempts },
          },
        ),
      })
      return
    }
    backToWaiting(task, true)
    this.#queue.pushFront(task)
  }

  #reject(clientId: string, id: string): void {
    this.#rejected++
    this.#rejectedSinceEvent++
    const now = Date.now()
    // One event per second at most: a rejection storm must not flood the log.
    if (now - this.#lastRejectionEventAt >= 1000) {
      this.#options.activity.record(
        'task-rejected',
        `${this.#rejectedSinceEvent} task(s) rejected: queue full (limit ${this.#options.queueSize})`,
        { taskId: id },
      )
      this.#lastRejectionEventAt = now
      this.#rejectedSinceEvent = 0
    }
    this.#options.deliver(clientId, {
      id,
      ok: false,
      error: wireError('QUEUE_FULL', `queue is full (${this.#options.queueSize} waiting)`),
    })
  }

  #finish(task: TaskEntry, outcome: TaskOutcome, runMs?: number): void {
    this.#tasks.delete(task.id)
    releaseFrame(task)
    const now = performance.now()
    this.latency.record(now - task.arrival.at)
    if (outcome.ok) this.#completed++
    else this.#failed++
    const error = outcome.ok ? undefined : outcome.error
    this.#records.add(task, error, runMs ?? (task.run ? now - task.run.dispatchedAt : 0))
    if (error?.code === 'TASK_FAILED')
      this.#options.activity.record(
        'task-failed',
        `task ${task.id} failed on ${task.run?.nodeName ?? '?'}: ${error.message.slice(0, 200)}`,
        { node: task.run?.nodeName, taskId: task.id },
      )
    this.#options.deliver(task.clientId, outcome)
  }
}

/** Outcome objects as a frame (outcomes of an in-process node, and tests): the one path into nodeSettled. */
export function outcomeFrameOf(outcomes: readonly NodeTaskOutcome[]): OutcomeFrame {
  const writer = new OutcomeFrameWriter()
  for (const outcome of outcomes) {
    if (outcome.ok)
      writer.addResult(outcome.id, outcome.attempt, outcome.ms, undefined, outcome.result, 0, outcome.result.byteLength)
    else writer.addError(outcome.id, outcome.attempt, outcome.ms, outcome.error)
  }
  const frame = readOutcomeFrame(writer.finish())
  if (!frame.ok) throw new TypeError(`outcomes cannot travel: ${frame.message}`)
  return frame
}
