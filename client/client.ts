import { randomBytes } from 'node:crypto'
import {
  clusterStatusSchema,
  jobTaskSuffix,
  valueOfReply,
  FrameBatcher,
  type CancelRequest,
  type ClusterStatus,
} from '../protocol/index.js'
import { ArgonError } from '../protocol/argon-error.js'
import { ClientConnection } from './client-connection.js'
import {
  resolveClientOptions,
  type CallOptions,
  type ClientOptions,
  type ClientSettings,
  type MapOptions,
} from './client-options.js'
import { Job, defaultJobName, type JobHost, type JobOptions, type JobTracker } from './job.js'
import { deferredOf, type Deferred } from './deferred.js'
import { JobReports } from './job-reports.js'
import { listenToManager } from './manager-events.js'
import { OutputDelivery } from './output-printer.js'
import { PendingCalls, type Call, type Submission } from './pending-calls.js'
import { TaskSubmitter, buildSubmission } from './task-submitter.js'
import type { ModuleTask } from './task-function.js'

export type { CallOptions, ClientOptions, MapOptions } from './client-options.js'

/** Anything a task may be: a function (travels as source) or a module export. */
export type TaskFn<A extends unknown[], R> = ((...args: A) => R) | ModuleTask

/**
 * Sends tasks to an Argon manager (or a stand-alone node-agent) and gets their results.
 *
 * @example
 * ```ts
 * import { Client, TaskError } from 'argon-cluster'
 * const client = new Client({ host: '10.0.0.5', port: 8000, token: process.env.ARGON_TOKEN, fingerprint: 'sha256:…' })
 * const sum = await client.process((x: number, y: number) => x + y, [4, 7])   // 11
 * const later = client.defer((x: number, y: number) => x * y, [4, 7])
 * console.log(later.isFinished(), await later())                           // false 28
 * await client.close()
 * ```
 */
export class Client {
  readonly #settings: ClientSettings
  readonly #clientId = randomBytes(12).toString('hex')
  readonly #connection: ClientConnection
  readonly #calls: PendingCalls
  readonly #submitter: TaskSubmitter
  readonly #cancels: FrameBatcher<CancelRequest>
  readonly #jobs: JobReports
  #seq = 0
  readonly #jobHost: JobHost = {
    start: (job, fn, args, options) =>
      new Promise((resolve, reject) => this.#start(fn, args, options, resolve, reject, job)),
    cancel: (job, why) => this.#calls.cancelJob(job, why),
    end: (job) => {
      if (job.ended) return
      job.ended = true
      this.#jobs.changed(job)
    },
  }

  constructor(options: ClientOptions = {}) {
    const { settings, endpoint, taskOutput } = resolveClientOptions(options)
    this.#settings = settings
    const auth = {
      token: settings.token,
      clientId: this.#clientId,
      ...(taskOutput === 'ignore' ? { output: false } : {}),
    }
    this.#connection = new ClientConnection(endpoint, settings, auth, {
      up: () => {
        // First connect: send what was called meanwhile. Reconnect: resubmit everything unanswered.
        this.#submitter.sendAll()
        // The manager may have restarted or given up on our jobs meanwhile: report them whole.
        this.#jobs.reportAll()
      },
      down: () => this.#submitter.discard(),
      failed: (error) => this.#calls.failAll(error),
    })
    const socket = this.#connection.socket
    this.#jobs = new JobReports({
      get connected() {
        return socket.connected
      },
      send: (reports) => socket.emit('job:update', reports),
    })
    this.#cancels = new FrameBatcher((requests) => {
      if (socket.connected) socket.emit('task:cancel', requests)
    })
    // Prints task output, hands it to the caller's handler, or drops it (the client opted out).
    const output = new OutputDelivery(taskOutput)
    this.#calls = new PendingCalls(this.#jobs, output, this.#cancels)
    this.#submitter = new TaskSubmitter(socket, this.#calls, settings)
    listenToManager(socket, { calls: this.#calls, submitter: this.#submitter, output, jobs: this.#jobs })
  }

  /** True while the link to the manager is up. */
  get connected(): boolean {
    return this.#connection.connected
  }

  /**
   * Runs `fn(...args)` on the cluster and resolves with its result (or rejects with the task's
   * error re-thrown as a TaskError). The function travels as source: it sees no closure variables.
   */
  process<A extends unknown[], R>(fn: TaskFn<A, R>, args: A, options: CallOptions = {}): Promise<Awaited<R>> {
    return new Promise<Awaited<R>>((resolve, reject) =>
      this.#start(fn, args, options, resolve as (value: unknown) => void, reject),
    )
  }

  /** Starts `fn(...args)` now; returns a function that waits for the result. */
  defer<A extends unknown[], R>(fn: TaskFn<A, R>, args: A, options: CallOptions = {}): Deferred<Awaited<R>> {
    return deferredOf(this.process(fn, args, options))
  }

  /**
   * Runs `fn` once per argument list, at most `concurrency` at a time; resolves with the results in
   * order, or rejects with the first error (no new tasks start after it). The map runs as a job
   * (`options.job` names it): the manager shows its progress, and an operator can cancel it.
   *
   * @example
   * ```ts
   * const sizes = await client.map((path: string) => require('node:fs').statSync(path).size, paths.map((p) => [p]), { job: 'sizes' })
   * ```
   */
  async map<A extends unknown[], R>(
    fn: TaskFn<A, R>,
    argsList: readonly A[],
    options: MapOptions = {},
  ): Promise<Awaited<R>[]> {
    const { job: name, ...mapOptions } = options
    const concurrency = mapOptions.concurrency ?? 100
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new TypeError('options.concurrency must be a positive integer')
    if (argsList.length === 0) return []
    const job = this.job(name ?? defaultJobName(fn), { total: argsList.length })
    try {
      return await job.map(fn, argsList, mapOptions)
    } finally {
      job.end()
    }
  }

  /**
   * Starts a job: tasks run through the handle (`process`, `map`) are counted under `name`, so the
   * manager shows their progress, rate and ETA, and an operator can cancel them together. Call
   * `end()` when no more tasks will come.
   *
   * @example
   * ```ts
   * const job = client.job('nightly report', { total: 3 })
   * const [a, b, c] = await Promise.all([job.process(load, ['a']), job.process(load, ['b']), job.process(load, ['c'])])
   * job.end()
   * console.log(job.progress)   // { name: 'nightly report', total: 3, done: 3, failed: 0, inFlight: 0, state: 'done' }
   * ```
   */
  job(name: string, options: JobOptions = {}): Job {
    if (typeof name !== 'string') throw new TypeError('the job name must be a string')
    const total = options.total
    if (total !== undefined && (!Number.isSafeInteger(total) || total < 0))
      throw new TypeError('options.total must be a non-negative integer')
    return new Job(this.#jobs.open(name, total), this.#jobHost)
  }

  /** The cluster's status (the seed's STATUS): every node, the queue, running tasks. */
  async status(): Promise<ClusterStatus> {
    await this.#connection.ready()
    const reply: unknown = await this.#connection.socket
      .timeout(10_000)
      .emitWithAck('cluster:status')
      .catch(() => {
        throw new ArgonError('CONNECTION_FAILED', 'no answer to a status request within 10 s')
      })
    return valueOfReply(clusterStatusSchema, reply)
  }

  /** Closes the link. Calls still waiting reject with CANCELLED. */
  async close(): Promise<void> {
    if (this.#connection.closed) return
    const error = new ArgonError('CANCELLED', 'the client was closed')
    this.#connection.close(error)
    // Its jobs end cancelled: their tasks are stopped below.
    this.#jobs.close()
    // Nobody waits for these any more: stop them on the cluster too.
    this.#calls.cancelAll(error)
    this.#cancels.flush()
    this.#jobs.flush()
    // Let the manager handle the last cancellations before the disconnect reaches it.
    await this.#connection.disconnect()
  }

  #start(
    fn: unknown,
    args: unknown[],
    options: CallOptions,
    resolve: (value: unknown) => void,
    reject: (error: ArgonError) => void,
    job: JobTracker | null = null,
  ): void {
    if (this.#connection.closed) return reject(new ArgonError('CANCELLED', 'the client is closed'))
    if (job?.cancelled) return reject(new ArgonError('CANCELLED', `job "${job.name}" was cancelled`))
    if (job?.ended) return reject(new ArgonError('BAD_REQUEST', `job "${job.name}" has ended: it takes no more tasks`))
    const failure = this.#connection.failure()
    if (failure) return reject(failure)
    if (!Array.isArray(args)) return reject(new ArgonError('BAD_REQUEST', 'args must be an array'))
    if (options.signal?.aborted) return reject(new ArgonError('CANCELLED', 'the signal was already aborted'))
    if (options.timeout !== undefined && !(Number.isInteger(options.timeout) && options.timeout > 0)) {
      return reject(new ArgonError('BAD_REQUEST', 'options.timeout must be a positive integer (ms)'))
    }
    let submission: Submission
    try {
      // A job's tasks carry its key, so the manager can cancel them itself.
      const id = `${this.#clientId}-${(++this.#seq).toString(36)}${job === null ? '' : jobTaskSuffix(job.key)}`
      submission = buildSubmission(id, fn, args, options, this.#settings.maxPayloadBytes)
    } catch (error) {
      return reject(error instanceof ArgonError ? error : new ArgonError('BAD_REQUEST', String(error)))
    }
    const call: Call = {
      submission,
      resolve,
      reject,
      retries: 0,
      retryTimer: null,
      timeoutTimer: null,
      signal: options.signal,
      onAbort: null,
      job,
      id: submission.id,
    }
    this.#calls.add(call)
    this.#submitter.send(call)
  }
}
