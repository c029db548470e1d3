import { randomBytes } from 'node:crypto'
import { decodeValueRange, encodeValue } from '../protocol/structured-bytes.js'
import { io, type Socket } from 'socket.io-client'
import {
  clusterStatusSchema,
  valueOfReply,
  DEFAULT_MAX_PAYLOAD_BYTES,
  FlushScheduler,
  FrameBatcher,
  MAX_TASK_PAYLOAD_BYTES,
  FunctionTable,
  NAMESPACES,
  PRIORITY_CODE,
  PROTOCOL_VERSION,
  SOCKET_PATHS,
  cutText,
  describeTlsFailure,
  machineUpgradeHeaders,
  parseAddress,
  refusalCode,
  resolveManagerEndpoint,
  STATUS_OK,
  TaskFrameWriter,
  jobCancelOrderSchema,
  jobTaskSuffix,
  clientOutputBatchSchema,
  outcomeError,
  readOutcomeFrame,
  resolveToken,
  type CancelRequest,
  type ClientToManagerEvents,
  type ClusterStatus,
  type ManagerToClientEvents,
  type Priority,
  type FunctionEntry,
  type ManagerEndpoint,
  type TlsTrustOptions,
  type WireError,
} from '../protocol/index.js'
import { packetCodec } from '../protocol/packet-codec.js'
import { ArgonError, restoreError } from '../protocol/argon-error.js'
import { retryDelay } from './retry-delay.js'
import { toFunctionEntry, type ModuleTask } from './task-function.js'
import { Job, defaultJobName, type JobHost, type JobOptions, type JobTracker } from './job.js'
import { JobReports } from './job-reports.js'
import { OutputDelivery, type TaskOutputOption } from './output-printer.js'

export interface ClientOptions {
  /** Manager (or stand-alone node-agent) host. @default the host of ARGON_MANAGER (`host:port`), else '127.0.0.1' */
  host?: string
  /** @default the port of ARGON_MANAGER, else 8000 */
  port?: number
  /** Shared secret. @default ARGON_TOKEN, else the local token file */
  token?: string
  /** How many times a QUEUE_FULL rejection is retried before the call fails with it. @default 10 */
  retries?: number
  /** First retry delay, ms; doubles each retry, with jitter. @default 100 */
  retryDelay?: number
  /** Longest retry delay, ms. @default 10000 */
  maxRetryDelay?: number
  /** A client that has never connected after this long fails its calls with CONNECTION_FAILED, ms. @default 10000 */
  connectTimeout?: number
  /** Largest serialized argument list sent, bytes (match the manager's --max-payload). @default 16 MiB */
  maxPayloadBytes?: number
  /**
   * Use TLS. @default true when `fingerprint` or `ca` is given, or when a manager on this machine
   * serves TLS on `port` (its fingerprint is then read from $ARGON_HOME); false otherwise
   */
  tls?: boolean
  /** Pin the manager's certificate by its SHA-256 fingerprint (`sha256:…`, printed by the manager). A different certificate fails with TLS_MISMATCH. */
  fingerprint?: string
  /** Verify the manager's certificate against these CA certificates (PEM) instead of the system's. */
  ca?: string | Buffer | (string | Buffer)[]
  /**
   * What tasks write to stdout/stderr on the workers: `'print'` prints it here, each line prefixed
   * with `[node pid]` (stdout to stdout, stderr to stderr); `'ignore'` has the manager send none;
   * a function gets every chunk instead.
   * @default 'print'
   */
  taskOutput?: TaskOutputOption
}

export interface CallOptions {
  /** Fail with TASK_TIMEOUT after this many ms; a running task's child is killed. */
  timeout?: number
  /** Aborting cancels the task (queued: removed; running: its child is killed) with CANCELLED. */
  signal?: AbortSignal
  /** @default 'normal' */
  priority?: Priority
}

export interface MapOptions extends CallOptions {
  /** Most tasks in flight at once. @default 100 */
  concurrency?: number
  /** The name of the job the map runs as (dashboard, `argon jobs`). @default 'map ' + the function's name */
  job?: string
  /** Called after each task with the number done and the total. */
  onProgress?: (done: number, total: number) => void
}

/** A task started now; call it to wait for the result. Also iterable as the seed's `[deferred, isFinished]` pair. */
export interface Deferred<T> {
  (): Promise<T>
  isFinished(): boolean
  [Symbol.iterator](): Iterator<Deferred<T> | (() => boolean)>
}

/** Anything a task may be: a function (travels as source) or a module export. */
export type TaskFn<A extends unknown[], R> = ((...args: A) => R) | ModuleTask

/** One task as sent: its arguments are encoded once and kept for a resubmission after a reconnect. */
interface Submission {
  id: string
  fn: FunctionEntry
  args: Buffer
  /** A PRIORITY_CODE value. */
  priority: number
  /** ms; 0 = none. */
  timeout: number
}

interface Call {
  submission: Submission
  resolve: (value: unknown) => void
  reject: (error: ArgonError) => void
  retries: number
  retryTimer: NodeJS.Timeout | null
  timeoutTimer: NodeJS.Timeout | null
  signal: AbortSignal | undefined
  onAbort: (() => void) | null
  job: JobTracker | null
  /** The task id (what a job tracks a call by). */
  readonly id: string
}

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
  readonly #options: Required<Omit<ClientOptions, 'token' | 'taskOutput' | keyof TlsTrustOptions>> & { token: string }
  /** Prints task output, hands it to the caller's handler, or drops it (the client opted out). */
  readonly #output: OutputDelivery
  readonly #endpoint: ManagerEndpoint
  readonly #clientId = randomBytes(12).toString('hex')
  readonly #socket: Socket<ManagerToClientEvents, ClientToManagerEvents>
  readonly #pending = new Map<string, Call>()
  /** Tasks go straight into the next frame; functions cross this connection once (a new connection starts a new table). */
  readonly #submissions = new TaskFrameWriter(new FunctionTable())
  readonly #flushSubmissions: FlushScheduler
  readonly #cancels: FrameBatcher<CancelRequest>
  #seq = 0
  #everConnected = false
  #connectDeadlinePassed = false
  #fatal: ArgonError | null = null
  #closed = false
  #connectTimer: NodeJS.Timeout | null
  #readyWaiters: { resolve: () => void; reject: (error: ArgonError) => void }[] = []
  readonly #jobs: JobReports
  readonly #jobHost: JobHost = {
    start: (job, fn, args, options) =>
      new Promise((resolve, reject) => this.#start(fn, args, options, resolve, reject, job)),
    cancel: (job, why) => this.#cancelJob(job, why),
    end: (job) => {
      if (job.ended) return
      job.ended = true
      this.#jobs.changed(job)
    },
  }

  constructor(options: ClientOptions = {}) {
    const fromEnv = process.env.ARGON_MANAGER ? parseAddress(process.env.ARGON_MANAGER, 8000) : undefined
    this.#options = {
      host: options.host ?? fromEnv?.host ?? '127.0.0.1',
      port: options.port ?? fromEnv?.port ?? 8000,
      token: resolveToken(options.token) ?? '',
      retries: options.retries ?? 10,
      retryDelay: options.retryDelay ?? 100,
      maxRetryDelay: options.maxRetryDelay ?? 10_000,
      connectTimeout: options.connectTimeout ?? 10_000,
      maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    }
    const taskOutput = options.taskOutput ?? 'print'
    if (taskOutput !== 'print' && taskOutput !== 'ignore' && typeof taskOutput !== 'function')
      throw new TypeError("options.taskOutput must be 'print', 'ignore' or a function")
    this.#output = new OutputDelivery(taskOutput)
    const { host, port } = this.#options
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new TypeError('options.port must be an integer 1..65535')
    if (!Number.isInteger(this.#options.retries) || this.#options.retries < 0)
      throw new TypeError('options.retries must be a non-negative integer')
    const maxPayload = this.#options.maxPayloadBytes
    if (!Number.isInteger(maxPayload) || maxPayload < 1 || maxPayload > MAX_TASK_PAYLOAD_BYTES) {
      throw new TypeError(
        `options.maxPayloadBytes must be an integer 1..${MAX_TASK_PAYLOAD_BYTES} (what one frame can carry)`,
      )
    }
    this.#endpoint = resolveManagerEndpoint(host, port, {
      tls: options.tls,
      fingerprint: options.fingerprint,
      ca: options.ca,
    })
    this.#socket = io(`${this.#endpoint.origin}${NAMESPACES.client}`, {
      ...this.#endpoint.socketOptions,
      path: SOCKET_PATHS.machine,
      parser: packetCodec,
      transports: ['websocket'],
      auth: {
        token: this.#options.token,
        protocol: PROTOCOL_VERSION,
        clientId: this.#clientId,
        ...(taskOutput === 'ignore' ? { output: false } : {}),
      },
      extraHeaders: machineUpgradeHeaders(this.#options.token),
      reconnection: true,
      reconnectionAttempts: Infinity,
      reconnectionDelay: 250,
      reconnectionDelayMax: 5000,
      randomizationFactor: 0.5,
      timeout: Math.min(this.#options.connectTimeout, 20_000),
    })
    const socket = this.#socket
    this.#jobs = new JobReports({
      get connected() {
        return socket.connected
      },
      send: (reports) => socket.emit('job:update', reports),
    })
    this.#flushSubmissions = new FlushScheduler(() => {
      if (this.#submissions.count === 0) return
      // Unsent tasks are resubmitted on the next connect; don't let Socket.IO buffer duplicates.
      if (this.#socket.connected) this.#socket.emit('task:submit', this.#submissions.finish())
      else this.#submissions.discard()
    })
    this.#cancels = new FrameBatcher((requests) => {
      if (this.#socket.connected) this.#socket.emit('task:cancel', requests)
    })
    this.#connectTimer = setTimeout(() => this.#onConnectDeadline(), this.#options.connectTimeout)
    this.#connectTimer.unref()
    this.#wire()
  }

  /** True while the link to the manager is up. */
  get connected(): boolean {
    return this.#socket.connected
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
    let finished = false
    const promise = this.process(fn, args, options).finally(() => {
      finished = true
    })
    // The caller may never synchronise; a rejection must not crash the process meanwhile.
    promise.catch(() => undefined)
    const deferred = (() => promise) as Deferred<Awaited<R>>
    const isFinished = () => finished
    deferred.isFinished = isFinished
    deferred[Symbol.iterator] = function* () {
      yield deferred
      yield isFinished
    }
    return deferred
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
    await this.#ready()
    const reply: unknown = await this.#socket
      .timeout(10_000)
      .emitWithAck('cluster:status')
      .catch(() => {
        throw new ArgonError('CONNECTION_FAILED', 'no answer to a status request within 10 s')
      })
    return valueOfReply(clusterStatusSchema, reply)
  }

  /** Closes the link. Calls still waiting reject with CANCELLED. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#connectTimer) clearTimeout(this.#connectTimer)
    const error = new ArgonError('CANCELLED', 'the client was closed')
    // Its jobs end cancelled: their tasks are stopped below.
    this.#jobs.close()
    for (const call of [...this.#pending.values()]) {
      // Nobody waits for these any more: stop them on the cluster too.
      this.#cancels.push({ id: call.submission.id, reason: 'cancel' })
      this.#settleError(call, error)
    }
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error)
    this.#cancels.flush()
    this.#jobs.flush()
    if (this.#socket.connected) {
      // Let the manager handle the last cancellations before the disconnect reaches it.
      await this.#socket
        .timeout(2000)
        .emitWithAck('link:sync')
        .catch(() => undefined)
    }
    this.#socket.disconnect()
  }

  #start(
    fn: unknown,
    args: unknown[],
    options: CallOptions,
    resolve: (value: unknown) => void,
    reject: (error: ArgonError) => void,
    job: JobTracker | null = null,
  ): void {
    if (this.#closed) return reject(new ArgonError('CANCELLED', 'the client is closed'))
    if (job?.cancelled) return reject(new ArgonError('CANCELLED', `job "${job.name}" was cancelled`))
    if (job?.ended) return reject(new ArgonError('BAD_REQUEST', `job "${job.name}" has ended: it takes no more tasks`))
    if (this.#fatal) return reject(this.#fatal)
    if (!this.#everConnected && this.#connectDeadlinePassed) return reject(this.#connectionFailed())
    if (!Array.isArray(args)) return reject(new ArgonError('BAD_REQUEST', 'args must be an array'))
    if (options.signal?.aborted) return reject(new ArgonError('CANCELLED', 'the signal was already aborted'))
    if (options.timeout !== undefined && !(Number.isInteger(options.timeout) && options.timeout > 0)) {
      return reject(new ArgonError('BAD_REQUEST', 'options.timeout must be a positive integer (ms)'))
    }
    let submission: Submission
    try {
      const task = toFunctionEntry(fn)
      let bytes: Buffer
      try {
        bytes = encodeValue(args)
      } catch (error) {
        throw new ArgonError('BAD_REQUEST', `arguments cannot be serialized: ${(error as Error).message}`)
      }
      if (bytes.byteLength > this.#options.maxPayloadBytes) {
        throw new ArgonError(
          'PAYLOAD_TOO_LARGE',
          `arguments are ${bytes.byteLength} bytes; the limit is ${this.#options.maxPayloadBytes}`,
        )
      }
      if (options.priority !== undefined && !Object.hasOwn(PRIORITY_CODE, options.priority))
        throw new ArgonError('BAD_REQUEST', 'options.priority must be high, normal or low')
      const priority = PRIORITY_CODE[options.priority ?? 'normal']
      submission = {
        // A job's tasks carry its key, so the manager can cancel them itself.
        id: `${this.#clientId}-${(++this.#seq).toString(36)}${job === null ? '' : jobTaskSuffix(job.key)}`,
        fn: task,
        args: bytes,
        priority,
        timeout: options.timeout ?? 0,
      }
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
    this.#pending.set(submission.id, call)
    if (job !== null) {
      job.started(call)
      this.#jobs.changed(job)
    }
    if (options.timeout !== undefined) {
      call.timeoutTimer = setTimeout(() => this.#abandon(call, 'timeout'), options.timeout)
    }
    if (options.signal) {
      call.onAbort = () => this.#abandon(call, 'cancel')
      options.signal.addEventListener('abort', call.onAbort, { once: true })
    }
    this.#send(call)
  }

  #send(call: Call): void {
    if (!this.#socket.connected) return
    const { id, fn, args, priority, timeout } = call.submission
    const writer = this.#submissions
    this.#flushSubmissions.beforeAdd(writer.payloadBytes, args.byteLength)
    writer.add(id, fn, 0, timeout, priority, args, 0, args.byteLength)
    this.#flushSubmissions.added(writer.count, writer.payloadBytes)
  }

  /** Timeout or abort: answer the caller now and tell the manager to stop the task. */
  #abandon(call: Call, reason: 'timeout' | 'cancel'): void {
    if (!this.#pending.has(call.submission.id)) return
    this.#cancels.push({ id: call.submission.id, reason })
    const ms = call.submission.timeout
    this.#settleError(
      call,
      reason === 'timeout'
        ? new ArgonError('TASK_TIMEOUT', `task timed out after ${ms} ms`)
        : new ArgonError('CANCELLED', 'task cancelled by its signal'),
    )
  }

  #onOutcomes(input: unknown): void {
    const frame = readOutcomeFrame(input)
    if (!frame.ok) {
      // Never dropped silently: every call whose id can be read fails with the reason.
      process.emitWarning(`argon: an answer frame from the manager could not be read: ${cutText(frame.message)}`)
      for (const id of frame.ids) {
        const call = this.#pending.get(id)
        if (call)
          this.#settleError(
            call,
            new ArgonError('BAD_REQUEST', `the manager sent an answer that cannot be read: ${cutText(frame.message)}`),
          )
      }
      return
    }
    const { ids, status, bytes, offsets } = frame
    for (let i = 0; i < frame.count; i++) {
      const call = this.#pending.get(ids[i]!)
      if (!call) continue // already answered (a duplicate after a reconnect)
      if (status[i] === STATUS_OK) {
        let value: unknown
        try {
          value = decodeValueRange(bytes, offsets[i]!, offsets[i + 1]!)
        } catch (error) {
          this.#settleError(call, new ArgonError('BAD_REQUEST', `result cannot be read: ${(error as Error).message}`))
          continue
        }
        this.#settleValue(call, value)
        continue
      }
      const error = outcomeError(frame, i)
      if (error === undefined)
        this.#settleError(
          call,
          new ArgonError('BAD_REQUEST', `the error of task ${call.submission.id} could not be read`),
        )
      else this.#onError(call, error)
    }
  }

  #onError(call: Call, error: WireError): void {
    if (error.code === 'QUEUE_FULL' && call.retries < this.#options.retries) {
      call.retries++
      const delay = retryDelay(call.retries, this.#options.retryDelay, this.#options.maxRetryDelay)
      call.retryTimer = setTimeout(() => {
        call.retryTimer = null
        if (this.#pending.has(call.submission.id)) this.#send(call)
      }, delay)
      return
    }
    this.#settleError(call, restoreError(error))
  }

  #settleValue(call: Call, value: unknown): void {
    this.#forget(call)
    if (call.job !== null) {
      call.job.settled(call, undefined)
      this.#jobs.changed(call.job)
    }
    call.resolve(value)
  }

  #settleError(call: Call, error: ArgonError): void {
    this.#forget(call)
    if (call.job !== null) {
      call.job.settled(call, error)
      this.#jobs.changed(call.job)
    }
    call.reject(error)
  }

  /** Cancels a job's calls through the usual path: each is cancelled on the cluster and rejects with CANCELLED. */
  #cancelJob(job: JobTracker, why: string): void {
    if (job.cancelled || job.state !== 'running') return
    job.cancelled = true
    const error = new ArgonError('CANCELLED', `job "${job.name}" was cancelled ${why}`)
    for (const call of [...job.calls] as Call[]) {
      if (!this.#pending.has(call.id)) continue
      this.#cancels.push({ id: call.id, reason: 'cancel' })
      this.#settleError(call, error)
    }
    this.#jobs.changed(job)
  }

  #forget(call: Call): void {
    this.#pending.delete(call.submission.id)
    this.#output.settled(call.id)
    if (call.retryTimer) clearTimeout(call.retryTimer)
    if (call.timeoutTimer) clearTimeout(call.timeoutTimer)
    if (call.onAbort) call.signal?.removeEventListener('abort', call.onAbort)
  }

  #wire(): void {
    const socket = this.#socket
    socket.on('connect', () => {
      this.#everConnected = true
      if (this.#connectTimer) clearTimeout(this.#connectTimer)
      this.#connectTimer = null
      for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve()
      // First connect: send what was called meanwhile. Reconnect: resubmit everything unanswered;
      // the manager ignores ids it still holds and answers each id once.
      for (const call of this.#pending.values()) if (call.retryTimer === null) this.#send(call)
      // The manager may have restarted or given up on our jobs meanwhile: report them whole.
      this.#jobs.reportAll()
    })
    socket.on('disconnect', (reason) => {
      // The next connection starts a new function table; what was not sent is resubmitted then.
      this.#submissions.discard()
      if (reason === 'io server disconnect' && !this.#closed && !this.#fatal) {
        // The manager closed us (shutting down); Socket.IO leaves reconnecting to us.
        setTimeout(() => !this.#closed && socket.connect(), 250 + Math.random() * 500)
      }
    })
    socket.on('connect_error', (error) => {
      const code = refusalCode(error)
      if (code !== undefined) {
        this.#fail(new ArgonError(code, `the manager refused the connection: ${error.message}`, { retryable: false }))
        return
      }
      // A certificate that is not the expected one will not become so: fail now, not at the timeout.
      const tlsFailure = describeTlsFailure(error, this.#endpoint)
      if (tlsFailure) this.#fail(new ArgonError(tlsFailure.code, tlsFailure.message, { retryable: false }))
    })
    socket.on('task:settled', (frame) => this.#onOutcomes(frame))
    socket.on('task:output', (input: unknown) => {
      const chunks = clientOutputBatchSchema.safeParse(input)
      if (!chunks.success) return
      this.#output.deliver(chunks.data)
    })
    socket.on('job:cancel', (order: unknown) => {
      const parsed = jobCancelOrderSchema.safeParse(order)
      const job = parsed.success ? this.#jobs.get(parsed.data.key) : undefined
      if (job !== undefined) this.#cancelJob(job, 'by an operator')
    })
    socket.on('request:rejected', (error) => {
      // A frame the manager could not read at all: nothing to retry, but worth seeing.
      process.emitWarning(`argon manager rejected a frame: ${String(error?.code)}: ${cutText(String(error?.message))}`)
    })
  }

  #fail(error: ArgonError): void {
    this.#fatal = error
    this.#socket.disconnect()
    if (this.#connectTimer) clearTimeout(this.#connectTimer)
    for (const call of [...this.#pending.values()]) this.#settleError(call, error)
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error)
  }

  #onConnectDeadline(): void {
    this.#connectTimer = null
    if (this.#everConnected) return
    this.#connectDeadlinePassed = true
    const error = this.#connectionFailed()
    for (const call of [...this.#pending.values()]) this.#settleError(call, error)
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error)
  }

  #connectionFailed(): ArgonError {
    return new ArgonError(
      'CONNECTION_FAILED',
      `could not connect to ${this.#options.host}:${this.#options.port} within ${this.#options.connectTimeout} ms`,
    )
  }

  #ready(): Promise<void> {
    if (this.#socket.connected) return Promise.resolve()
    if (this.#closed) return Promise.reject(new ArgonError('CANCELLED', 'the client is closed'))
    if (this.#fatal) return Promise.reject(this.#fatal)
    if (!this.#everConnected && this.#connectDeadlinePassed) return Promise.reject(this.#connectionFailed())
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }))
  }
}
