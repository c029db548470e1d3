import { io, type Socket } from 'socket.io-client'
import {
  NAMESPACES,
  type ClientToManagerEvents,
  type ManagerEndpoint,
  type ManagerToClientEvents,
} from '../protocol/index.js'
import { ArgonError } from '../protocol/argon-error.js'
import { useDataLinks } from '../protocol/data-link-peer.js'
import { machineSocketOptions, superviseLink, syncAndDisconnect } from '../protocol/machine-link.js'
import type { ClientSettings } from './client-options.js'

export type ClientSocket = Socket<ManagerToClientEvents, ClientToManagerEvents>

/** What the connection tells its client. */
export interface ConnectionEvents {
  /** Connected (first time or again). */
  up(): void
  /** The link went down (it reconnects by itself unless closed or failed for good). */
  down(): void
  /** The link failed for good (refused, wrong certificate) or never came up in time: no call can succeed. */
  failed(error: ArgonError): void
}

/**
 * A client's connection to its manager: connects (and reconnects) on its own, fails for good when
 * the manager refuses it or its certificate is not the expected one, and fails calls with
 * CONNECTION_FAILED when it has never connected within `connectTimeout`.
 */
export class ClientConnection {
  readonly socket: ClientSocket
  readonly #settings: ClientSettings
  readonly #events: ConnectionEvents
  #everConnected = false
  #connectDeadlinePassed = false
  #fatal: ArgonError | null = null
  #closed = false
  #connectTimer: NodeJS.Timeout | null
  #readyWaiters: { resolve: () => void; reject: (error: ArgonError) => void }[] = []

  constructor(
    endpoint: ManagerEndpoint,
    settings: ClientSettings,
    auth: Record<string, unknown>,
    events: ConnectionEvents,
  ) {
    this.#settings = settings
    this.#events = events
    this.socket = io(
      `${endpoint.origin}${NAMESPACES.client}`,
      machineSocketOptions(endpoint, settings.token, auth, Math.min(settings.connectTimeout, 20_000)),
    )
    useDataLinks(this.socket.io)
    this.#connectTimer = setTimeout(() => this.#onConnectDeadline(), settings.connectTimeout)
    this.#connectTimer.unref()
    this.socket.on('connect', () => {
      this.#everConnected = true
      if (this.#connectTimer) clearTimeout(this.#connectTimer)
      this.#connectTimer = null
      for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve()
      this.#events.up()
    })
    this.socket.on('disconnect', () => this.#events.down())
    superviseLink(this.socket, endpoint, {
      ended: () => this.#closed || this.#fatal !== null,
      fatal: (code, message) =>
        this.#fail(
          new ArgonError(code, code === 'TLS_MISMATCH' ? message : `the manager refused the connection: ${message}`, {
            retryable: false,
          }),
        ),
    })
  }

  get connected(): boolean {
    return this.socket.connected
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Why no call can start (the link failed for good, or never came up in time), or null. */
  failure(): ArgonError | null {
    if (this.#fatal) return this.#fatal
    if (!this.#everConnected && this.#connectDeadlinePassed) return this.#connectionFailed()
    return null
  }

  /** Resolves once connected; rejects when closed or failed. */
  ready(): Promise<void> {
    if (this.socket.connected) return Promise.resolve()
    if (this.#closed) return Promise.reject(new ArgonError('CANCELLED', 'the client is closed'))
    const failure = this.failure()
    if (failure) return Promise.reject(failure)
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }))
  }

  /** Stops connecting; whoever waits for the connection gets `error`. */
  close(error: ArgonError): void {
    this.#closed = true
    if (this.#connectTimer) clearTimeout(this.#connectTimer)
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error)
  }

  /** Disconnects once the manager has handled every frame sent before (at most 2 s). */
  async disconnect(): Promise<void> {
    await syncAndDisconnect(this.socket, 2000)
  }

  #fail(error: ArgonError): void {
    this.#fatal = error
    if (this.#connectTimer) clearTimeout(this.#connectTimer)
    this.#events.failed(error)
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error)
  }

  #onConnectDeadline(): void {
    this.#connectTimer = null
    if (this.#everConnected) return
    this.#connectDeadlinePassed = true
    const error = this.#connectionFailed()
    this.#events.failed(error)
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error)
  }

  #connectionFailed(): ArgonError {
    const { host, port, connectTimeout } = this.#settings
    return new ArgonError('CONNECTION_FAILED', `could not connect to ${host}:${port} within ${connectTimeout} ms`)
  }
}
