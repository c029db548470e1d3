import { io, type Socket } from 'socket.io-client'
import type { ClusterStatus, DashboardUpdate, NodeStatus, TaskPage, TaskQuery } from '../../../protocol/cluster.js'
import type { ControlToManagerEvents, ManagerToControlEvents } from '../../../protocol/events.js'
import type { JobStatus } from '../../../protocol/jobs.js'
import type { Reply, WireError } from '../../../protocol/wire-error.js'
import { NAMESPACES, SOCKET_PATHS } from '../../../protocol/namespaces.js'
import { PROTOCOL_VERSION } from '../../../protocol/version.js'

/**
 * `connecting`: first attempt. `connected`: authenticated, updates flowing. `reconnecting`: the
 * link dropped and Socket.IO is retrying. `refused`: the manager rejected the token.
 * `failed`: refused for another reason (e.g. PROTOCOL_MISMATCH); no retry.
 */
export type ConnectionPhase = 'connecting' | 'connected' | 'reconnecting' | 'refused' | 'failed'

export interface ConnectionListener {
  update(update: DashboardUpdate): void
  phase(phase: ConnectionPhase, code?: string): void
}

/** How long a drain/resume/dismiss waits for its ack. */
export const REQUEST_TIMEOUT_MS = 10_000

type ControlSocket = Socket<ManagerToControlEvents, ControlToManagerEvents>

/**
 * The dashboard's one link to the manager: namespace `/control` on path `/control.io`, the
 * same for a browser on the LAN and for the desktop window.
 */
export class ControlConnection {
  readonly #socket: ControlSocket
  readonly #listener: ConnectionListener
  #connectedOnce = false
  #closed = false

  constructor(origin: string, token: string, listener: ConnectionListener) {
    this.#listener = listener
    this.#socket = io(origin + NAMESPACES.control, {
      path: SOCKET_PATHS.control,
      auth: { token, protocol: PROTOCOL_VERSION },
      // WebSocket first: no long-poll requests left dangling (and logged as 400s) when a session
      // ends; long-polling remains the fallback where a proxy blocks WebSockets.
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnectionDelayMax: 3000,
    })
    this.#socket.on('connect', () => {
      this.#connectedOnce = true
      listener.phase('connected')
    })
    this.#socket.on('connect_error', (error: Error & { data?: { code?: unknown } }) => {
      const code = typeof error.data?.code === 'string' ? error.data.code : undefined
      if (code === 'UNAUTHORIZED') {
        this.close()
        listener.phase('refused', code)
      } else if (!this.#socket.active) {
        // Refused by the manager for another reason: Socket.IO will not retry on its own.
        this.close()
        listener.phase('failed', code ?? 'CONNECTION_FAILED')
      } else {
        listener.phase(this.#connectedOnce ? 'reconnecting' : 'connecting')
      }
    })
    this.#socket.on('disconnect', (reason) => {
      if (this.#closed) return
      listener.phase('reconnecting')
      // The manager itself dropped us (e.g. a restart with a new token): ask again, and a
      // refused token then shows the token form.
      if (reason === 'io server disconnect') this.#socket.connect()
    })
    this.#socket.on('dashboard:update', (update) => listener.update(update))
    this.#socket.on('request:rejected', (error) => {
      console.warn(`manager rejected a request: ${error.code}`, error.message)
    })
  }

  /** Takes a node out of rotation. */
  drain(name: string): Promise<Reply<NodeStatus>> {
    return this.#request(() => this.#socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck('node:drain', { name }))
  }

  /** Puts a node back into rotation. */
  resume(name: string): Promise<Reply<NodeStatus>> {
    return this.#request(() => this.#socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck('node:resume', { name }))
  }

  /** Forgets an offline node. */
  dismiss(name: string): Promise<Reply<null>> {
    return this.#request(() => this.#socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck('node:dismiss', { name }))
  }

  /** Pauses (true) or resumes (false) dispatch for the whole cluster. */
  setPaused(paused: boolean): Promise<Reply<ClusterStatus>> {
    return this.#request(() =>
      this.#socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(paused ? 'cluster:pause' : 'cluster:resume'),
    )
  }

  /** Resizes a node's pool of worker processes. */
  scale(name: string, workers: number): Promise<Reply<NodeStatus>> {
    return this.#request(() => this.#socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck('node:scale', { name, workers }))
  }

  /** Searches the manager's task history. */
  queryTasks(query: TaskQuery): Promise<Reply<TaskPage>> {
    return this.#request(() => this.#socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck('tasks:query', query))
  }

  /** Cancels a running job: its client cancels its queued and running tasks. */
  cancelJob(id: number): Promise<Reply<JobStatus>> {
    return this.#request(() => this.#socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck('job:cancel', { id }))
  }

  close(): void {
    this.#closed = true
    this.#socket.close()
  }

  // A request never throws: no link or no answer in time become CONNECTION_FAILED replies.
  async #request<T>(send: () => Promise<Reply<T>>): Promise<Reply<T>> {
    if (!this.#socket.connected) return { ok: false, error: localError('not connected to the manager') }
    try {
      return await send()
    } catch {
      return { ok: false, error: localError('the manager did not answer in time') }
    }
  }
}

function localError(message: string): WireError {
  return { name: 'ArgonError', code: 'CONNECTION_FAILED', message, retryable: true }
}
