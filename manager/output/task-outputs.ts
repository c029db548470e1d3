import { MAX_TASK_OUTPUT_BYTES, type ClientOutputChunk, type TaskOutputChunk } from '../../protocol/index.js'

/** What the output store needs of the rest of the manager. */
export interface TaskOutputsOptions {
  /** The client a task belongs to, while the manager holds the task. */
  ownerOf: (taskId: string) => string | undefined
  /** True when the node was given the task (only it may speak for it). */
  holds: (nodeId: string, taskId: string) => boolean
  /** Sends a client the output of its tasks (one message per batch). */
  deliver: (clientId: string, chunks: ClientOutputChunk[]) => void
  /** Most output kept for tasks not yet recorded, bytes. @default 16 MiB */
  maxPendingBytes?: number
}

interface Pending {
  parts: string[]
  bytes: number
  cut: boolean
}

/**
 * Task output on the manager: chunks from nodes go on to the tasks' clients (grouped per client,
 * one message per node batch) and are kept per task until its history record is made (`take`).
 * Bounded: per task (what the child keeps, plus a marker) and in all, oldest tasks dropped first.
 *
 * @example
 * ```ts
 * const outputs = new TaskOutputs({ ownerOf, holds, deliver })
 * outputs.fromNode(nodeId, 'alpha', [{ id: 't1', pid: 4242, stream: 'stdout', text: 'hello\n' }])
 * outputs.take('t1')   // { text: 'hello\n', bytes: 6 }
 * ```
 */
export class TaskOutputs {
  readonly #options: TaskOutputsOptions
  readonly #maxPendingBytes: number
  readonly #pending = new Map<string, Pending>()
  #pendingBytes = 0
  /** Chunks refused because their node was never given the task. */
  refused = 0

  constructor(options: TaskOutputsOptions) {
    this.#options = options
    this.#maxPendingBytes = options.maxPendingBytes ?? 16 * 1024 * 1024
  }

  /** Bytes of output kept for tasks not yet recorded. */
  get pendingBytes(): number {
    return this.#pendingBytes
  }

  /** A node's (validated) chunks. Returns how many were refused (the node does not hold the task). */
  fromNode(nodeId: string, node: string, chunks: readonly TaskOutputChunk[]): number {
    let refused = 0
    let byClient: Map<string, ClientOutputChunk[]> | undefined
    for (const chunk of chunks) {
      const clientId = this.#options.ownerOf(chunk.id)
      if (clientId === undefined || !this.#options.holds(nodeId, chunk.id)) {
        refused++
        continue
      }
      this.#keep(chunk.id, chunk.text)
      byClient ??= new Map()
      let list = byClient.get(clientId)
      if (list === undefined) byClient.set(clientId, (list = []))
      list.push({ ...chunk, node })
    }
    for (const [clientId, list] of byClient ?? []) this.#options.deliver(clientId, list)
    this.refused += refused
    return refused
  }

  /** The output kept for a task (and forgets it): for its history record. */
  take(taskId: string): { text: string; bytes: number } | undefined {
    const pending = this.#pending.get(taskId)
    if (pending === undefined) return undefined
    this.#pending.delete(taskId)
    this.#pendingBytes -= pending.bytes
    return { text: pending.parts.join(''), bytes: pending.bytes }
  }

  #keep(taskId: string, text: string): void {
    let pending = this.#pending.get(taskId)
    if (pending === undefined) {
      pending = { parts: [], bytes: 0, cut: false }
      this.#pending.set(taskId, pending)
    }
    if (pending.cut) return
    let bytes = Buffer.byteLength(text)
    // A task run twice (its node was lost) writes twice; the record keeps what fits.
    if (pending.bytes + bytes > MAX_TASK_OUTPUT_BYTES + 512) {
      pending.cut = true
      text = '\n[argon: more output than a task record keeps]\n'
      bytes = text.length
    }
    pending.parts.push(text)
    pending.bytes += bytes
    this.#pendingBytes += bytes
    // Over the bound: the oldest tasks' output goes (a task that never gets a record must not pin it).
    for (const [id, oldest] of this.#pending) {
      if (this.#pendingBytes <= this.#maxPendingBytes || id === taskId) break
      this.#pending.delete(id)
      this.#pendingBytes -= oldest.bytes
    }
  }
}
