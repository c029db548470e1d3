import type { JobCancelOrder, JobReport, JobStatus } from '../../protocol/index.js'
import { JobRegistry, type JobRegistryLimits } from './job-registry.js'

/** The one thing the board needs of a client's socket. */
export interface JobOrderSink {
  emit(event: 'job:cancel', order: JobCancelOrder): unknown
}

/** Jobs shown to a dashboard in each update: running ones first, then the most recently finished. */
export const DASHBOARD_JOBS = 100

/**
 * The manager's jobs and the links to the clients that run them: reports come in on `/client`,
 * operators list and cancel on `/control`, and a cancel order goes to the job's client (which
 * cancels its queued and running tasks through the usual cancellation path).
 *
 * @example
 * ```ts
 * const board = new JobBoard()
 * board.clientConnected('client-a', socket)
 * board.report('client-a', [{ key: 'j1', name: 'thumbnails', total: 100, done: 0, failed: 0, inFlight: 10, state: 'running' }])
 * board.cancel(1)   // socket gets 'job:cancel' { key: 'j1' }
 * ```
 */
export class JobBoard {
  readonly registry: JobRegistry
  readonly #sockets = new Map<string, JobOrderSink>()
  readonly #sweeper: NodeJS.Timeout
  readonly #now: () => number

  readonly #cancelTasks: (clientId: string, key: string) => void

  /**
   * @param cancelTasks cancels the job's queued and running tasks on the manager (the same path as
   *   a client's cancel), so a job is stopped also while its client is away
   */
  constructor(
    limits: Partial<JobRegistryLimits> = {},
    cancelTasks: (clientId: string, key: string) => void = () => undefined,
    now: () => number = Date.now,
  ) {
    this.registry = new JobRegistry(limits)
    this.#cancelTasks = cancelTasks
    this.#now = now
    this.#sweeper = setInterval(() => this.sweep(), 1000)
    this.#sweeper.unref()
  }

  clientConnected(clientId: string, socket: JobOrderSink): void {
    this.#sockets.set(clientId, socket)
    this.registry.clientConnected(clientId)
  }

  clientDisconnected(clientId: string, socket: JobOrderSink): void {
    if (this.#sockets.get(clientId) !== socket) return
    this.#sockets.delete(clientId)
    this.registry.clientDisconnected(clientId, this.#now())
  }

  /** A client's (validated) reports. Returns how many were refused (too many running jobs). */
  report(clientId: string, reports: readonly JobReport[]): number {
    const result = this.registry.report(clientId, reports, this.#now())
    const socket = this.#sockets.get(clientId)
    for (const key of result.cancel) socket?.emit('job:cancel', { key })
    return result.refused
  }

  /** An operator cancels job `id` (throws an ArgonError coded NOT_FOUND for an unknown id). */
  cancel(id: number): JobStatus {
    const { status, order } = this.registry.cancel(id, this.#now())
    if (order !== null) {
      // The client first (it marks the job cancelled and starts none of its tasks more), then its
      // tasks here; a client away now gets the order again with its next report, when it is back.
      this.#sockets.get(order.clientId)?.emit('job:cancel', { key: order.key })
      this.#cancelTasks(order.clientId, order.key)
    }
    return status
  }

  /** Abandons the jobs of clients away past the grace time and cancels their tasks (run every second). */
  sweep(): void {
    for (const job of this.registry.sweep(this.#now())) this.#cancelTasks(job.clientId, job.key)
  }

  list(limit?: number): JobStatus[] {
    return this.registry.list(this.#now(), limit)
  }

  close(): void {
    clearInterval(this.#sweeper)
  }
}
