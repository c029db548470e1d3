/**
 * Bare chain, last hop: a forked child that compiles each function source once and calls it.
 * No validation, no error handling beyond what keeps it alive; arguments and results are plain
 * JSON over the IPC channel.
 */
interface RunMessage {
  id: number
  source: string
  args: unknown[]
}

type Task = (...args: unknown[]) => unknown

const compiled = new Map<string, Task>()

process.on('message', (message: RunMessage) => {
  let fn = compiled.get(message.source)
  if (fn === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval, @typescript-eslint/no-unsafe-call -- the reference rebuilds the task from its source as Argon's child does
    fn = new Function(`return (${message.source})`)() as Task
    compiled.set(message.source, fn)
  }
  process.send?.({ id: message.id, result: fn(...message.args) })
})

// The server is our only reason to exist: leave with it.
process.on('disconnect', () => process.exit(0))
