import { io, type Socket } from 'socket.io-client'
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  FrameBatcher,
  FunctionRegistry,
  NAMESPACES,
  OutcomeFrameWriter,
  cancelRequestSchema,
  resolveManagerEndpoint,
  parseBatch,
  parseMessage,
  stealRequestSchema,
  readTaskFrame,
  taskProblem,
  wireError,
  type ManagerToNodeEvents,
  type NodeHandshake,
  type NodeHeartbeat,
  type NodeState,
  type NodeToManagerEvents,
  type ManagerEndpoint,
  type TaskOutputChunk,
  type TlsTrustOptions,
} from '../protocol/index.js'
import { useDataLinks } from '../protocol/data-link-peer.js'
import {
  machineSocketOptions,
  nextReconnectDelayMs,
  superviseLink,
  syncAndDisconnect,
} from '../protocol/machine-link.js'
import { emitDirectClient, onDirectClientEvent } from '../protocol/direct-events.js'
import { finishForPacket } from '../protocol/packet-codec.js'
import type { ChildPool, PoolOutcome, PoolTask } from './child-pool.js'

export interface ManagerLinkOptions {
  host: string
  port: number
  /** How to trust the manager (TLS, pinned fingerprint, CA). */
  trust: TlsTrustOptions
  identity: Omit<NodeHandshake, 'protocol'>
  pool: ChildPool
  heartbeat: () => NodeHeartbeat
  log: (message: string) => void
  /** The manager refused us for good (wrong token, protocol version): the agent should exit. */
  onFatal: (code: string, message: string) => void
}

/** Outcomes kept while the link is down, reported when it is back (the manager dedupes). */
const MAX_HELD_OUTCOMES = 100_000

/**
 * The agent's link to its manager: joins with a stable node id, takes assignments, reports
 * outcomes in batches, sends heartbeats, and reconnects forever with capped, jittered backoff.
 */
export class ManagerLink {
  readonly #options: ManagerLinkOptions
  readonly #socket: Socket<ManagerToNodeEvents, NodeToManagerEvents>
  readonly #endpoint: ManagerEndpoint
  readonly #outcomes: FrameBatcher<PoolOutcome>
  /** Task output goes out ahead of the outcomes it precedes (best effort: dropped while the link is down). */
  readonly #output: FrameBatcher<TaskOutputChunk>
  readonly #writer = new OutcomeFrameWriter()
  /** This connection's function table, as the manager numbers it (a new connection starts afresh). */
  readonly #functions = new FunctionRegistry()
  #held: PoolOutcome[] = []
  #heartbeat: NodeJS.Timeout | null = null
  #closed = false
  #wasConnected = false
  #state: NodeState = 'active'

  constructor(options: ManagerLinkOptions) {
    this.#options = options
    this.#endpoint = resolveManagerEndpoint(options.host, options.port, options.trust)
    this.#socket = io(
      `${this.#endpoint.origin}${NAMESPACES.node}`,
      machineSocketOptions(this.#endpoint, options.identity.token, options.identity, 5000),
    )
    useDataLinks(this.#socket.io)
    this.#output = new FrameBatcher((chunks) => {
      if (this.#socket.connected) this.#socket.emit('task:output', chunks)
    })
    this.#outcomes = new FrameBatcher((outcomes) => {
      // A task's output reaches the manager before its outcome, so its history record has it.
      this.#output.flush()
      if (!this.#socket.connected) return this.#hold(outcomes)
      // Results are forwarded by range: a child's outcomes sent on together are one copy.
      const writer = this.#writer
      for (const outcome of outcomes) {
        if (outcome.ok)
          writer.addResult(
            outcome.id,
            outcome.attempt,
            outcome.ms,
            undefined,
            outcome.bytes,
            outcome.start,
            outcome.end,
          )
        else writer.addError(outcome.id, outcome.attempt, outcome.ms, outcome.error)
      }
      emitDirectClient(this.#socket, NAMESPACES.node, 'task:settled', finishForPacket(writer))
    })
    this.#wire()
  }

  get connected(): boolean {
    return this.#socket.connected
  }

  report(outcome: PoolOutcome): void {
    if (this.#socket.connected) this.#outcomes.push(outcome, outcome.ok ? outcome.end - outcome.start : 0)
    else this.#hold([outcome])
  }

  /** What tasks wrote to stdout/stderr (from the pool, batched per child). */
  output(pid: number, chunks: readonly { id: string; stream: 'stdout' | 'stderr'; text: string }[]): void {
    if (!this.#socket.connected) return
    for (const chunk of chunks) this.#output.push({ ...chunk, pid }, chunk.text.length)
  }

  /** Tells the manager we are leaving, handing back tasks that never started. */
  leaving(returned: string[]): void {
    this.#outcomes.flush()
    if (this.#socket.connected) this.#socket.emit('node:leaving', returned)
  }

  /** Sends what is pending and closes the link. */
  async close(): Promise<void> {
    this.#closed = true
    this.#outcomes.flush()
    if (this.#heartbeat) clearInterval(this.#heartbeat)
    // Our last outcomes are handled before the disconnect, or they would be dropped and their tasks re-run.
    await syncAndDisconnect(this.#socket, 5000)
  }

  #wire(): void {
    const socket = this.#socket
    const { log, pool } = this.#options
    socket.on('connect', () => {
      this.#functions.clear()
      log(
        `joined manager ${this.#options.host}:${this.#options.port}${this.#describeTls()} as ${this.#options.identity.name} (id ${this.#options.identity.nodeId}${this.#wasConnected ? ', reconnected' : ''})`,
      )
      this.#wasConnected = true
      const held = this.#held
      this.#held = []
      for (const outcome of held) this.#outcomes.push(outcome)
      socket.emit('node:heartbeat', this.#options.heartbeat())
      if (!this.#heartbeat) {
        this.#heartbeat = setInterval(() => {
          if (socket.connected) socket.emit('node:heartbeat', this.#options.heartbeat())
        }, 1000)
        this.#heartbeat.unref()
      }
    })
    socket.on('disconnect', (reason) => {
      if (this.#closed) return
      log(`lost link to manager (${reason}); reconnecting`)
      this.#hold(this.#outcomes.take())
      // The manager has re-queued what we had not started; running children finish and report later.
      pool.takeQueued()
    })
    // Each failed attempt is logged with the next delay, so a waiting agent visibly keeps trying.
    let attempt = 0
    socket.on('connect', () => {
      attempt = 0
    })
    superviseLink(socket, this.#endpoint, {
      ended: () => this.#closed,
      fatal: (code, message) => {
        this.#closed = true
        this.#options.onFatal(code, message)
      },
      retrying: (cause) => {
        attempt += 1
        log(
          `cannot reach manager ${this.#options.host}:${this.#options.port} (${cause}); attempt ${attempt} failed, next in about ${formatSeconds(nextReconnectDelayMs(attempt))}`,
        )
      },
    })
    onDirectClientEvent(socket, NAMESPACES.node, 'task:run', (input: unknown) => {
      const frame = readTaskFrame(input, this.#functions)
      if (!frame.ok) {
        // Answer every id that can be read, so the manager holds no task for us that we never run.
        log(`malformed assignment frame (${frame.ids.length} readable id(s) answered BAD_REQUEST): ${frame.message}`)
        for (const id of frame.ids)
          this.report({
            id,
            attempt: 0,
            ms: 0,
            ok: false,
            error: wireError('BAD_REQUEST', `task:run: ${frame.message}`),
          })
        return
      }
      const tasks: PoolTask[] = []
      const { ids, fns, attempts, timeouts, offsets, bytes } = frame
      for (let i = 0; i < frame.count; i++) {
        const problem = taskProblem(frame, i, this.#functions, DEFAULT_MAX_PAYLOAD_BYTES * 64)
        if (problem !== undefined) {
          this.report({
            id: ids[i]!,
            attempt: attempts[i]!,
            ms: 0,
            ok: false,
            error: wireError('BAD_REQUEST', `task:run: ${problem.message}`),
          })
          continue
        }
        tasks.push({
          id: ids[i]!,
          attempt: attempts[i]!,
          fn: this.#functions.get(fns[i]!)!,
          timeout: timeouts[i]!,
          bytes,
          start: offsets[i]!,
          end: offsets[i + 1]!,
        })
      }
      if (tasks.length > 0) pool.run(tasks)
    })
    socket.on('task:cancel', (frame: unknown) => {
      const { valid } = parseBatch(cancelRequestSchema, frame)
      for (const request of valid) pool.cancel(request)
    })
    socket.on('task:steal', (frame: unknown) => {
      const request = parseMessage(stealRequestSchema, frame)
      if (!request.ok) return log(`ignored a malformed steal request: ${request.error.message}`)
      // Always answered at once, also with nothing, so the manager stops waiting for these tasks;
      // tasks the children hand back later follow on the same connection (after a reconnect the
      // manager has taken back everything unanswered already).
      const connection = socket.id
      const later = (tasks: PoolTask[]): void => {
        if (socket.connected && socket.id === connection)
          socket.emit(
            'task:returned',
            tasks.map((task) => task.id),
          )
      }
      socket.emit(
        'task:returned',
        pool.takeBack(request.value.count, later).map((task) => task.id),
      )
    })
    socket.on('node:scale', (update) => {
      const workers = update?.workers
      if (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1 || workers > 4096)
        return log('ignored a malformed resize request')
      log(`the manager resized this node to ${workers} worker${workers === 1 ? '' : 's'}`)
      pool.resize(workers)
      // A later reconnect reports the new size.
      this.#options.identity.workers = workers
      ;(socket.auth as Record<string, unknown>).workers = workers
    })
    socket.on('node:state', (update) => {
      if (update?.state && update.state !== this.#state) {
        this.#state = update.state
        log(`manager set this node ${update.state}`)
      }
    })
    socket.on('node:named', (update) => {
      if (typeof update?.name !== 'string' || update.name === this.#options.identity.name) return
      log(`the manager knows this node as ${update.name} (${this.#options.identity.name} is held by another node)`)
      // Asked for again on every reconnect, so the name stays the same (also after a manager restart).
      this.#options.identity.name = update.name
      ;(socket.auth as Record<string, unknown>).name = update.name
    })
    socket.on('request:rejected', (error) => log(`manager rejected a frame: ${error?.code} ${error?.message}`))
  }

  #describeTls(): string {
    const endpoint = this.#endpoint
    if (!endpoint.tls) return ''
    return endpoint.verification === 'fingerprint'
      ? ` over TLS (pinned ${endpoint.fingerprint})`
      : ` over TLS (${endpoint.verification === 'ca' ? 'given CA' : 'system CAs'})`
  }

  #hold(outcomes: PoolOutcome[]): void {
    for (const outcome of outcomes) {
      // A held result must not keep the whole chunk its child's message arrived in alive.
      this.#held.push(
        outcome.ok
          ? {
              ...outcome,
              bytes: Buffer.from(outcome.bytes.subarray(outcome.start, outcome.end)),
              start: 0,
              end: outcome.end - outcome.start,
            }
          : outcome,
      )
    }
    if (this.#held.length > MAX_HELD_OUTCOMES) this.#held.splice(0, this.#held.length - MAX_HELD_OUTCOMES)
  }
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 1000 ? 2 : 1)} s`
}
