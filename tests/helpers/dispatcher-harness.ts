/**
 * The real Dispatcher with nodes that are plain objects (no sockets), shared by the dispatcher's
 * unit tests and the simulated cluster: one way to build it, join a node and record what it sends.
 */
import type { CancelRequest, NodeHeartbeat, NodeState, TaskAssignment, TaskOutcome } from '../../protocol/index.js'
import { ActivityLog } from '../../manager/activity-log.js'
import { Dispatcher, type DispatchedTask, type DispatcherOptions } from '../../manager/dispatcher.js'
import type { NodeLink } from '../../manager/node-entry.js'
import { leastCompletionTime } from '../../manager/scheduling/least-completion-time.js'

/** A heartbeat of an idle node: the first one makes a node eligible for work. */
export const IDLE_HEARTBEAT: NodeHeartbeat = { busy: 0, workerBusy: [], cpu: 0, memoryBytes: 0, uptimeSeconds: 1 }

/** A dispatcher as the manager builds it (least-completion-time, 3 attempts, no queue limit) unless told otherwise. */
export function testDispatcher(
  deliver: (clientId: string, outcome: TaskOutcome) => void,
  options: Partial<Omit<DispatcherOptions, 'deliver'>> = {},
): Dispatcher {
  return new Dispatcher({
    queueSize: null,
    maxAttempts: 3,
    strategy: leastCompletionTime,
    activity: new ActivityLog(),
    deliver,
    ...options,
  })
}

/** Connects a node and sends its first heartbeat, as a real agent does on joining. */
export function joinNode(dispatcher: Dispatcher, link: NodeLink, id: string, workers = 1, name = id): void {
  dispatcher.nodeConnected({ id, name, host: 'h', workers, version: '0' }, link)
  dispatcher.heartbeat(id, IDLE_HEARTBEAT)
}

/** What an agent would receive for a dispatched task (the arguments are a view of the task's bytes). */
export function assignmentOf(task: DispatchedTask, attempt: number): TaskAssignment {
  return {
    id: task.id,
    attempt,
    fn: task.fn.fn,
    args: task.bytes.subarray(task.start, task.end),
    timeout: task.timeout || undefined,
  }
}

/** A node link that records what the dispatcher sends it: tasks, cancels, states. It cannot be stolen from. */
export class RecordingLink implements NodeLink {
  readonly runs: TaskAssignment[] = []
  readonly cancels: CancelRequest[] = []
  readonly states: NodeState[] = []
  run(task: DispatchedTask, attempt: number): void {
    this.runs.push(assignmentOf(task, attempt))
  }
  cancel(request: CancelRequest): void {
    this.cancels.push(request)
  }
  state(state: NodeState): void {
    this.states.push(state)
  }
}

/** A recording link the dispatcher may ask to hand back unstarted tasks (work stealing); it records the requests. */
export class StealableLink extends RecordingLink {
  readonly steals: number[] = []
  steal(count: number): void {
    this.steals.push(count)
  }
}
