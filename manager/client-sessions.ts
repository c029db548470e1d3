import type { Socket } from 'socket.io'
import { FrameBatcher, OutcomeFrameWriter, type ClientOutputChunk, type TaskOutcome } from '../protocol/index.js'
import { emitDirect } from '../protocol/direct-events.js'
import { finishForPacket } from '../protocol/packet-codec.js'

export interface ClientSessionLimits {
  /** How long answers wait for a disconnected client before they are dropped. */
  retentionMs: number
  /** Most answers kept for one disconnected client. */
  maxResults: number
  /** Most payload bytes kept for one disconnected client. */
  maxBytes: number
}

interface Session {
  clientId: string
  socket: Socket | null
  batcher: FrameBatcher<TaskOutcome>
  held: TaskOutcome[]
  heldBytes: number
  expiry: NodeJS.Timeout | null
}

function outcomeBytes(outcome: TaskOutcome): number {
  return outcome.ok ? outcome.result.byteLength : 256
}

/** A held result must not keep the whole frame it came in alive: copy it out when it is a small part. */
function detached(outcome: TaskOutcome): TaskOutcome {
  if (!outcome.ok || outcome.result.byteLength * 2 >= outcome.result.buffer.byteLength) return outcome
  return { ...outcome, result: Buffer.from(outcome.result) }
}

/**
 * Where each client's answers go. Clients are known by the id they send in the handshake, so a
 * client that reconnects (new socket) gets the answers that arrived while it was away — kept for
 * a bounded time and size.
 */
export class ClientSessions {
  readonly #sessions = new Map<string, Session>()
  readonly #limits: ClientSessionLimits
  readonly #onDrop: (clientId: string, dropped: number) => void
  readonly #writer = new OutcomeFrameWriter()

  constructor(limits: ClientSessionLimits, onDrop: (clientId: string, dropped: number) => void) {
    this.#limits = limits
    this.#onDrop = onDrop
  }

  /** Connected clients. */
  get connected(): number {
    let count = 0
    for (const session of this.#sessions.values()) if (session.socket) count++
    return count
  }

  attach(clientId: string, socket: Socket): void {
    let session = this.#sessions.get(clientId)
    if (!session) {
      const created: Session = {
        clientId,
        socket: null,
        held: [],
        heldBytes: 0,
        expiry: null,
        batcher: new FrameBatcher<TaskOutcome>((outcomes) => this.#send(created, outcomes)),
      }
      session = created
      this.#sessions.set(clientId, session)
    }
    if (session.socket && session.socket !== socket) session.socket.disconnect(true)
    if (session.expiry) clearTimeout(session.expiry)
    session.expiry = null
    session.socket = socket
    if (session.held.length > 0) {
      const held = session.held
      session.held = []
      session.heldBytes = 0
      for (const outcome of held) session.batcher.push(outcome, outcomeBytes(outcome))
    }
  }

  detach(clientId: string, socket: Socket): void {
    const session = this.#sessions.get(clientId)
    if (session?.socket !== socket) return
    session.socket = null
    this.#hold(session, session.batcher.take())
    session.expiry = setTimeout(() => {
      if (session.socket) return
      this.#sessions.delete(clientId)
      if (session.held.length > 0) this.#onDrop(clientId, session.held.length)
    }, this.#limits.retentionMs)
    session.expiry.unref()
  }

  /** Sends a connected client the output of its tasks, unless it opted out (best effort: not held). */
  deliverOutput(clientId: string, chunks: ClientOutputChunk[]): void {
    const socket = this.#sessions.get(clientId)?.socket
    if (socket?.connected && (socket.data as { output?: boolean } | undefined)?.output !== false)
      socket.emit('task:output', chunks)
  }

  deliver(clientId: string, outcome: TaskOutcome): void {
    const session = this.#sessions.get(clientId)
    if (!session) return
    if (session.socket) session.batcher.push(outcome, outcomeBytes(outcome))
    else this.#hold(session, [outcome])
  }

  close(): void {
    for (const session of this.#sessions.values()) {
      if (session.expiry) clearTimeout(session.expiry)
      session.batcher.flush()
    }
    this.#sessions.clear()
  }

  #send(session: Session, outcomes: TaskOutcome[]): void {
    if (!session.socket?.connected) return this.#hold(session, outcomes)
    // Results are forwarded by range: outcomes that came in one node frame are copied in one piece.
    const writer = this.#writer
    for (const outcome of outcomes) {
      if (outcome.ok) writer.addResult(outcome.id, 0, 0, outcome.node, outcome.result, 0, outcome.result.byteLength)
      else writer.addError(outcome.id, 0, 0, outcome.error)
    }
    emitDirect(session.socket, 'task:settled', finishForPacket(writer))
  }

  #hold(session: Session, outcomes: TaskOutcome[]): void {
    for (const outcome of outcomes) {
      session.held.push(detached(outcome))
      session.heldBytes += outcomeBytes(outcome)
    }
    let dropped = 0
    while (
      session.held.length > 0 &&
      (session.held.length > this.#limits.maxResults || session.heldBytes > this.#limits.maxBytes)
    ) {
      session.heldBytes -= outcomeBytes(session.held.shift()!)
      dropped++
    }
    if (dropped > 0) this.#onDrop(session.clientId, dropped)
  }
}
