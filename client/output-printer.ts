import { cutText, type ClientOutputChunk } from '../protocol/index.js'

/** One piece of what a task wrote, as a `taskOutput` handler gets it. */
export interface TaskOutput {
  taskId: string
  /** The node that ran the task, and the worker process on it. */
  node: string
  pid: number
  stream: 'stdout' | 'stderr'
  text: string
}

/** Where output lines go (process.stdout / process.stderr by default). */
export interface OutputSinks {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
}

/**
 * Prints task output on the client, each line prefixed with `[node pid]` (as Ray prints worker
 * output on the driver). A line a task has not finished yet waits for its end (or the task's).
 */
export class OutputPrinter {
  readonly #sinks: OutputSinks
  /** Unfinished last lines, by task id and stream. */
  readonly #partial = new Map<string, { prefix: string; stream: 'stdout' | 'stderr'; text: string }>()

  constructor(sinks: OutputSinks = process) {
    this.#sinks = sinks
  }

  print(chunk: ClientOutputChunk): void {
    const key = `${chunk.id}\n${chunk.stream}`
    const held = this.#partial.get(key)
    const prefix = `[${chunk.node} ${chunk.pid}] `
    const text = held === undefined ? chunk.text : held.text + chunk.text
    const end = text.lastIndexOf('\n')
    if (end < 0) {
      this.#partial.set(key, { prefix, stream: chunk.stream, text })
      return
    }
    if (held !== undefined) this.#partial.delete(key)
    const lines = text.slice(0, end).split('\n')
    this.#sinks[chunk.stream].write(lines.map((line) => prefix + line + '\n').join(''))
    if (end < text.length - 1) this.#partial.set(key, { prefix, stream: chunk.stream, text: text.slice(end + 1) })
  }

  /** The task is over: its unfinished lines are printed as they are. */
  settled(taskId: string): void {
    if (this.#partial.size === 0) return
    for (const stream of ['stdout', 'stderr'] as const) {
      const key = `${taskId}\n${stream}`
      const held = this.#partial.get(key)
      if (held === undefined) continue
      this.#partial.delete(key)
      this.#sinks[stream].write(`${held.prefix}${held.text}\n`)
    }
  }
}

/** What the client does with task output: print it, hand it to the caller's handler, or nothing. */
export type TaskOutputOption = 'print' | 'ignore' | ((output: TaskOutput) => void)

/** Delivers the output chunks the manager streams to a client, as its `taskOutput` option says. */
export class OutputDelivery {
  readonly #printer: OutputPrinter | null
  readonly #handler: ((output: TaskOutput) => void) | null

  constructor(option: TaskOutputOption, sinks: OutputSinks = process) {
    this.#printer = option === 'print' ? new OutputPrinter(sinks) : null
    this.#handler = typeof option === 'function' ? option : null
  }

  deliver(chunks: readonly ClientOutputChunk[]): void {
    for (const chunk of chunks) {
      if (this.#printer !== null) this.#printer.print(chunk)
      else if (this.#handler !== null) {
        const { id: taskId, node, pid, stream, text } = chunk
        try {
          this.#handler({ taskId, node, pid, stream, text })
        } catch (error) {
          // The caller's handler failing must not take the link down with it.
          process.emitWarning(`argon: the taskOutput handler threw: ${cutText(String(error))}`)
        }
      }
    }
  }

  /** The task is over: its unfinished lines are printed as they are. */
  settled(taskId: string): void {
    this.#printer?.settled(taskId)
  }
}
