import { BATCH_FLUSH_BYTES, MAX_BATCH_ITEMS } from './limits.js'

/**
 * Micro-batching for every hop: items pushed while one frame (or one burst of settled promises)
 * is handled leave together in one frame. The flush runs as a microtask, after the handler that
 * pushed them and before the event loop turns again, so a lone item waits no extra loop turn.
 * A batch is flushed early once it reaches MAX_BATCH_ITEMS items or BATCH_FLUSH_BYTES bytes, and
 * before an item that would take it past BATCH_FLUSH_BYTES, so a frame holds at most
 * BATCH_FLUSH_BYTES of small payloads or one large payload.
 */
export class FrameBatcher<T> {
  #items: T[] = []
  #bytes = 0
  #scheduled = false
  readonly #send: (items: T[]) => void

  /** @param send receives each non-empty batch, in push order. */
  constructor(send: (items: T[]) => void) {
    this.#send = send
  }

  /** Queues an item; `bytes` is its payload size, so big payloads flush sooner. */
  push(item: T, bytes = 0): void {
    // A big item leaves without the batch before it, so no frame outgrows one big payload.
    if (this.#bytes > 0 && this.#bytes + bytes > BATCH_FLUSH_BYTES) this.flush()
    this.#items.push(item)
    this.#bytes += bytes
    if (this.#items.length >= MAX_BATCH_ITEMS || this.#bytes >= BATCH_FLUSH_BYTES) {
      this.flush()
    } else if (!this.#scheduled) {
      this.#scheduled = true
      queueMicrotask(this.#onFlush)
    }
  }

  get size(): number {
    return this.#items.length
  }

  /** Sends what is queued now. */
  flush(): void {
    if (this.#items.length === 0) return
    const items = this.#items
    this.#items = []
    this.#bytes = 0
    this.#send(items)
  }

  /** Drops what is queued and returns it (e.g. when the link went down before the flush). */
  take(): T[] {
    const items = this.#items
    this.#items = []
    this.#bytes = 0
    return items
  }

  readonly #onFlush = (): void => {
    this.#scheduled = false
    this.flush()
  }
}

/**
 * The flush timing of FrameBatcher for senders that write straight into a frame writer (no item
 * objects): `added()` after each item flushes at once past the batch limits, else once as a
 * microtask after the handler that added it.
 *
 * With `firstFrameItems`, one synchronous run of adds (a `map` of thousands of tasks) leaves as it
 * grows: the first frame once it holds that many items, each next one at twice the size of the one
 * before (up to MAX_BATCH_ITEMS), the rest at the microtask. The receiver starts on the first
 * tasks while the sender still encodes the others, instead of waiting for the whole run; a run of
 * N items costs about log2(N / firstFrameItems) extra frames. The sizes start again at the next run.
 *
 * @example
 * ```ts
 * const flush = new FlushScheduler(() => socket.emit('task:submit', writer.finish()), { firstFrameItems: 32 })
 * for (const task of tasks) {
 *   flush.beforeAdd(writer.payloadBytes, task.bytes.length)
 *   writer.add(...task)
 *   flush.added(writer.count, writer.payloadBytes)   // frames of 32, 64, 128… leave during the loop
 * }
 * ```
 */
export class FlushScheduler {
  #scheduled = false
  readonly #flush: () => void
  readonly #firstFrameItems: number
  /** Items at which the frame being filled leaves before the microtask. */
  #frameItems: number

  constructor(flush: () => void, options: { firstFrameItems?: number } = {}) {
    this.#flush = flush
    this.#firstFrameItems = Math.min(MAX_BATCH_ITEMS, Math.max(1, options.firstFrameItems ?? MAX_BATCH_ITEMS))
    this.#frameItems = this.#firstFrameItems
  }

  /**
   * Call before adding an item of `itemBytes` to a frame that holds `pendingBytes`: a big item
   * leaves without the batch before it, so no frame outgrows one big payload (as FrameBatcher).
   */
  beforeAdd(pendingBytes: number, itemBytes: number): void {
    if (pendingBytes > 0 && pendingBytes + itemBytes > BATCH_FLUSH_BYTES) this.#flush()
  }

  /** Call after adding an item; `count` and `bytes` are what the pending frame holds now. */
  added(count: number, bytes: number): void {
    if (count >= this.#frameItems || bytes >= BATCH_FLUSH_BYTES) {
      this.#flush()
      if (count >= this.#frameItems) this.#frameItems = Math.min(MAX_BATCH_ITEMS, this.#frameItems * 2)
    }
    // Also after an early flush: the microtask ends the run, and the frame sizes start again.
    if (!this.#scheduled) {
      this.#scheduled = true
      queueMicrotask(this.#onFlush)
    }
  }

  readonly #onFlush = (): void => {
    this.#scheduled = false
    this.#frameItems = this.#firstFrameItems
    this.#flush()
  }
}
