import {
  functionKey,
  windowHasRoom,
  wireError,
  type CancelRequest,
  type ClusterStatus,
  type NodeHeartbeat,
  type NodeStatus,
  type NodeTaskOutcome,
  type Priority,
  type TaskFunction,
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

/** A task the manager holds until it answers its client. */
interface TaskEntry {
  readonly id: string
  readonly clientId: string
  readonly fn: TaskFunction
  readonly args: Uint8Array
  readonly priority: Priority
  readonly timeout: number | undefined
  readonly submittedAt: number
  /** Dispatches so far (each one an attempt). */
  attempts: number
  state: 'queued' | 'assigned'
  nodeId: string | null
  /** Name of the node that has it now or had it last. */
  nodeName: string | undefined
  /** Ids of every node it was dispatched to: only those may answer it (a late answer included). */
  readonly ranOn: string[]
  dispatchedAt: number
}

export interface DispatcherOptions {
  /** Largest number of waiting tasks; null = unbounded. */
  queueSize: number | null
  /** Dispatches a task may have before a lost node fails it with WORKER_LOST. */
  maxAttempts: number
  strategy: SchedulingStrategy
  activity: ActivityLog
  /** Sends one answer to a client (the caller batches and buffers). */
  deliver: (clientId: string, outcome: TaskOutcome) => void
  /** A node answered a task it was never given (the answer is dropped). */
  onForged?: (nodeName: string, taskId: string) => void
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
    const limit = this.#options.queueSize
    for (const submission of submissions) {
      const existing = this.#tasks.get(submission.id)
      if (existing) {
        if (existing.clientId !== clientId) {
          this.#options.deliver(clientId, { id: submission.id, ok: false, error: wireError('BAD_REQUEST', `task id ${submission.id} is in use by another client`) })
        }
        continue
      }
      if (limit !== null && this.#queue.size >= limit) {
        this.#reject(clientId, submission.id)
        continue
      }
      const task: TaskEntry = {
        id: submission.id,
        clientId,
        fn: submission.fn,
        args: submission.args,
        priority: submission.priority ?? 'normal',
        timeout: submission.timeout,
        submittedAt: performance.now(),
        attempts: 0,
        state: 'queued',
        nodeId: null,
        nodeName: undefined,
        ranOn: [],
        dispatchedAt: 0,
      }
      this.#tasks.set(task.id, task)
      this.#queue.push(task)
    }
    this.pump()
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
      if (!task || task.clientId !== clientId) continue
      const code = request.reason === 'timeout' ? 'TASK_TIMEOUT' : 'CANCELLED'
      if (task.state === 'queued') {
        this.#queue.remove(task.id)
      } else if (task.nodeId !== null) {
        // The node keeps the slot until it reports the kill; its late answer is then dropped.
        this.nodes.get(task.nodeId)?.link?.cancel(request)
      }
      const message = code === 'TASK_TIMEOUT' ? `task ${task.id} timed out` : `task ${task.id} was cancelled`
      this.#finish(task, { id: task.id, ok: false, error: wireError(code, message, task.nodeName ? { node: task.nodeName } : {}) })
    }
  }

  /** An agent connected (first time or again). */
  nodeConnected(identity: NodeIdentity, link: NodeLink): NodeEntry {
    const { node, returning } = this.nodes.connect(identity, link)
    const drained = this.nodes.isDrained(node.name)
    if (drained) link.state('draining')
    this.#options.activity.record(returning ? 'node-returned' : 'node-joined', `${node.name} ${returning ? 'returned' : 'joined'} (${node.workers} worker${node.workers === 1 ? '' : 's'}${drained ? ', drained' : ''})`, { node: node.name })
    this.pump()
    return node
  }

  /** An agent's link dropped: its unanswered tasks run elsewhere (or fail past maxAttempts). */
  nodeDisconnected(nodeId: string, reason: string): void {
    const node = this.nodes.get(nodeId)
    if (!node || node.link === null) return
    const saidGoodbye = node.leaving
    node.link = null
    node.leaving = false
    node.lastSeenAt = Date.now()
    const held = [...node.assigned]
    node.assigned.clear()
    // Reverse, so pushFront keeps their original order at the head of the queue.
    for (let i = held.length - 1; i >= 0; i--) {
      const task = this.#tasks.get(held[i]!)
      if (task && task.state === 'assigned' && task.nodeId === nodeId) this.#lose(task, node)
    }
    const gone = describeDisconnect(node.name, reason, saidGoodbye, held.length)
    this.#options.activity.record(gone.kind, gone.message, { node: node.name })
    this.pump()
  }

  /** Answers from a node. Late and duplicate answers are dropped here. */
  nodeSettled(nodeId: string, outcomes: readonly NodeTaskOutcome[]): void {
    const node = this.nodes.get(nodeId)
    if (!node) return
    node.lastSeenAt = Date.now()
    for (const outcome of outcomes) {
      const wasAssigned = node.assigned.delete(outcome.id)
      const lostChild = !outcome.ok && outcome.error.code === 'WORKER_LOST'
      if (wasAssigned && !lostChild) {
        node.recordRun(outcome.ms)
        if (outcome.ok) {
          node.completed++
          node.rate.add()
        } else if (outcome.error.code === 'TASK_FAILED') {
          node.failed++
        }
      }
      const task = this.#tasks.get(outcome.id)
      if (!task) continue
      if (wasAssigned && !lostChild) this.#learn(task, nodeId, outcome)
      if (!wasAssigned && !task.ranOn.includes(nodeId)) {
        // Never given to this node: a forged or confused answer must not reach the client.
        this.forged++
        this.#options.onForged?.(node.name, outcome.id)
        continue
      }
      if (lostChild) {
        // Only the current attempt's loss counts; a stale one is news of a run already replaced.
        if (task.state === 'assigned' && task.nodeId === nodeId && task.attempts === outcome.attempt) this.#lose(task, node)
        continue
      }
      if (task.state === 'queued') {
        this.#queue.remove(task.id)
      } else if (task.nodeId !== null && task.nodeId !== nodeId) {
        // An earlier run finished first (its node came back); stop the newer run.
        this.nodes.get(task.nodeId)?.link?.cancel({ id: task.id, reason: 'cancel' })
      }
      if (outcome.ok) {
        this.#finish(task, { id: task.id, ok: true, result: outcome.result, node: node.name }, outcome.ms)
      } else {
        this.#finish(task, { id: task.id, ok: false, error: { ...outcome.error, node: node.name } }, outcome.ms)
      }
    }
    this.pump()
  }

  /**
   * A node sent an outcome that could not be read for a task it holds: answer the task with
   * BAD_REQUEST so its client is not left waiting and the slot is freed.
   */
  nodeSentInvalid(nodeId: string, taskId: string, problem: string): void {
    const node = this.nodes.get(nodeId)
    if (!node || !node.assigned.delete(taskId)) return
    const task = this.#tasks.get(taskId)
    if (task && task.state === 'assigned' && task.nodeId === nodeId) {
      this.#finish(task, { id: task.id, ok: false, error: wireError('BAD_REQUEST', `node ${node.name} sent an invalid outcome for this task: ${problem}`, { node: node.name }) })
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
      if (link === null || link.drop === undefined || now - node.lastSeenAt <= timeoutMs) continue
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
    if (!node || node.link === null) return
    node.leaving = true
    for (let i = returned.length - 1; i >= 0; i--) {
      const id = returned[i]!
      if (!node.assigned.delete(id)) continue
      const task = this.#tasks.get(id)
      if (task && task.state === 'assigned' && task.nodeId === nodeId) {
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
      this.#options.activity.record('node-drained', `${name} drained: no new tasks, ${nodes.reduce((n, node) => n + node.assigned.size, 0)} running`, { node: name })
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
    this.#named(name)
    if (!this.nodes.dismiss(name)) throw new NotFoundError(`node ${name} is connected; only offline nodes can be dismissed`)
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
      if (node.link !== null && node.heartbeat !== null && !node.leaving && !this.nodes.isDrained(node.name)) candidates.push(node)
    }
    const strategy = this.#options.strategy
    const fits: NodeEntry[] = []
    const expected = new Map<string, number | undefined>()
    let lastKey: string | undefined
    while (candidates.length > 0 && this.#queue.size > 0) {
      const next = this.#queue.peek()!
      const key = functionKey(next.fn)
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
      if (!task.ranOn.includes(node.id)) task.ranOn.push(node.id)
      task.dispatchedAt = performance.now()
      node.assigned.add(task.id, expected.get(node.id))
      node.link!.run({ id: task.id, attempt: task.attempts, fn: task.fn, args: task.args, timeout: task.timeout })
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
    if (!node || node.link === null) return
    node.stealPending = 0
    let taken = 0
    for (let i = returned.length - 1; i >= 0; i--) {
      const id = returned[i]!
      const task = this.#tasks.get(id)
      if (!task || task.state !== 'assigned' || task.nodeId !== nodeId || !node.assigned.delete(id)) continue
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
  #learn(task: TaskEntry, nodeId: string, outcome: NodeTaskOutcome): void {
    // A cancelled or timed-out run says nothing about how long the function takes.
    if (!outcome.ok && outcome.error.code !== 'TASK_FAILED') return
    this.estimates.record(functionKey(task.fn), nodeId, outcome.ms)
  }

  #lose(task: TaskEntry, node: NodeEntry): void {
    if (task.attempts >= this.#options.maxAttempts) {
      this.#options.activity.record('task-lost', `task ${task.id} failed: its node was lost ${task.attempts} time(s)`, { node: node.name, taskId: task.id })
      this.#finish(task, {
        id: task.id,
        ok: false,
        error: wireError('WORKER_LOST', `task ${task.id} lost its worker ${task.attempts} time(s) (last on ${node.name}); giving up`, {
          node: node.name,
          retryable: false,
          data: { attempts: task.attempts },
        }),
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
      this.#options.activity.record('task-rejected', `${this.#rejectedSinceEvent} task(s) rejected: queue full (limit ${this.#options.queueSize})`, { taskId: id })
      this.#lastRejectionEventAt = now
      this.#rejectedSinceEvent = 0
    }
    this.#options.deliver(clientId, { id, ok: false, error: wireError('QUEUE_FULL', `queue is full (${this.#options.queueSize} waiting)`) })
  }

  #finish(task: TaskEntry, outcome: TaskOutcome, runMs?: number): void {
    this.#tasks.delete(task.id)
    const now = performance.now()
    this.latency.record(now - task.submittedAt)
    this.rate.add()
    if (outcome.ok) this.completed++
    else this.failed++
    const error = outcome.ok ? undefined : outcome.error
    const status = outcome.ok ? 'succeeded' : error!.code === 'CANCELLED' ? 'cancelled' : error!.code === 'TASK_TIMEOUT' ? 'timed-out' : error!.code === 'WORKER_LOST' ? 'lost' : 'failed'
    this.#options.activity.recordTask({
      id: task.id,
      label: task.fn.kind === 'source' ? shorten(task.fn.source) : `${task.fn.module}#${task.fn.export}`,
      node: task.nodeName,
      durationMs: runMs ?? (task.dispatchedAt > 0 ? now - task.dispatchedAt : 0),
      status,
      finishedAt: Date.now(),
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
      source: error?.code === 'TASK_FAILED' && task.fn.kind === 'source' ? task.fn.source.slice(0, 65_536) : undefined,
    })
    if (error && error.code === 'TASK_FAILED') this.#options.activity.record('task-failed', `task ${task.id} failed on ${task.nodeName ?? '?'}: ${error.message.slice(0, 200)}`, { node: task.nodeName, taskId: task.id })
    this.#options.deliver(task.clientId, outcome)
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

const labels = new Map<string, string>()

/** The dashboard's one-line label of a function (cached: the same few sources recur at high rates). */
function shorten(source: string): string {
  let label = labels.get(source)
  if (label === undefined) {
    const flat = source.replace(/\s+/g, ' ').trim()
    label = flat.length > 80 ? flat.slice(0, 77) + '…' : flat
    if (labels.size >= 1000) labels.clear()
    labels.set(source, label)
  }
  return label
}
