/// <reference types="svelte" />
/* eslint-disable svelte/prefer-svelte-reactivity -- maps here are local lookups or copies that replace a $state.raw value whole; none is mutated once stored */
import type {
  ClusterEvent,
  ClusterMetrics,
  ClusterStatus,
  DashboardUpdate,
  NodeStatus,
  TaskRecord,
} from '../../../protocol/cluster.js'
import type { JobStatus } from '../../../protocol/jobs.js'
import { MetricSeries } from './metric-series.js'
import { partitionNodes, zoneOf, type Zone } from './node-view.js'
import { NodeTrends } from './node-trends.js'

/** Events kept in the log (newest first). */
export const MAX_EVENTS = 500
/** Of those, task events at most: they never push node events out. */
export const MAX_TASK_EVENTS = 100
/** Finished tasks kept in the table (newest first). */
export const MAX_TASKS = 200

/** The figures of the "cluster at a glance" strip. */
export interface ClusterSummary {
  nodesTotal: number
  /** Connected and in rotation. */
  nodesActive: number
  nodesDraining: number
  nodesOffline: number
  /** Worker processes running a task, over connected nodes. */
  slotsBusy: number
  slotsTotal: number
  queued: number
  /** null = unbounded queue. */
  queueLimit: number | null
  running: number
  tasksPerSecond: number
  /** null: no task finished in the last 10 s. */
  p50Ms: number | null
  p99Ms: number | null
  completed: number
  failed: number
  rejected: number
  clients: number
}

/** Sums the cluster figures the summary strip shows. */
export function summarize(status: ClusterStatus, metrics: ClusterMetrics | null): ClusterSummary {
  let nodesActive = 0
  let nodesDraining = 0
  let nodesOffline = 0
  let slotsBusy = 0
  let slotsTotal = 0
  for (const node of status.nodes) {
    if (node.state === 'offline') {
      nodesOffline += 1
      continue
    }
    if (node.drained || node.state === 'draining') nodesDraining += 1
    else nodesActive += 1
    slotsBusy += node.busy
    slotsTotal += node.workers
  }
  return {
    nodesTotal: status.nodes.length,
    nodesActive,
    nodesDraining,
    nodesOffline,
    slotsBusy,
    slotsTotal,
    queued: status.queued,
    queueLimit: status.queueLimit,
    running: status.running,
    tasksPerSecond: metrics?.tasksPerSecond ?? 0,
    p50Ms: metrics?.p50Ms ?? null,
    p99Ms: metrics?.p99Ms ?? null,
    completed: status.completed,
    failed: status.failed,
    rejected: status.rejected,
    clients: status.clients,
  }
}

/**
 * Everything the dashboard shows, folded from the manager's `dashboard:update` stream.
 *
 * Fields are `$state.raw`: each update replaces whole values instead of deep-proxying 200 node
 * objects four times a second, and keyed `{#each}` blocks then patch only what changed.
 */
export class ClusterStore {
  status = $state.raw<ClusterStatus | null>(null)
  metrics = $state.raw<ClusterMetrics | null>(null)
  /** Newest first. */
  events = $state.raw<readonly ClusterEvent[]>([])
  /** Newest first. */
  tasks = $state.raw<readonly TaskRecord[]>([])
  joinCommands = $state.raw<readonly string[]>([])
  /** Running jobs first, then recently finished (whole, as the manager sends them). */
  jobs = $state.raw<readonly JobStatus[]>([])
  /** Drag-and-drop moves sent to the manager and not yet confirmed, by node name. */
  pendingMoves = $state.raw<ReadonlyMap<string, Zone>>(new Map())
  /** Chart columns, mutated in place; `seriesVersion` tells the chart to redraw. */
  readonly series = new MetricSeries()
  seriesVersion = $state(0)
  /** Per-node sparkline data, mutated in place; `trendsVersion` tells the cards to redraw. */
  readonly trends = new NodeTrends()
  trendsVersion = $state(0)
  /** Local time of the last update, ms. */
  updatedAt = $state<number | null>(null)

  readonly nodes: readonly NodeStatus[] = $derived(this.status?.nodes ?? [])
  readonly zones = $derived(partitionNodes(this.nodes, this.pendingMoves))
  readonly summary: ClusterSummary | null = $derived(this.status === null ? null : summarize(this.status, this.metrics))

  /** Folds one update in. The first one after (re)connecting carries `history`: a snapshot. */
  applyUpdate(update: DashboardUpdate, now = Date.now()): void {
    const snapshot = update.history !== undefined
    this.status = update.status
    this.metrics = update.metrics
    if (!sameStrings(this.joinCommands, update.joinCommands)) this.joinCommands = update.joinCommands
    if (update.jobs !== undefined) this.jobs = update.jobs
    if (snapshot) {
      this.events = keepEvents(newestEventsFirst(update.events))
      this.tasks = newestTasksFirst(update.tasks).slice(0, MAX_TASKS)
      this.series.seed(update.history ?? [])
      this.series.append(update.metrics)
      this.seriesVersion += 1
    } else {
      if (update.events.length > 0) this.events = keepEvents([...newestEventsFirst(update.events), ...this.events])
      if (update.tasks.length > 0) this.tasks = [...newestTasksFirst(update.tasks), ...this.tasks].slice(0, MAX_TASKS)
      if (this.series.append(update.metrics)) this.seriesVersion += 1
    }
    if (this.trends.add(update.status.nodes, now)) this.trendsVersion += 1
    this.#settlePendingMoves()
    this.updatedAt = now
  }

  /** Marks a move the operator made (drop or button) until the manager confirms it. */
  beginMove(name: string, zone: Zone): void {
    const pending = new Map(this.pendingMoves)
    pending.set(name, zone)
    this.pendingMoves = pending
  }

  /** Forgets a pending move (confirmed, refused, or timed out). */
  endMove(name: string): void {
    if (!this.pendingMoves.has(name)) return
    const pending = new Map(this.pendingMoves)
    pending.delete(name)
    this.pendingMoves = pending
  }

  /** Applies a node the manager returned in an ack (drain/resume) before the next update. */
  replaceNode(node: NodeStatus): void {
    if (this.status === null) return
    this.status = { ...this.status, nodes: this.status.nodes.map((n) => (n.id === node.id ? node : n)) }
    this.#settlePendingMoves()
  }

  /** Applies a cluster status the manager returned in an ack (pause/resume) before the next update. */
  replaceStatus(status: ClusterStatus): void {
    if (this.status === null) return
    this.status = status
    this.#settlePendingMoves()
  }

  /** Applies a job the manager returned in an ack (cancel) before the next update. */
  replaceJob(job: JobStatus): void {
    this.jobs = this.jobs.map((each) => (each.id === job.id ? job : each))
  }

  /** Drops a dismissed node's card before the next update says so. */
  removeNode(name: string): void {
    if (this.status === null) return
    this.status = { ...this.status, nodes: this.status.nodes.filter((n) => n.name !== name) }
    this.endMove(name)
  }

  /** Forgets everything: signed out, or the token was refused. */
  clear(): void {
    this.status = null
    this.metrics = null
    this.events = []
    this.tasks = []
    this.joinCommands = []
    this.jobs = []
    this.pendingMoves = new Map()
    this.series.seed([])
    this.seriesVersion += 1
    this.trends.clear()
    this.trendsVersion += 1
    this.updatedAt = null
  }

  // A pending move is done once the manager's own view agrees with it (or the node is gone).
  #settlePendingMoves(): void {
    if (this.pendingMoves.size === 0) return
    const byName = new Map(this.nodes.map((n) => [n.name, n]))
    let changed = false
    const pending = new Map(this.pendingMoves)
    for (const [name, zone] of pending) {
      const node = byName.get(name)
      if (node === undefined || zoneOf(node) === zone) {
        pending.delete(name)
        changed = true
      }
    }
    if (changed) this.pendingMoves = pending
  }
}

/** The newest events, with task events capped so node events stay (input newest first). */
function keepEvents(events: readonly ClusterEvent[]): ClusterEvent[] {
  const kept: ClusterEvent[] = []
  let taskEvents = 0
  for (const event of events) {
    if (kept.length === MAX_EVENTS) break
    if (event.kind.startsWith('task-') && ++taskEvents > MAX_TASK_EVENTS) continue
    kept.push(event)
  }
  return kept
}

function newestEventsFirst(events: readonly ClusterEvent[]): ClusterEvent[] {
  return [...events].sort((a, b) => b.seq - a.seq)
}

function newestTasksFirst(tasks: readonly TaskRecord[]): TaskRecord[] {
  return [...tasks].sort((a, b) => b.finishedAt - a.finishedAt)
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i])
}
