/**
 * The typed Socket.IO event maps: the protocol itself. Every side imports these, so an event
 * renamed or reshaped here fails to compile wherever it is used. Every frame is still validated
 * against the schemas on arrival, since the other end may not be ours.
 */
import type {
  ClusterStatus,
  DashboardUpdate,
  NodeHeartbeat,
  NodeNameRequest,
  NodeScaleRequest,
  NodeState,
  NodeStatus,
  TaskPage,
  TaskQuery,
} from './cluster.js'
import type { JobCancelOrder, JobCancelRequest, JobReport, JobStatus } from './jobs.js'
import type { CancelRequest, StealRequest } from './task.js'
import type { ClientOutputChunk, TaskOutputChunk } from './task-output.js'
import type { Reply, WireError } from './wire-error.js'

export type Ack<T> = (reply: Reply<T>) => void

/** Client → manager (or a stand-alone node-agent), namespace `/client`. */
export interface ClientToManagerEvents {
  /** A task frame (protocol/batch-frame.ts). */
  'task:submit': (frame: Uint8Array) => void
  'task:cancel': (requests: CancelRequest[]) => void
  'cluster:status': (ack: Ack<ClusterStatus>) => void
  /** The current state of the client's jobs that changed (registers a job the first time). */
  'job:update': (reports: JobReport[]) => void
  /** Answered once every frame sent before it has been handled: send it before disconnecting. */
  'link:sync': (ack: () => void) => void
}

/** Manager → client, namespace `/client`. */
export interface ManagerToClientEvents {
  /** An outcome frame: each task id answered exactly once. */
  'task:settled': (frame: Uint8Array) => void
  /** A frame that could not be read at all (no task id to answer). */
  'request:rejected': (error: WireError) => void
  /** What the client's tasks wrote to stdout/stderr (not sent to a client that opted out). */
  'task:output': (chunks: ClientOutputChunk[]) => void
  /** An operator cancelled one of the client's jobs: cancel its tasks. */
  'job:cancel': (order: JobCancelOrder) => void
}

/** Node-agent → manager, namespace `/node`. */
export interface NodeToManagerEvents {
  /** An outcome frame, with attempt and run time per task. */
  'task:settled': (frame: Uint8Array) => void
  'node:heartbeat': (beat: NodeHeartbeat) => void
  /**
   * The agent is shutting down: assign it nothing more. `returned` lists tasks it had received
   * but not started; they go back to the queue without counting an attempt.
   */
  'node:leaving': (returned: string[]) => void
  /**
   * The answer to `task:steal`: the ids of the tasks handed back (none had started; possibly
   * fewer than asked, or none). They go back to the queue without counting an attempt. Sent at
   * once with what waited in the agent's queue, and again later with what its children handed back.
   */
  'task:returned': (returned: string[]) => void
  /** What tasks wrote to stdout/stderr, sent before their outcomes. */
  'task:output': (chunks: TaskOutputChunk[]) => void
  /** Answered once every frame sent before it has been handled: send it before disconnecting. */
  'link:sync': (ack: () => void) => void
}

/** Manager → node-agent, namespace `/node`. */
export interface ManagerToNodeEvents {
  /** A task frame, with the attempt per task. */
  'task:run': (frame: Uint8Array) => void
  'task:cancel': (requests: CancelRequest[]) => void
  /** Work stealing: hand back up to `count` tasks no child has started (answered by `task:returned`). */
  'task:steal': (request: StealRequest) => void
  'node:state': (update: { state: NodeState }) => void
  /** Run this many worker processes from now on (an operator resized the pool). */
  'node:scale': (update: { workers: number }) => void
  /** The name the manager knows this node by (another than asked when a default name was taken). */
  'node:named': (update: { name: string }) => void
  'request:rejected': (error: WireError) => void
}

/** Dashboard / CLI → manager, namespace `/control`. */
export interface ControlToManagerEvents {
  'cluster:status': (ack: Ack<ClusterStatus>) => void
  'node:drain': (request: NodeNameRequest, ack: Ack<NodeStatus>) => void
  'node:resume': (request: NodeNameRequest, ack: Ack<NodeStatus>) => void
  /** Forget an offline node (its card leaves the map). */
  'node:dismiss': (request: NodeNameRequest, ack: Ack<null>) => void
  /** Searches the manager's task history (recent tasks plus a longer store of failures). */
  'tasks:query': (query: TaskQuery, ack: Ack<TaskPage>) => void
  /** Stops dispatching: tasks queue (nothing is lost) until `cluster:resume`. */
  'cluster:pause': (ack: Ack<ClusterStatus>) => void
  'cluster:resume': (ack: Ack<ClusterStatus>) => void
  /** Resizes a node's pool of worker processes at runtime. */
  'node:scale': (request: NodeScaleRequest, ack: Ack<NodeStatus>) => void
  /** The jobs the manager knows: running ones first, then recently finished. */
  'jobs:list': (ack: Ack<JobStatus[]>) => void
  /** Cancels a running job: its queued and running tasks are cancelled, and its client starts none more. */
  'job:cancel': (request: JobCancelRequest, ack: Ack<JobStatus>) => void
}

/** Manager → dashboard, namespace `/control`. */
export interface ManagerToControlEvents {
  'dashboard:update': (update: DashboardUpdate) => void
  'request:rejected': (error: WireError) => void
}
