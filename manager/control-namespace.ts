import type { z } from 'zod'
import type { Namespace, Socket } from 'socket.io'
import {
  cutText,
  nodeNameRequestSchema,
  parseMessage,
  taskQuerySchema,
  nodeScaleRequestSchema,
  jobCancelRequestSchema,
  serializeError,
  type ClusterMetrics,
  type ClusterStatus,
  type ControlToManagerEvents,
  type DashboardUpdate,
  type ManagerToControlEvents,
  type Reply,
} from '../protocol/index.js'
import { Ring, type ActivityLog } from './activity-log.js'
import { checkHandshake } from './auth.js'
import { ClusterControls } from './cluster-controls.js'
import type { Dispatcher } from './dispatcher.js'
import { DASHBOARD_JOBS, type JobBoard } from './jobs/job-board.js'
import type { Logger } from './logger.js'
import { frameRejecter } from './frame-rejections.js'
import type { WarningThrottle } from './warning-throttle.js'

/** What each dashboard has already been sent, so no event or task reaches it twice. */
interface ControlCursor {
  eventSeq: number
  taskSeq: number
}

export type ControlNamespace = Namespace<
  ControlToManagerEvents,
  ManagerToControlEvents,
  Record<string, never>,
  ControlCursor
>
type ControlSocket = Socket<ControlToManagerEvents, ManagerToControlEvents, Record<string, never>, ControlCursor>

export interface ControlOptions {
  token: string
  dispatcher: Dispatcher
  activity: ActivityLog
  jobs: JobBoard
  log: Logger
  warnings: WarningThrottle
  status: () => ClusterStatus
  joinCommands: () => string[]
  /** How often the dashboard gets an update (coalesced), ms. */
  updateIntervalMs?: number
}

/** Throughput, latency and queue depth sampled once a second; the dashboard chart's history. */
export class MetricsHistory {
  /** An hour at one sample a second (the chart's longest range). */
  readonly samples = new Ring<ClusterMetrics>(3600)
  #last: ClusterMetrics = { at: Date.now(), tasksPerSecond: 0, p50Ms: null, p99Ms: null, queued: 0 }

  constructor(private readonly dispatcher: Dispatcher) {}

  get last(): ClusterMetrics {
    return this.#last
  }

  sample(): ClusterMetrics {
    this.dispatcher.latency.mark()
    const [p50 = null, p99 = null] = this.dispatcher.latency.recentPercentiles(0.5, 0.99) ?? []
    this.#last = {
      at: Date.now(),
      tasksPerSecond: this.dispatcher.rate.perSecond(),
      p50Ms: p50,
      p99Ms: p99,
      queued: this.dispatcher.queued,
    }
    this.samples.push(this.#last)
    return this.#last
  }
}

/**
 * `/control`: the dashboard and the `argon nodes|drain|resume` commands. Operators see coalesced
 * updates (a few per second at most, whatever the task rate) and change rotation.
 */
export function serveControl(namespace: ControlNamespace, options: ControlOptions): { close(): void } {
  const { dispatcher, activity, jobs, warnings } = options
  const history = new MetricsHistory(dispatcher)
  const controls = new ClusterControls(dispatcher, activity, options.status)

  namespace.use((socket, next) => next(checkHandshake(socket.handshake.auth, options.token) ?? undefined))

  const answer = <T>(ack: unknown, run: () => T) => {
    if (typeof ack !== 'function') return
    let reply: Reply<T>
    try {
      reply = { ok: true, value: run() }
    } catch (error) {
      // A refusal is an ArgonError with its code; anything else thrown is a bad request.
      reply = { ok: false, error: serializeError(error, 'BAD_REQUEST') }
    }
    ;(ack as (reply: Reply<T>) => void)(reply)
  }

  const withName = <T>(event: string, frame: unknown, ack: unknown, run: (name: string) => T) => {
    const request = parseMessage(nodeNameRequestSchema, frame)
    if (!request.ok) {
      warnings.warn('bad-frame:control', { event }, `bad control frame: ${cutText(request.error.message)}`)
      if (typeof ack === 'function') (ack as (reply: Reply<T>) => void)({ ok: false, error: request.error })
      return
    }
    answer(ack, () => run(request.value.name))
  }

  /** Validates a request frame with its schema, then answers it with `run`'s value or error. */
  const withRequest = <R, T>(
    schema: z.ZodType<R>,
    event: string,
    frame: unknown,
    ack: unknown,
    run: (request: R) => T,
  ) => {
    const request = parseMessage(schema, frame)
    if (!request.ok) {
      warnings.warn('bad-frame:control', { event }, `bad control frame: ${cutText(request.error.message)}`)
      if (typeof ack === 'function') (ack as (reply: Reply<T>) => void)({ ok: false, error: request.error })
      return
    }
    answer(ack, () => run(request.value))
  }

  namespace.on('connection', (socket: ControlSocket) => {
    const rejecter = frameRejecter(socket, 'bad-frame:control', {}, warnings)
    socket.onAny((event: unknown) => {
      // An event is known when a handler listens for it.
      if (typeof event !== 'string' || socket.listenerCount(event) === 0) rejecter.reject(event, 'unknown event')
    })
    socket.on('cluster:status', (ack: unknown) => answer(ack, options.status))
    socket.on('node:drain', (frame: unknown, ack: unknown) =>
      withName('node:drain', frame, ack, (name) => dispatcher.drain(name)),
    )
    socket.on('node:resume', (frame: unknown, ack: unknown) =>
      withName('node:resume', frame, ack, (name) => dispatcher.resume(name)),
    )
    socket.on('node:dismiss', (frame: unknown, ack: unknown) =>
      withName('node:dismiss', frame, ack, (name) => (dispatcher.dismiss(name), null)),
    )
    socket.on('tasks:query', (frame: unknown, ack: unknown) =>
      withRequest(taskQuerySchema, 'tasks:query', frame, ack, (query) => activity.history.query(query)),
    )
    socket.on('cluster:pause', (ack: unknown) => answer(ack, () => controls.pause()))
    socket.on('cluster:resume', (ack: unknown) => answer(ack, () => controls.resume()))
    socket.on('node:scale', (frame: unknown, ack: unknown) =>
      withRequest(nodeScaleRequestSchema, 'node:scale', frame, ack, (request) =>
        controls.scale(request.name, request.workers),
      ),
    )
    socket.on('jobs:list', (ack: unknown) => answer(ack, () => jobs.list()))
    socket.on('job:cancel', (frame: unknown, ack: unknown) =>
      withRequest(jobCancelRequestSchema, 'job:cancel', frame, ack, (request) => jobs.cancel(request.id)),
    )
    const first: DashboardUpdate = {
      status: options.status(),
      metrics: history.last,
      events: activity.recentEvents(),
      tasks: activity.tasks.toArray(),
      history: history.samples.toArray(),
      joinCommands: options.joinCommands(),
      jobs: jobs.list(DASHBOARD_JOBS),
    }
    socket.data.eventSeq = activity.lastEventSeq
    socket.data.taskSeq = activity.lastTaskSeq
    socket.emit('dashboard:update', first)
  })

  const sampler = setInterval(() => history.sample(), 1000)
  const broadcaster = setInterval(() => {
    const fresh = activity.takeNew()
    if (namespace.sockets.size === 0) return
    const status = options.status()
    const joinCommands = options.joinCommands()
    const jobList = jobs.list(DASHBOARD_JOBS)
    for (const socket of namespace.sockets.values()) {
      // A dashboard that connected since the last round already got these in its snapshot.
      const cursor = socket.data
      const update: DashboardUpdate = {
        status,
        metrics: history.last,
        events: fresh.events.filter((event) => event.seq > cursor.eventSeq),
        tasks: fresh.tasks.filter((task) => task.seq > cursor.taskSeq).map((task) => task.record),
        joinCommands,
        jobs: jobList,
      }
      cursor.eventSeq = activity.lastEventSeq
      cursor.taskSeq = activity.lastTaskSeq
      socket.emit('dashboard:update', update)
    }
  }, options.updateIntervalMs ?? 500)
  sampler.unref()
  broadcaster.unref()
  return {
    close() {
      clearInterval(sampler)
      clearInterval(broadcaster)
    },
  }
}
