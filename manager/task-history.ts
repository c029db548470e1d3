import { matchesTaskQuery, type TaskPage, type TaskQuery, type TaskRecord } from '../protocol/index.js'

/** A record without its output text (it keeps `outputBytes`). */
export function withoutOutput(record: TaskRecord): TaskRecord {
  const { output: _output, ...rest } = record
  return rest
}

/** How much task history the manager keeps. */
export interface TaskHistoryLimits {
  /** Most recent tasks of any outcome kept. @default 10000 */
  recentCount: number
  /** Most bytes (estimated) those may take. @default 16 MiB */
  recentBytes: number
  /** Most failed (not succeeded) tasks kept in their own store, however many succeed after them. @default 2000 */
  failureCount: number
  /** Most bytes (estimated) those may take. @default 16 MiB */
  failureBytes: number
}

export const DEFAULT_TASK_HISTORY_LIMITS: TaskHistoryLimits = {
  recentCount: 10_000,
  recentBytes: 16 * 1024 * 1024,
  failureCount: 2_000,
  failureBytes: 16 * 1024 * 1024,
}

/** Longest error message and stack kept per task (a runaway message must not evict the rest). */
const MAX_MESSAGE_CHARS = 4_096
const MAX_STACK_CHARS = 16_384
const DEFAULT_PAGE = 100

type Recorded = TaskRecord & { seq: number }

/** A log of records, oldest first, bounded by count and by estimated bytes. */
class BoundedLog {
  #items: Recorded[] = []
  #head = 0
  #bytes = 0
  readonly #sizes: number[] = []

  constructor(
    readonly maxCount: number,
    readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.#items.length - this.#head
  }

  get oldest(): Recorded | undefined {
    return this.#items[this.#head]
  }

  push(record: Recorded, bytes: number): void {
    this.#items.push(record)
    this.#sizes.push(bytes)
    this.#bytes += bytes
    while (this.size > 0 && (this.size > this.maxCount || this.#bytes > this.maxBytes)) {
      this.#bytes -= this.#sizes[this.#head]!
      this.#sizes[this.#head] = 0
      this.#items[this.#head] = undefined as unknown as Recorded
      this.#head++
    }
    // Compact now and then, so eviction stays O(1) amortized.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#sizes.splice(0, this.#head)
      this.#head = 0
    }
  }

  /** Index of the newest record with seq < `before` (binary search: seq grows with the index), or -1. */
  indexBefore(before: number): number {
    let low = this.#head
    let high = this.#items.length - 1
    let found = -1
    while (low <= high) {
      const mid = (low + high) >> 1
      if (this.#items[mid]!.seq < before) {
        found = mid
        low = mid + 1
      } else high = mid - 1
    }
    return found
  }

  at(index: number): Recorded | undefined {
    return index >= this.#head ? this.#items[index] : undefined
  }
}

/**
 * The manager's task history for operators: the most recent tasks of any outcome, plus a separate
 * store of recent failures, so a failure stays findable long after thousands of successes pushed
 * it out of the recent store. Both are bounded by count and by bytes. Searched newest first, in
 * pages, with the filters of {@link TaskQuery}.
 *
 * @example
 * ```ts
 * const history = new TaskHistory()
 * history.record({ seq: 1, id: 'c1:1', label: '(x) => x', durationMs: 2, status: 'failed', finishedAt: Date.now(), attempts: 1 })
 * history.query({ failed: true, limit: 20 })   // { tasks: [...], next: null, kept: {...} }
 * ```
 */
export class TaskHistory {
  readonly #recent: BoundedLog
  readonly #failures: BoundedLog

  constructor(limits: Partial<TaskHistoryLimits> = {}) {
    const all = { ...DEFAULT_TASK_HISTORY_LIMITS, ...limits }
    for (const [key, value] of Object.entries(all)) {
      if (!Number.isInteger(value) || value < 1) throw new TypeError(`taskHistory.${key} must be a positive integer`)
    }
    this.#recent = new BoundedLog(all.recentCount, all.recentBytes)
    this.#failures = new BoundedLog(all.failureCount, all.failureBytes)
  }

  /** Records a finished task; `seq` must grow from one call to the next. */
  record(record: Recorded): void {
    const kept = trimmed(record)
    const bytes = estimateBytes(kept)
    this.#recent.push(kept, bytes)
    if (kept.status !== 'succeeded') this.#failures.push(kept, bytes)
  }

  /** One page of the tasks matching `query`, newest first. */
  query(query: TaskQuery): TaskPage {
    const limit = query.limit ?? DEFAULT_PAGE
    const before = query.before ?? Number.MAX_SAFE_INTEGER
    const tasks: TaskRecord[] = []
    // Walk both stores from the newest record before the cursor, merging by seq (a failure can be in both).
    let r = this.#recent.indexBefore(before)
    let f = this.#failures.indexBefore(before)
    let more = false
    while (true) {
      const fromRecent = this.#recent.at(r)
      const fromFailures = this.#failures.at(f)
      if (fromRecent === undefined && fromFailures === undefined) break
      let next: Recorded
      if (fromFailures === undefined || (fromRecent !== undefined && fromRecent.seq > fromFailures.seq)) {
        next = fromRecent!
        r--
      } else {
        next = fromFailures
        f--
        if (fromRecent?.seq === fromFailures.seq) r--
      }
      // Past the time window (records are in finishing order): nothing older can match.
      if (query.since !== undefined && next.finishedAt < query.since - 1000) break
      if (!matchesTaskQuery(next, query)) continue
      if (tasks.length === limit) {
        more = true
        break
      }
      tasks.push(query.output === true || next.output === undefined ? next : withoutOutput(next))
    }
    return {
      tasks,
      next: more ? (tasks[tasks.length - 1]!.seq ?? null) : null,
      kept: {
        recent: this.#recent.size,
        failures: this.#failures.size,
        oldestRecentAt: this.#recent.oldest?.finishedAt ?? null,
        oldestFailureAt: this.#failures.oldest?.finishedAt ?? null,
      },
    }
  }
}

function trimmed(record: Recorded): Recorded {
  const error = record.error
  if (
    error === undefined ||
    (error.message.length <= MAX_MESSAGE_CHARS && (error.remoteStack?.length ?? 0) <= MAX_STACK_CHARS)
  )
    return record
  return {
    ...record,
    error: {
      ...error,
      message:
        error.message.length > MAX_MESSAGE_CHARS ? `${error.message.slice(0, MAX_MESSAGE_CHARS)}…` : error.message,
      remoteStack:
        error.remoteStack !== undefined && error.remoteStack.length > MAX_STACK_CHARS
          ? `${error.remoteStack.slice(0, MAX_STACK_CHARS)}…`
          : error.remoteStack,
    },
  }
}

/** Rough heap size of a record: its strings (2 bytes a character) plus a fixed overhead. */
function estimateBytes(record: TaskRecord): number {
  let chars =
    record.id.length +
    record.label.length +
    (record.node?.length ?? 0) +
    (record.source?.length ?? 0) +
    (record.output?.length ?? 0)
  if (record.error)
    chars +=
      record.error.code.length +
      record.error.message.length +
      (record.error.remoteName?.length ?? 0) +
      (record.error.remoteStack?.length ?? 0) +
      (record.error.thrown?.length ?? 0)
  return 160 + chars * 2
}
