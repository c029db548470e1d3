import {
  windowHasRoom,
  FunctionCatalog,
  OutcomeFrameWriter,
  STATUS_OK,
  outcomeError,
  readOutcomeFrame,
  wireError,
  type FunctionEntry,
  type OutcomeFrame,
  type CancelRequest,
  type ClusterStatus,
  type NodeHeartbeat,
  type NodeStatus,
  type NodeTaskOutcome,
  type Priority,
  type TaskOutcome,
  type TaskSubmission,
  type WireError,
} from '../protocol/index.js'
import type { ActivityLog } from './activity-log.js'
import { describeDisconnect } from './disconnect-reasons.js'
import { LatencyWindow } from './latency-window.js'
import { RateCounter, type NodeEntry, type NodeIdentity, type NodeLink } from './node-entry.js'
import { NodeRegistry } from './node-registry.js'
import { planSteals, RunTimeEstimates, STEAL_ANSWER_TIMEOUT_MS, type SchedulingStrategy } from './scheduling/index.js'
import { TaskQueue } from './task-queue.js'

/** What a node link needs of a task to send it on: its argument bytes are `bytes[start .. end)`. */
export interface DispatchedTask {
  readonly id: string
  readonly fn: FunctionEntry
  readonly bytes: Uint8Array
  readonly start: number
  readonly end: number
  readonly priority: Priority
  /** ms; 0 = none. */
  readonly timeout: number
}

/**
 * The bytes of one incoming frame, shared by the tasks it carried. When only a small part of a
 * large frame is still waiting, the survivors are copied out so the rest can be freed.
 */
interface SharedFrame {
  readonly bytes: Uint8Array
  readonly tasks: TaskEntry[]
  liveBytes: number
}

/** Frames smaller than this are never compacted (a small frame may as well stay). */
const COMPACT_MIN_FRAME_BYTES = 64 * 1024

/** A task the manager holds until it answers its client. */
interface TaskEntry extends DispatchedTask {
  readonly clientId: string
  bytes: Uint8Array
  start: number
  end: number
  shared: SharedFrame | null
  /** Kept by the TaskQueue: true while the task waits in it. */
  queued: boolean
  readonly submittedAt: number
  /** Dispatches so far (each one an attempt). */
  attempts: number
  state: 'queued' | 'assigned'
  nodeId: string | null
  /** Name of the node that has it now or had it last. */
  nodeName: string | undefined
  /**
   * Every node it was dispatched to: only those may answer it (a late answer included). One id,
   * or a list once it ran on a second node (most tasks run once: no array for them).
   */
  ranOn: string | string[] | null
  dispatchedAt: number
}

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

/** One task of an incoming frame, as the client namespace hands it over. */
export interface IncomingTask {
  id: string
  fn: FunctionEntry
  start: number
  end: number
  priority: Priority
  timeout: number
}

export class NotFoundError extends Error {
  readonly code = 'NOT_FOUND'
}

/**
 * The manager's core, free of sockets: it queues tasks, routes them to nodes, and answers every
 * task id exactly once, whatever the nodes do (die, come back, answer late, answer twice).
 */
export class Dispatcher {
  readonly nodes = new NodeRegistry()
  readonly latency = new LatencyWindow()
  readonly rate = new RateCounter()
  /** Every function the manager has seen, interned: tasks of one function share one entry. */
  readonly functions = new FunctionCatalog()
  completed = 0
  failed = 0
  rejected = 0
  /** Set by an operator (cluster-controls.ts): no task is dispatched while true. */
  paused = false
  /** Answers refused because the node never had the task. */
  forged = 0
  /** Tasks taken back from a node that had not started them, to run elsewhere (work stealing). */
  stolen = 0
  /** Run-time statistics per task function and per node. */
  readonly estimates = new RunTimeEstimates()

  readonly #tasks = new Map<string, TaskEntry>()
  readonly #queue = new TaskQueue<TaskEntry>()
  readonly #options: DispatcherOptions
  #lastRejectionEventAt = 0
  #rejectedSinceEvent = 0
  /** Tasks finished since the last records flush: records for people are built per batch, off the per-task path. */
  #finishedTasks: TaskEntry[] = []
  #finishedErrors: (WireError | undefined)[] = []
  #finishedRunMs: number[] = []
  #recordsScheduled = false

  constructor(options: DispatcherOptions) {
    this.#options = options
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
        null,
      )
    }
    this.pump()
  }

  /**
   * Accepts the checked tasks of one client frame; each keeps a byte range of `bytes` (no copy,
   * no decoding). Same rules as `submit`.
   */
  submitFrame(clientId: string, bytes: Uint8Array, tasks: readonly IncomingTask[]): void {
    const shared: SharedFrame | null =
      bytes.byteLength >= COMPACT_MIN_FRAME_BYTES ? { bytes, tasks: [], liveBytes: 0 } : null
    for (const task of tasks)
      this.#accept(clientId, task.id, task.fn, bytes, task.start, task.end, task.priority, task.timeout, shared)
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
    shared: SharedFrame | null,
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
      shared,
      queued: false,
      priority,
      timeout,
      submittedAt: performance.now(),
      attempts: 0,
      state: 'queued',
      nodeId: null,
      nodeName: undefined,
      ranOn: null,
      dispatchedAt: 0,
    }
    if (shared !== null) {
      shared.tasks.push(task)
      shared.liveBytes += end - start
    }
    this.#tasks.set(id, task)
    this.#queue.push(task)
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
      if (task.state === 'queued') {
        this.#queue.remove(task)
      } else if (task.nodeId !== null) {
        // The node keeps the slot until it reports the kill; its late answer is then dropped.
        this.nodes.get(task.nodeId)?.link?.cancel(request)
      }
      const message = code === 'TASK_TIMEOUT' ? `task ${task.id} timed out` : `task ${task.id} was cancelled`
      this.#finish(task, {
        id: task.id,
        ok: false,
        error: wireError(code, message, task.nodeName ? { node: task.nodeName } : {}),
      })
    }
  }

  /** An agent connected (first time or again). */
  nodeConnected(identity: NodeIdentity, link: NodeLink): NodeEntry {
    // A restarted machine comes back under a new id and replaces its offline entry: its old figures go.
    for (const old of this.nodes.byName(identity.name))
      if (old.id !== identity.id && old.link === null) this.estimates.forgetNode(old.id)
    const { node, returning } = this.nodes.connect(identity, link)
    const drained = this.nodes.isDrained(node.name)
    if (drained) link.state('draining')
    this.#options.activity.record(
      returning ? 'node-returned' : 'node-joined',
      `${node.name} ${returning ? 'returned' : 'joined'} (${node.workers} worker${node.workers === 1 ? '' : 's'}${drained ? ', drained' : ''})`,
      { node: node.name },
    )
    this.pump()
    return node
  }

  /** An agent's link dropped: its unanswered tasks run elsewhere (or fail past maxAttempts). */
  nodeDisconnected(nodeId: string, reason: string): void {
    const node = this.nodes.get(nodeId)
    if (!node?.link) return
    const saidGoodbye = node.leaving
    node.link = null
    node.leaving = false
    node.lastSeenAt = Date.now()
    const held = [...node.assigned]
    node.assigned.clear()
    // Reverse, so pushFront keeps their original order at the head of the queue.
    for (let i = held.length - 1; i >= 0; i--) {
      const task = this.#tasks.get(held[i]!)
      if (task?.state === 'assigned' && task.nodeId === nodeId) this.#lose(task, node)
    }
    const gone = describeDisconnect(node.name, reason, saidGoodbye, held.length)
    this.#options.activity.record(gone.kind, gone.message, { node: node.name })
    this.pump()
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
        this.forged++
        this.#options.onForged?.(node.name, id)
        continue
      }
      if (lostChild) {
        // Only the current attempt's loss counts; a stale one is news of a run already replaced.
        if (task.state === 'assigned' && task.nodeId === nodeId && task.attempts === attempts[i]) this.#lose(task, node)
        continue
      }
      if (task.state === 'queued') {
        this.#queue.remove(task)
      } else if (task.nodeId !== null && task.nodeId !== nodeId) {
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
    if (task?.state === 'assigned' && task.nodeId === nodeId) {
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
    const now = Date.now()
    const lost: { name: string; reason: string }[] = []
    for (const node of [...this.nodes.all()]) {
      const link = node.link
      if (link?.drop === undefined || now - node.lastSeenAt <= timeoutMs) continue
      const reason = `silent for ${((now - node.lastSeenAt) / 1000).toFixed(1)} s, past the node timeout of ${timeoutMs / 1000} s`
      this.nodeDisconnected(node.id, reason)
      link.drop(reason)
      lost.push({ name: node.name, reason })
    }
    return lost
  }

  /** The agent is shutting down: it gets nothing new; tasks it never started go back uncounted. */
  nodeLeaving(nodeId: string, returned: readonly string[]): void {
    const node = this.nodes.get(nodeId)
    if (!node?.link) return
    node.leaving = true
    for (let i = returned.length - 1; i >= 0; i--) {
      const id = returned[i]!
      if (!node.assigned.delete(id)) continue
      const task = this.#tasks.get(id)
      if (task?.state === 'assigned' && task.nodeId === nodeId) {
        task.attempts--
        task.state = 'queued'
        task.nodeId = null
        this.#queue.pushFront(task)
      }
    }
    this.pump()
  }

  /** News from a node. Its first heartbeat after connecting makes it eligible for work. */
  heartbeat(nodeId: string, beat: NodeHeartbeat): void {
    const node = this.nodes.get(nodeId)
    if (!node) return
    const first = node.heartbeat === null
    node.heartbeat = beat
    node.lastSeenAt = Date.now()
    if (first) this.pump()
  }

  /** Takes a node out of rotation by name (kept while the manager runs, across its restarts). */
  drain(name: string): NodeStatus {
    const nodes = this.#named(name)
    if (!this.nodes.isDrained(name)) {
      this.nodes.setDrained(name, true)
      for (const node of nodes) node.link?.state('draining')
      this.#options.activity.record(
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
    if (this.nodes.isDrained(name)) {
      this.nodes.setDrained(name, false)
      for (const node of nodes) node.link?.state('active')
      this.#options.activity.record('node-resumed', `${name} back in rotation`, { node: name })
      this.pump()
    }
    return this.#statusOf(nodes)
  }

  /** Forgets an offline node. */
  dismiss(name: string): void {
    const nodes = this.#named(name)
    if (!this.nodes.dismiss(name))
      throw new NotFoundError(`node ${name} is connected; only offline nodes can be dismissed`)
    for (const node of nodes) if (this.nodes.get(node.id) === undefined) this.estimates.forgetNode(node.id)
    this.#options.activity.record('node-dismissed', `${name} dismissed`, { node: name })
  }

  status(clients: number): ClusterStatus {
    const nodes: NodeStatus[] = []
    let running = 0
    for (const node of this.nodes.all()) {
      nodes.push(node.status(this.nodes.isDrained(node.name)))
      running += node.assigned.size
    }
    nodes.sort((a, b) => a.name.localeCompare(b.name))
    return {
      nodes,
      queued: this.#queue.size,
      queueLimit: this.#options.queueSize,
      running,
      clients,
      completed: this.completed,
      failed: this.failed,
      rejected: this.rejected,
      paused: this.paused,
    }
  }

  /**
   * Assigns waiting tasks to nodes with room, best node first, until either runs out; then, with
   * nothing left waiting, lets idle nodes take back work others hold but have not started.
   */
  pump(): void {
    // Paused by an operator: tasks wait in the queue (nothing is lost) until dispatch resumes.
    if (this.paused) return
    if (this.#queue.size > 0) this.#assignQueued()
    if (this.#queue.size === 0) this.#stealForIdle()
  }

  #assignQueued(): void {
    const candidates: NodeEntry[] = []
    for (const node of this.nodes.all()) {
      // A node that never sent a heartbeat is not known to be alive and working: no tasks for it yet.
      if (node.link !== null && node.heartbeat !== null && !node.leaving && !this.nodes.isDrained(node.name))
        candidates.push(node)
    }
    const strategy = this.#options.strategy
    const fits: NodeEntry[] = []
    const expected = new Map<string, number | undefined>()
    let lastKey: string | undefined
    while (candidates.length > 0 && this.#queue.size > 0) {
      const next = this.#queue.peek()!
      const key = next.fn.key
      if (key !== lastKey) {
        // Tasks of one function usually come in runs: estimate per node once per run.
        lastKey = key
        expected.clear()
        for (const node of candidates) expected.set(node.id, this.estimates.expected(key, node.id))
      }
      // The window is sized in time from what each node holds and what this task is expected to take.
      fits.length = 0
      for (const node of candidates) if (windowHasRoom(node.assigned, expected.get(node.id))) fits.push(node)
      if (fits.length === 0) break
      const node = strategy.pick(fits, (candidate) => expected.get(candidate.id)) as NodeEntry
      const task = this.#queue.shift()!
      task.state = 'assigned'
      task.nodeId = node.id
      task.nodeName = node.name
      task.attempts++
      if (task.ranOn === null) task.ranOn = node.id
      else if (!ranOn(task, node.id))
        task.ranOn = typeof task.ranOn === 'string' ? [task.ranOn, node.id] : [...task.ranOn, node.id]
      task.dispatchedAt = performance.now()
      node.assigned.add(task.id, expected.get(node.id))
      node.link!.run(task, task.attempts)
    }
  }

  /** Asks busy nodes for tasks they hold but have not started, for nodes with free slots. */
  #stealForIdle(): void {
    const now = performance.now()
    const views = []
    for (const node of this.nodes.all()) {
      if (node.link === null) continue
      if (node.stealPending > 0 && now - node.stealAskedAt > STEAL_ANSWER_TIMEOUT_MS) node.stealPending = 0
      views.push({
        id: node.id,
        workers: node.workers,
        assignedCount: node.assigned.size,
        heldMs: node.heldMs,
        takesWork: node.heartbeat !== null && !node.leaving && !this.nodes.isDrained(node.name),
        canBeAsked: node.link.steal !== undefined && !node.leaving,
        stealPending: node.stealPending,
      })
    }
    if (views.length < 2) return
    for (const request of planSteals(views)) {
      const victim = this.nodes.get(request.nodeId)!
      victim.stealPending = request.count
      victim.stealAskedAt = now
      victim.link!.steal!(request.count)
    }
  }

  /**
   * A node handed back tasks it had not started (asked by a steal): they go back to the head of
   * the queue, uncounted (a task that never started was not an attempt), and run where they fit best.
   */
  nodeReturned(nodeId: string, returned: readonly string[]): void {
    const node = this.nodes.get(nodeId)
    if (!node?.link) return
    node.stealPending = 0
    let taken = 0
    for (let i = returned.length - 1; i >= 0; i--) {
      const id = returned[i]!
      const task = this.#tasks.get(id)
      if (task?.state !== 'assigned' || task.nodeId !== nodeId || !node.assigned.delete(id)) continue
      task.attempts--
      task.state = 'queued'
      task.nodeId = null
      this.#queue.pushFront(task)
      taken++
    }
    node.stolen += taken
    this.stolen += taken
    this.pump()
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
    task.state = 'queued'
    task.nodeId = null
    this.#queue.pushFront(task)
  }

  #reject(clientId: string, id: string): void {
    this.rejected++
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
    if (task.shared !== null) this.#release(task)
    const now = performance.now()
    this.latency.record(now - task.submittedAt)
    if (outcome.ok) this.completed++
    else this.failed++
    const error = outcome.ok ? undefined : outcome.error
    this.#finishedTasks.push(task)
    this.#finishedErrors.push(error)
    this.#finishedRunMs.push(runMs ?? (task.dispatchedAt > 0 ? now - task.dispatchedAt : 0))
    if (!this.#recordsScheduled) {
      this.#recordsScheduled = true
      setImmediate(this.#flushRecords)
    }
    if (error?.code === 'TASK_FAILED')
      this.#options.activity.record(
        'task-failed',
        `task ${task.id} failed on ${task.nodeName ?? '?'}: ${error.message.slice(0, 200)}`,
        { node: task.nodeName, taskId: task.id },
      )
    this.#options.deliver(task.clientId, outcome)
  }

  /**
   * The records for people of the tasks finished in this turn of the event loop (dashboard rows,
   * task history, the cluster's rate): one batch, one clock read, after the answers went out.
   */
  readonly #flushRecords = (): void => {
    this.#recordsScheduled = false
    const tasks = this.#finishedTasks
    const errors = this.#finishedErrors
    const runMs = this.#finishedRunMs
    this.#finishedTasks = []
    this.#finishedErrors = []
    this.#finishedRunMs = []
    this.rate.add(tasks.length)
    const finishedAt = Date.now()
    const activity = this.#options.activity
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i]!
      const error = errors[i]
      activity.recordTask({
        id: task.id,
        label: labelOf(task.fn),
        node: task.nodeName,
        durationMs: runMs[i]!,
        status:
          error === undefined
            ? 'succeeded'
            : error.code === 'CANCELLED'
              ? 'cancelled'
              : error.code === 'TASK_TIMEOUT'
                ? 'timed-out'
                : error.code === 'WORKER_LOST'
                  ? 'lost'
                  : 'failed',
        finishedAt,
        attempts: task.attempts,
        error: error
          ? {
              code: error.code,
              message: error.message,
              remoteName: typeof error.data?.remoteName === 'string' ? error.data.remoteName : undefined,
              remoteStack: typeof error.data?.remoteStack === 'string' ? error.data.remoteStack : undefined,
              thrown: typeof error.data?.thrown === 'string' ? error.data.thrown : undefined,
            }
          : undefined,
        // Failures only: the error dialog shows the whole function with its failing line.
        source:
          error?.code === 'TASK_FAILED' && task.fn.fn.kind === 'source'
            ? task.fn.fn.source.slice(0, 65_536)
            : undefined,
      })
    }
  }

  /**
   * A task of a large shared frame is done. Once the tasks still waiting hold under a quarter of
   * the frame, they get their bytes copied out (one buffer for all of them) and the frame is freed.
   */
  #release(task: TaskEntry): void {
    const shared = task.shared!
    task.shared = null
    shared.liveBytes -= task.end - task.start
    if (shared.liveBytes * 4 >= shared.bytes.byteLength) return
    const survivors = shared.tasks.filter((other) => other.shared === shared)
    shared.tasks.length = 0
    if (survivors.length === 0) return
    const copy = Buffer.allocUnsafeSlow(shared.liveBytes)
    let at = 0
    for (const survivor of survivors) {
      const length = survivor.end - survivor.start
      copy.set(survivor.bytes.subarray(survivor.start, survivor.end), at)
      survivor.bytes = copy
      survivor.start = at
      survivor.end = at + length
      survivor.shared = null
      at += length
    }
  }

  #named(name: string): NodeEntry[] {
    const nodes = this.nodes.byName(name)
    if (nodes.length === 0) throw new NotFoundError(`no node named ${name}`)
    return nodes
  }

  #statusOf(nodes: NodeEntry[]): NodeStatus {
    const node = nodes.find((entry) => entry.link !== null) ?? nodes[0]!
    return node.status(this.nodes.isDrained(node.name))
  }
}

const labels = new WeakMap<FunctionEntry, string>()

/** The dashboard's one-line label of a function: its source shortened, or module#export (cached per function). */
function labelOf(entry: FunctionEntry): string {
  let label = labels.get(entry)
  if (label === undefined) {
    const fn = entry.fn
    if (fn.kind === 'source') {
      const flat = fn.source.replace(/\s+/g, ' ').trim()
      label = flat.length > 80 ? flat.slice(0, 77) + '…' : flat
    } else label = `${fn.module}#${fn.export}`
    labels.set(entry, label)
  }
  return label
}

function ranOn(task: TaskEntry, nodeId: string): boolean {
  const nodes = task.ranOn
  return nodes === nodeId || (Array.isArray(nodes) && nodes.includes(nodeId))
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
