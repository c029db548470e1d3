import { BATCH_FLUSH_BYTES, MAX_BATCH_ITEMS } from './limits.js'

/**
 * Micro-batching for every hop: items pushed during one turn of the event loop leave together
 * in one frame (flushed by `setImmediate`, so a lone item waits microseconds, not a timer), and a
 * batch is flushed early once it reaches MAX_BATCH_ITEMS items or BATCH_FLUSH_BYTES payload bytes.
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
    this.#items.push(item)
    this.#bytes += bytes
    if (this.#items.length >= MAX_BATCH_ITEMS || this.#bytes >= BATCH_FLUSH_BYTES) {
      this.flush()
    } else if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(this.#onImmediate)
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

  readonly #onImmediate = (): void => {
    this.#scheduled = false
    this.flush()
  }
}
