/// <reference types="svelte" />
import type { TaskPage, TaskQuery, TaskRecord, TaskRecordStatus } from '../../../protocol/cluster.js'
import { matchesTaskQuery } from '../../../protocol/task-query-match.js'
import type { Reply } from '../../../protocol/wire-error.js'

/** Asks the manager for one page of its task history. */
export type TaskQueryFn = (query: TaskQuery) => Promise<Reply<TaskPage>>

/** The status filter: everything, every failure, or one outcome. */
export type StatusFilter = 'all' | 'failures' | TaskRecordStatus

/** The time filter: any time, the last N minutes, or an explicit window (an event opened it). */
export type TimeFilter = 'any' | '5m' | '1h' | '24h' | { since: number; until: number }

export interface TaskFilters {
  text: string
  status: StatusFilter
  node: string
  time: TimeFilter
}

/** Rows kept in the table at most (older ones come back by scrolling). */
export const MAX_ROWS = 5000
/** Rows fetched per page. */
export const PAGE_SIZE = 100

const WINDOWS_MS: Record<'5m' | '1h' | '24h', number> = { '5m': 5 * 60_000, '1h': 3_600_000, '24h': 86_400_000 }

export const NO_FILTERS: TaskFilters = { text: '', status: 'all', node: '', time: 'any' }

/** The query a set of filters means (paging aside). */
export function queryOf(filters: TaskFilters, now = Date.now()): TaskQuery {
  const query: TaskQuery = {}
  const text = filters.text.trim()
  if (text !== '') query.text = text
  if (filters.status === 'failures') query.failed = true
  else if (filters.status !== 'all') query.status = [filters.status]
  if (filters.node !== '') query.node = filters.node
  if (typeof filters.time === 'object') {
    query.since = filters.time.since
    query.until = filters.time.until
  } else if (filters.time !== 'any') query.since = now - WINDOWS_MS[filters.time]
  return query
}

/**
 * The task history panel's state: filters, the rows found on the manager, and the live tasks
 * streamed since, merged newest first. Scrolling down asks the manager for older pages.
 */
export class TaskHistoryView {
  filters = $state<TaskFilters>({ ...NO_FILTERS })
  /** Newest first, unique by seq. */
  rows = $state.raw<readonly TaskRecord[]>([])
  loading = $state(false)
  /** True once the manager said there is nothing older. */
  exhausted = $state(false)
  error = $state<string | null>(null)
  /** What the manager keeps, from the last page. */
  kept = $state.raw<TaskPage['kept'] | null>(null)

  readonly #fetch: TaskQueryFn
  #generation = 0
  #query: TaskQuery = {}
  /** The latest streamed tasks, merged into every fresh search too. */
  #live: readonly TaskRecord[] = []

  constructor(fetch: TaskQueryFn) {
    this.#fetch = fetch
  }

  get filtered(): boolean {
    const f = this.filters
    return f.text.trim() !== '' || f.status !== 'all' || f.node !== '' || f.time !== 'any'
  }

  /** Sets filters (merged into the current ones) and searches again. */
  setFilters(change: Partial<TaskFilters>): Promise<void> {
    this.filters = { ...this.filters, ...change }
    return this.refresh()
  }

  /** Starts over with the current filters: the first page from the manager. */
  async refresh(): Promise<void> {
    const generation = ++this.#generation
    this.#query = queryOf(this.filters)
    this.rows = []
    this.exhausted = false
    this.error = null
    await this.#load(generation, undefined)
  }

  /** The next, older page (infinite scroll). */
  async loadMore(): Promise<void> {
    if (this.loading || this.exhausted) return
    const oldest = this.rows[this.rows.length - 1]?.seq
    await this.#load(this.#generation, oldest)
  }

  /** Folds in tasks streamed from the manager (newest first) that match the filters. */
  absorb(live: readonly TaskRecord[]): void {
    this.#live = live
    const newest = this.rows[0]?.seq ?? 0
    const fresh = live.filter(
      (task) => task.seq !== undefined && task.seq > newest && matchesTaskQuery(task, this.#query),
    )
    if (fresh.length === 0) return
    this.rows = [...fresh.sort((a, b) => b.seq! - a.seq!), ...this.rows].slice(0, MAX_ROWS)
  }

  async #load(generation: number, before: number | undefined): Promise<void> {
    this.loading = true
    const reply = await this.#fetch({ ...this.#query, ...(before !== undefined ? { before } : {}), limit: PAGE_SIZE })
    if (generation !== this.#generation) return
    this.loading = false
    if (!reply.ok) {
      this.error = `${reply.error.code}: ${reply.error.message}`
      return
    }
    this.kept = reply.value.kept
    this.exhausted = reply.value.next === null
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a lookup local to this call
    const known = new Set(this.rows.map((task) => task.seq))
    const found = [
      ...reply.value.tasks,
      ...this.#live.filter((task) => task.seq !== undefined && matchesTaskQuery(task, this.#query)),
    ]
    const added = found.filter((task) => !known.has(task.seq) && (known.add(task.seq), true))
    this.rows = [...this.rows, ...added].sort((a, b) => (b.seq ?? 0) - (a.seq ?? 0)).slice(0, MAX_ROWS)
  }
}
