import type { ClusterEvent, ClusterEventKind, TaskRecord } from '../protocol/index.js'
import { TaskHistory, withoutOutput, type TaskHistoryLimits } from './task-history.js'

/** A fixed-size ring that keeps the newest items. */
export class Ring<T> {
  readonly #items: (T | undefined)[]
  #next = 0
  #count = 0

  constructor(readonly capacity: number) {
    this.#items = new Array<T | undefined>(capacity)
  }

  push(item: T): void {
    this.#items[this.#next] = item
    this.#next = (this.#next + 1) % this.capacity
    if (this.#count < this.capacity) this.#count++
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = []
    for (let i = this.#count; i > 0; i--) out.push(this.#items[(this.#next - i + this.capacity) % this.capacity] as T)
    return out
  }
}

/**
 * The cluster's recent history for operators: events (nodes joining, leaving, drained…) and
 * recently finished tasks. Subscribers (the dashboard broadcaster, the desktop shell) get each
 * event as it happens.
 */
export class ActivityLog {
  /** Node and cluster events; task events have a ring of their own, so they never evict these. */
  readonly #nodeEvents = new Ring<ClusterEvent>(400)
  readonly #taskEvents = new Ring<ClusterEvent>(100)
  readonly tasks = new Ring<TaskRecord>(200)
  /** Every finished task, searchable (bounded; failures kept longer). */
  readonly history: TaskHistory
  #seq = 0
  #taskSeq = 0
  readonly #listeners = new Set<(event: ClusterEvent) => void>()
  #pendingEvents: ClusterEvent[] = []
  #pendingTasks: { seq: number; record: TaskRecord }[] = []

  /** Task failures since the last event about them (aggregated: one event per window). */
  #failures: { start: number; count: number; nodes: Set<string>; lastMessage: string; timer: NodeJS.Timeout } | null =
    null
  readonly #failureWindowMs: number

  /** The captured output of a finished task, taken for its record. */
  readonly #outputOf: ((taskId: string) => { text: string; bytes: number } | undefined) | undefined

  constructor(
    options: {
      taskHistory?: Partial<TaskHistoryLimits>
      failureWindowMs?: number
      outputOf?: (taskId: string) => { text: string; bytes: number } | undefined
    } = {},
  ) {
    this.history = new TaskHistory(options.taskHistory)
    this.#outputOf = options.outputOf
    this.#failureWindowMs = options.failureWindowMs ?? 10_000
  }

  /** Recent events, oldest first: node events and task events merged. */
  recentEvents(): ClusterEvent[] {
    return [...this.#nodeEvents.toArray(), ...this.#taskEvents.toArray()].sort((a, b) => a.seq - b.seq)
  }

  /** Stops the aggregation timer (the manager is closing). */
  close(): void {
    if (this.#failures) clearTimeout(this.#failures.timer)
    this.#failures = null
  }

  /** Sequence number of the newest event (0 before the first). */
  get lastEventSeq(): number {
    return this.#seq
  }

  /** Sequence number of the newest task record (0 before the first). */
  get lastTaskSeq(): number {
    return this.#taskSeq
  }

  /**
   * Records an event. `task-failed` events are aggregated: the first failure after a quiet spell
   * is an event of its own; the ones after it, for the next window (10 s), become one event
   * ("12 tasks failed in the last 10 s") that covers their time span.
   */
  record(kind: ClusterEventKind, message: string, extra: { node?: string; taskId?: string } = {}): ClusterEvent | null {
    if (kind === 'task-failed') return this.#taskFailed(message, extra.node, extra.taskId)
    return this.#emit({ kind, message, ...extra })
  }

  #emit(fields: Omit<ClusterEvent, 'seq' | 'at'> & { at?: number }): ClusterEvent {
    const event: ClusterEvent = { seq: ++this.#seq, at: Date.now(), ...fields }
    if (event.kind.startsWith('task-')) this.#taskEvents.push(event)
    else this.#nodeEvents.push(event)
    this.#pendingEvents.push(event)
    if (this.#pendingEvents.length > 500) this.#pendingEvents.splice(0, this.#pendingEvents.length - 500)
    for (const listener of this.#listeners) listener(event)
    return event
  }

  #taskFailed(message: string, node: string | undefined, taskId: string | undefined): ClusterEvent | null {
    const now = Date.now()
    if (this.#failures !== null) {
      this.#failures.count++
      if (node !== undefined) this.#failures.nodes.add(node)
      this.#failures.lastMessage = message
      return null
    }
    this.#openFailureWindow(now)
    return this.#emit({ kind: 'task-failed', message, node, taskId, count: 1, since: now, until: now + 1 })
  }

  #openFailureWindow(start: number): void {
    const timer = setTimeout(() => this.#closeFailureWindow(), this.#failureWindowMs)
    timer.unref()
    this.#failures = { start, count: 0, nodes: new Set(), lastMessage: '', timer }
  }

  #closeFailureWindow(): void {
    const window = this.#failures
    this.#failures = null
    if (window === null || window.count === 0) return
    const now = Date.now()
    const nodes = [...window.nodes]
    const where = nodes.length === 0 ? '' : nodes.length <= 3 ? ` on ${nodes.join(', ')}` : ` on ${nodes.length} nodes`
    const seconds = Math.round((now - window.start) / 1000)
    this.#emit({
      kind: 'task-failed',
      message: `${window.count} task${window.count === 1 ? '' : 's'} failed in the last ${seconds} s${where}; the last: ${window.lastMessage}`,
      node: nodes.length === 1 ? nodes[0] : undefined,
      count: window.count,
      since: window.start,
      until: now + 1,
    })
    // Failures keep coming: the next window starts now, so they make one event per window.
    this.#openFailureWindow(now)
  }

  recordTask(record: TaskRecord): void {
    const seq = ++this.#taskSeq
    record.seq = seq
    const output = this.#outputOf?.(record.id)
    if (output !== undefined) {
      record.output = output.text
      record.outputBytes = output.bytes
    }
    this.history.record(record as TaskRecord & { seq: number })
    // Dashboards get the output when they open the task (a query), not with every row.
    const live = output === undefined ? record : withoutOutput(record)
    this.tasks.push(live)
    this.#pendingTasks.push({ seq, record: live })
    // Only the newest matter to a dashboard that catches up.
    if (this.#pendingTasks.length > 400) this.#pendingTasks.splice(0, this.#pendingTasks.length - 200)
  }

  /** Events and tasks since the last call, with their sequence numbers (for the coalesced dashboard update). */
  takeNew(): { events: ClusterEvent[]; tasks: { seq: number; record: TaskRecord }[] } {
    const events = this.#pendingEvents
    const tasks = this.#pendingTasks.slice(-200)
    this.#pendingEvents = []
    this.#pendingTasks = []
    return { events, tasks }
  }

  subscribe(listener: (event: ClusterEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}
