import {
  STATUS_OK,
  outcomeError,
  wireError,
  type CancelRequest,
  type OutcomeFrame,
  type TaskOutcome,
} from '../../protocol/index.js'
import type { ActivityLog } from '../activity-log.js'
import type { NodeEntry } from '../node-entry.js'
import type { NodeRegistry } from '../node-registry.js'
import type { RunTimeEstimates } from '../scheduling/index.js'
import type { TaskQueue } from '../task-queue.js'
import type { TaskAnswers } from './task-answers.js'
import { backToWaiting, ranOn, type HeldTasks, type TaskEntry } from './task-entry.js'

/** The parts of the dispatcher the ledger works with (it owns none of them). */
export interface TaskLedgerParts {
  readonly tasks: HeldTasks
  /** The tasks waiting for a node, in the order they will be placed. */
  readonly queue: TaskQueue<TaskEntry>
  readonly nodes: NodeRegistry
  readonly estimates: RunTimeEstimates
  readonly answers: TaskAnswers
  readonly activity: ActivityLog
  /** Lets waiting tasks move; called where a slot is freed in the middle of a batch. */
  readonly pump: () => void
}

export interface TaskLedgerOptions {
  /** Dispatches a task may have before a lost node fails it with WORKER_LOST. */
  readonly maxAttempts: number
  /** A node answered a task it was never given (the answer is dropped). */
  readonly onForged?: (nodeName: string, taskId: string) => void
}

/**
 * What moves a held task after its arrival (task-intake.ts): a node's answer (late, duplicate
 * and forged ones dropped), a cancel, a lost node (the attempt counted) or a task handed back
 * unstarted (uncounted). Placing waiting tasks on nodes is the placement's; answering is
 * TaskAnswers'.
 *
 * @example
 * ```ts
 * const ledger = new TaskLedger(parts, { maxAttempts: 3 })
 * ledger.settle(node, frame)         // each task answered through parts.answers, exactly once
 * ledger.lost(node, heldIds)         // they wait again at the head of parts.queue
 * ```
 */
export class TaskLedger {
  readonly #tasks: HeldTasks
  readonly #nodes: NodeRegistry
  readonly #estimates: RunTimeEstimates
  readonly #activity: ActivityLog
  readonly #pump: () => void
  readonly #queue: TaskQueue<TaskEntry>
  readonly #answers: TaskAnswers
  readonly #options: TaskLedgerOptions
  #forged = 0

  constructor(parts: TaskLedgerParts, options: TaskLedgerOptions) {
    this.#nodes = parts.nodes
    this.#estimates = parts.estimates
    this.#activity = parts.activity
    this.#pump = parts.pump
    this.#tasks = parts.tasks
    this.#queue = parts.queue
    this.#answers = parts.answers
    this.#options = options
  }

  /** Answers refused because the node never had the task. */
  get forged(): number {
    return this.#forged
  }

  /** The client of a task held here. */
  ownerOf(id: string): string | undefined {
    return this.#tasks.get(id)?.clientId
  }

  /** Ids of a client's tasks held here that end with `suffix` (a job's tasks). A scan, never on the task path. */
  idsOf(clientId: string, suffix: string): string[] {
    const ids: string[] = []
    for (const task of this.#tasks.values())
      if (task.clientId === clientId && task.id.endsWith(suffix)) ids.push(task.id)
    return ids
  }

  /** A client cancelled (or timed out) tasks: answer them now; a running one is killed on its node. */
  cancel(clientId: string, requests: readonly CancelRequest[]): void {
    for (const request of requests) {
      const task = this.#tasks.get(request.id)
      if (task?.clientId !== clientId) continue
      const code = request.reason === 'timeout' ? 'TASK_TIMEOUT' : 'CANCELLED'
      if (task.nodeId === null) {
        this.#queue.remove(task)
      } else {
        // The node keeps the slot until it reports the kill; its late answer is then dropped.
        this.#nodes.get(task.nodeId)?.link?.cancel(request)
      }
      const message = code === 'TASK_TIMEOUT' ? `task ${task.id} timed out` : `task ${task.id} was cancelled`
      this.#finish(task, {
        id: task.id,
        ok: false,
        error: wireError(code, message, task.run ? { node: task.run.nodeName } : {}),
      })
    }
  }

  /**
   * Answers from `node`, one frame. Returns how many outcomes were unreadable (an error that is not
   * a valid WireError): each is answered with BAD_REQUEST if the node held its task.
   */
  settle(node: NodeEntry, frame: OutcomeFrame): number {
    const nodeId = node.id
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
        if (this.sentInvalid(node, id, 'its error is not a valid error object')) this.#pump()
        continue
      }
      // Only the attempt the node holds now ends its hold: a late answer of an earlier attempt
      // (sent to this node before it reconnected) leaves the current one held. Attempt 0: the node
      // could not read which (it answers an unreadable assignment), so whichever it holds.
      const attempt = attempts[i] === 0 ? undefined : attempts[i]
      const wasAssigned = node.assigned.delete(id, attempt)
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
      // A cancelled or timed-out run says nothing about how long the function takes.
      if (wasAssigned && !lostChild && (error === undefined || error.code === 'TASK_FAILED'))
        this.#estimates.record(task.fn.key, nodeId, ms[i]!)
      if (!wasAssigned && !ranOn(task, nodeId)) {
        // Never given to this node: a forged or confused answer must not reach the client.
        this.#forged++
        this.#options.onForged?.(node.name, id)
        continue
      }
      if (lostChild) {
        // Only the current attempt's loss counts; a stale one is news of a run already replaced.
        if (task.nodeId === nodeId && task.attempts === attempts[i]) this.#lose(task, node)
        continue
      }
      if (task.nodeId === null) {
        this.#queue.remove(task)
      } else if (task.nodeId !== nodeId || (attempt !== undefined && task.attempts !== attempt)) {
        // An earlier run finished first (its node came back); stop the newer run, wherever it is.
        this.#nodes.get(task.nodeId)?.link?.cancel({ id: task.id, reason: 'cancel' })
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
    return unreadable
  }

  /**
   * The node sent an outcome that could not be read for a task: if it holds the task, the task is
   * answered with BAD_REQUEST (its client is not left waiting) and true returned (a slot is free).
   */
  sentInvalid(node: NodeEntry, taskId: string, problem: string): boolean {
    if (!node.assigned.delete(taskId)) return false
    const task = this.#tasks.get(taskId)
    if (task?.nodeId === node.id) {
      this.#finish(task, {
        id: task.id,
        ok: false,
        error: wireError('BAD_REQUEST', `node ${node.name} sent an invalid outcome for this task: ${problem}`, {
          node: node.name,
        }),
      })
    }
    return true
  }

  /** The node was lost: the tasks it held (in dispatch order) wait again at the head of the queue, the attempt counted. */
  lost(node: NodeEntry, held: readonly string[]): void {
    // Reverse, so pushFront keeps their original order at the head of the queue.
    for (let i = held.length - 1; i >= 0; i--) {
      const task = this.#tasks.get(held[i]!)
      if (task?.nodeId === node.id) this.#lose(task, node)
    }
  }

  /** Tasks a node gives back unstarted wait again at the head of the queue, in their order, uncounted. */
  handedBack(node: NodeEntry, ids: readonly string[]): number {
    let taken = 0
    for (let i = ids.length - 1; i >= 0; i--) {
      const id = ids[i]!
      // The node no longer holds it, whatever became of the task meanwhile (e.g. cancelled).
      if (!node.assigned.delete(id)) continue
      const task = this.#tasks.get(id)
      if (task?.nodeId === node.id) {
        backToWaiting(task, false)
        this.#queue.pushFront(task)
        taken++
      }
    }
    return taken
  }

  #lose(task: TaskEntry, node: NodeEntry): void {
    if (task.attempts >= this.#options.maxAttempts) {
      this.#activity.record('task-lost', `task ${task.id} failed: its node was lost ${task.attempts} time(s)`, {
        node: node.name,
        taskId: task.id,
      })
      const message = `task ${task.id} lost its worker ${task.attempts} time(s) (last on ${node.name}); giving up`
      this.#finish(task, {
        id: task.id,
        ok: false,
        error: wireError('WORKER_LOST', message, {
          node: node.name,
          retryable: false,
          data: { attempts: task.attempts },
        }),
      })
      return
    }
    backToWaiting(task, true)
    this.#queue.pushFront(task)
  }

  #finish(task: TaskEntry, outcome: TaskOutcome, runMs?: number): void {
    this.#tasks.delete(task.id)
    this.#answers.finish(task, outcome, runMs)
  }
}
