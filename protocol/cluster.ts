import { z } from 'zod'
import { jobStatusSchema } from './jobs.js'

export const NODE_STATES = ['active', 'draining', 'offline'] as const
/**
 * `active`: in rotation. `draining`: out of rotation, gets no new tasks, running ones finish.
 * `offline`: not connected (its rotation choice is kept by name for when it returns).
 */
export type NodeState = (typeof NODE_STATES)[number]

/** What the manager knows of one node (the seed's STATUS line for it). */
export const nodeStatusSchema = z.object({
  id: z.string(),
  name: z.string(),
  host: z.string(),
  workers: z.number().int(),
  /** Tasks on the node's child processes right now. */
  busy: z.number().int(),
  /** Tasks assigned to the node and not yet answered (busy plus its bounded prefetch). */
  assigned: z.number().int(),
  /** Of those, tasks running on the node's workers (as of its last heartbeat). */
  running: z.number().int(),
  /** Of those, tasks waiting on the node for a free worker (a steal can take them back). */
  waiting: z.number().int(),
  /**
   * The manager's estimate of when the node's tasks are done, ms from now: the expected run time
   * of each task it holds (per function, per node) summed and divided by its workers.
   */
  estimateMs: z.number(),
  /** Tasks handed back by this node to run elsewhere (work stealing). */
  stolen: z.number().int(),
  state: z.enum(NODE_STATES),
  /** True while the node is out of rotation by an operator's choice (drained), whether connected or not. */
  drained: z.boolean(),
  completed: z.number().int(),
  failed: z.number().int(),
  /** Completed tasks per second over the last few seconds. */
  tasksPerSecond: z.number(),
  /** Mean run time of a task on this node, ms (0 until one finished). */
  avgTaskMs: z.number(),
  /** Agent process CPU use, 0..1 per core summed over the agent and its children / workers. */
  cpu: z.number(),
  /** Resident memory of the agent and its children, bytes. */
  memoryBytes: z.number(),
  /** Agent uptime, seconds. */
  uptimeSeconds: z.number(),
  /** Per-worker activity: true = busy. */
  workerBusy: z.array(z.boolean()),
  connectedAt: z.number().optional(),
  lastSeenAt: z.number(),
  version: z.string(),
})
export type NodeStatus = z.infer<typeof nodeStatusSchema>

/** The whole cluster (the seed's STATUS command). */
export const clusterStatusSchema = z.object({
  nodes: z.array(nodeStatusSchema),
  queued: z.number().int(),
  /** null when unbounded. */
  queueLimit: z.number().int().nullable(),
  running: z.number().int(),
  clients: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  rejected: z.number().int(),
  /** Dispatch paused by an operator: tasks queue, none is sent to a node. */
  paused: z.boolean().optional(),
})
export type ClusterStatus = z.infer<typeof clusterStatusSchema>

/** Heartbeat an agent sends every second or so. */
export const nodeHeartbeatSchema = z.object({
  busy: z.number().int().min(0),
  workerBusy: z.array(z.boolean()).max(4096),
  cpu: z.number().min(0),
  memoryBytes: z.number().min(0),
  uptimeSeconds: z.number().min(0),
})
export type NodeHeartbeat = z.infer<typeof nodeHeartbeatSchema>

export const CLUSTER_EVENT_KINDS = [
  'node-joined',
  /** The agent stopped on purpose (SIGTERM, `stop()`): its running tasks finished or went back. */
  'node-left',
  /** The link dropped without a goodbye (crash, network, missed heartbeats). */
  'node-lost',
  'node-returned',
  'node-drained',
  'node-resumed',
  'node-dismissed',
  'node-scaled',
  'cluster-paused',
  'cluster-resumed',
  'task-failed',
  'task-rejected',
  'task-lost',
] as const
export type ClusterEventKind = (typeof CLUSTER_EVENT_KINDS)[number]

export const clusterEventSchema = z.object({
  seq: z.number().int(),
  at: z.number(),
  kind: z.enum(CLUSTER_EVENT_KINDS),
  node: z.string().optional(),
  taskId: z.string().optional(),
  message: z.string(),
  /** Tasks this event stands for (task failures are aggregated over a few seconds). */
  count: z.number().int().optional(),
  /** The time window an aggregated event covers (ms since the epoch), so it can open those tasks. */
  since: z.number().optional(),
  until: z.number().optional(),
})
export type ClusterEvent = z.infer<typeof clusterEventSchema>

export const TASK_RECORD_STATUSES = ['succeeded', 'failed', 'cancelled', 'timed-out', 'lost', 'rejected'] as const

/** One finished task as shown in the dashboard's table of recent tasks. */
export const taskRecordSchema = z.object({
  /** Order of finishing at the manager (the history's paging cursor); set when the task is recorded. */
  seq: z.number().int().optional(),
  id: z.string(),
  /** The function's source (shortened) or `module#export`. */
  label: z.string(),
  node: z.string().optional(),
  durationMs: z.number(),
  status: z.enum(TASK_RECORD_STATUSES),
  finishedAt: z.number(),
  attempts: z.number().int(),
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      remoteName: z.string().optional(),
      remoteStack: z.string().optional(),
      /** A thrown non-Error, as JSON text. */
      thrown: z.string().optional(),
    })
    .optional(),
  /** The whole function source of a task that failed (to show its failing line); cut when huge. */
  source: z.string().optional(),
  /**
   * What the task wrote to stdout and stderr (bounded, with a marker where it was cut). Only in
   * answers to a query that asks for it (`output: true`); elsewhere `outputBytes` says it exists.
   */
  output: z.string().optional(),
  /** Size of the captured output, UTF-8 bytes (absent when the task wrote nothing). */
  outputBytes: z.number().int().optional(),
})
export type TaskRecord = z.infer<typeof taskRecordSchema>

/** Throughput and latency figures over a sliding window. */
export const clusterMetricsSchema = z.object({
  at: z.number(),
  tasksPerSecond: z.number(),
  /** Submit-to-answer latency at the manager, ms, over the last 10 s; null when no task finished then. */
  p50Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  queued: z.number().int(),
})
export type ClusterMetrics = z.infer<typeof clusterMetricsSchema>

/** Manager → dashboard, coalesced to a few per second. */
export const dashboardUpdateSchema = z.object({
  status: clusterStatusSchema,
  metrics: clusterMetricsSchema,
  /** Events since the previous update (the first update carries the recent history). */
  events: z.array(clusterEventSchema),
  /** Tasks finished since the previous update (the first update carries the recent history). */
  tasks: z.array(taskRecordSchema),
  /** The first update carries the metric history for the chart. */
  history: z.array(clusterMetricsSchema).optional(),
  /** Commands an operator can run to add a node to this manager. */
  joinCommands: z.array(z.string()),
  /** The jobs to show (running first, then recently finished), whole each time; absent from older managers. */
  jobs: z.array(jobStatusSchema).optional(),
})
export type DashboardUpdate = z.infer<typeof dashboardUpdateSchema>

export const nodeNameRequestSchema = z.object({ name: z.string().min(1).max(256) })
export type NodeNameRequest = z.infer<typeof nodeNameRequestSchema>

export type TaskRecordStatus = (typeof TASK_RECORD_STATUSES)[number]

/**
 * A search of the manager's task history (`tasks:query` on `/control`, `argon tasks`). Every
 * filter is optional; results come newest first, `limit` at a time, older pages via `before`.
 */
export const taskQuerySchema = z.object({
  /** Only these outcomes. */
  status: z.array(z.enum(TASK_RECORD_STATUSES)).min(1).max(TASK_RECORD_STATUSES.length).optional(),
  /** Only tasks that did not succeed (any other status). */
  failed: z.boolean().optional(),
  /** Ran (last) on this node name. */
  node: z.string().min(1).max(256).optional(),
  /** Text in the function's label (source or `module#export`), case-insensitive. */
  fn: z.string().min(1).max(256).optional(),
  /** This task id exactly. */
  id: z.string().min(1).max(128).optional(),
  /** Task ids starting with this. */
  idPrefix: z.string().min(1).max(128).optional(),
  /** Either an id prefix or text in the function label (the dashboard's search box). */
  text: z.string().min(1).max(256).optional(),
  /** Finished at or after this time (ms since the epoch). */
  since: z.number().optional(),
  /** Finished before this time (ms since the epoch). */
  until: z.number().optional(),
  /** Paging: only records older than this `seq` (the previous page's `next`). */
  before: z.number().int().optional(),
  /** Page size. @default 100 */
  limit: z.number().int().min(1).max(1000).optional(),
  /** Include each task's captured output (`output`); without it records carry only `outputBytes`. */
  output: z.boolean().optional(),
})
export type TaskQuery = z.infer<typeof taskQuerySchema>

/** One page of task history. */
export const taskPageSchema = z.object({
  tasks: z.array(taskRecordSchema),
  /** Pass as `before` for the next (older) page; null when there is none. */
  next: z.number().int().nullable(),
  /** What the manager keeps: recent tasks of any outcome, and a separate, longer store of failures. */
  kept: z.object({
    recent: z.number().int(),
    failures: z.number().int(),
    oldestRecentAt: z.number().nullable(),
    oldestFailureAt: z.number().nullable(),
  }),
})
export type TaskPage = z.infer<typeof taskPageSchema>

/** `node:scale`: run this many worker processes on the named node. */
export const nodeScaleRequestSchema = z.object({
  name: z.string().min(1).max(256),
  workers: z.number().int().min(1).max(4096),
})
export type NodeScaleRequest = z.infer<typeof nodeScaleRequestSchema>
