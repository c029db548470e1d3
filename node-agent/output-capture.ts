/**
 * Runs inside each pool child: captures what the running task writes to stdout and stderr
 * (`console.log` included) and sends it to the agent, batched: at most one message per flush
 * interval while a task runs, and the rest with the next batch of outcomes, just before it (so
 * tasks that print a line each share one message per batch). A child runs one
 * task at a time, so what is written while a task runs is that task's; what is written between
 * tasks (a timer a finished task left behind) is nobody's and goes to the agent's own output, as
 * before. A task that writes nothing costs one check when it ends. No schema library here.
 */
import { MAX_TASK_OUTPUT_BYTES } from '../protocol/limits.js'
import type { ChildOutputChunk } from './child-messages.js'

type Write = typeof process.stdout.write
type Stream = ChildOutputChunk['stream']

/** How long output waits for company while a task runs, ms. */
const FLUSH_MS = 100

export class OutputCapture {
  readonly #send: (chunks: ChildOutputChunk[]) => void
  readonly #limit: number
  #taskId: string | null = null
  #pending: ChildOutputChunk[] = []
  /** Bytes kept for the running task so far, and bytes dropped past the limit. */
  #kept = 0
  #dropped = 0
  #lastStream: Stream = 'stdout'
  #lastId = ''
  #timer: NodeJS.Timeout | null = null

  constructor(send: (chunks: ChildOutputChunk[]) => void, limit = MAX_TASK_OUTPUT_BYTES) {
    this.#send = send
    this.#limit = limit
  }

  /** Routes process.stdout and process.stderr writes through the capture (once, at start-up). */
  install(streams: Record<Stream, { write: Write }> = process): void {
    this.#wrap(streams.stdout, 'stdout')
    this.#wrap(streams.stderr, 'stderr')
  }

  /** A task starts: what is written from now on is its output. */
  begin(id: string): void {
    this.#taskId = id
  }

  /** The task ended: its remaining output leaves with the next `flush`, ahead of its outcome. */
  end(): void {
    this.#taskId = null
    if (this.#kept === 0 && this.#dropped === 0) return
    if (this.#dropped > 0) {
      const id = this.#pending[0]?.id ?? this.#lastId
      this.#pending.push({
        id,
        stream: this.#lastStream,
        text: `\n[argon: output cut at ${this.#limit} bytes; ${this.#dropped} more bytes not kept]\n`,
      })
    }
    this.#kept = 0
    this.#dropped = 0
  }

  #wrap(stream: { write: Write }, name: Stream): void {
    const original = stream.write.bind(stream) as (...args: unknown[]) => boolean
    stream.write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
      const id = this.#taskId
      if (id === null) return original(chunk, encoding, callback)
      this.#take(id, name, chunk)
      const done = typeof encoding === 'function' ? encoding : callback
      if (typeof done === 'function') process.nextTick(done)
      return true
    }
  }

  #take(id: string, stream: Stream, chunk: unknown): void {
    let text =
      typeof chunk === 'string'
        ? chunk
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8')
          : String(chunk)
    if (text.length === 0) return
    let bytes = Buffer.byteLength(text)
    const room = this.#limit - this.#kept
    if (bytes > room) {
      this.#dropped += bytes - Math.max(0, room)
      if (room <= 0) return
      text = Buffer.from(text).subarray(0, room).toString('utf8')
      bytes = room
    }
    this.#kept += bytes
    this.#lastStream = stream
    this.#lastId = id
    const last = this.#pending[this.#pending.length - 1]
    if (last?.id === id && last.stream === stream) last.text += text
    else this.#pending.push({ id, stream, text })
    if (this.#timer === null) {
      this.#timer = setTimeout(this.#onTimer, FLUSH_MS)
      this.#timer.unref()
    }
  }

  readonly #onTimer = (): void => {
    this.#timer = null
    this.flush()
  }

  /** Sends what was captured (call it before sending outcomes: output goes first). */
  flush(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    if (this.#pending.length === 0) return
    const chunks = this.#pending
    this.#pending = []
    this.#send(chunks)
  }
}
