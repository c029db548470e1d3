import type { ClusterEvent, ClusterEventKind, TaskRecord } from '../protocol/index.js'
import { TaskHistory, type TaskHistoryLimits } from './task-history.js'

/** A fixed-size ring that keeps the newest items. */
export class Ring<T> {
  readonly #items: (T | undefined)[]
  #next = 0
  #count = 0

  constructor(readonly capacity: number) {
    this.#items = new Array(capacity)
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
  readonly events = new Ring<ClusterEvent>(500)
  readonly tasks = new Ring<TaskRecord>(200)
  /** Every finished task, searchable (bounded; failures kept longer). */
  readonly history: TaskHistory
  #seq = 0
  #taskSeq = 0
  readonly #listeners = new Set<(event: ClusterEvent) => void>()
  #pendingEvents: ClusterEvent[] = []
  #pendingTasks: { seq: number; record: TaskRecord }[] = []

  constructor(options: { taskHistory?: Partial<TaskHistoryLimits> } = {}) {
    this.history = new TaskHistory(options.taskHistory)
  }

  /** Sequence number of the newest event (0 before the first). */
  get lastEventSeq(): number {
    return this.#seq
  }

  /** Sequence number of the newest task record (0 before the first). */
  get lastTaskSeq(): number {
    return this.#taskSeq
  }

  record(kind: ClusterEventKind, message: string, extra: { node?: string; taskId?: string } = {}): ClusterEvent {
    const event: ClusterEvent = { seq: ++this.#seq, at: Date.now(), kind, message, ...extra }
    this.events.push(event)
    this.#pendingEvents.push(event)
    if (this.#pendingEvents.length > 500) this.#pendingEvents.splice(0, this.#pendingEvents.length - 500)
    for (const listener of this.#listeners) listener(event)
    return event
  }

  recordTask(record: TaskRecord): void {
    const seq = ++this.#taskSeq
    record.seq = seq
    this.tasks.push(record)
    this.history.record(record as TaskRecord & { seq: number })
    this.#pendingTasks.push({ seq, record })
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
