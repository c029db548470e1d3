/**
 * The scale benchmark's processes live in other network namespaces; the orchestrator talks to
 * each over its stdin/stdout, one JSON object a line: `{id, op, ...}` in, `{id, ok, value}` out,
 * and `{event, ...}` lines for news nobody asked for.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

type Handler = (request: Record<string, unknown>) => unknown

/** In a benchmark process: answers requests from stdin with `handlers`. Exits when stdin closes. */
export function serveLines(handlers: Record<string, Handler>): void {
  createInterface({ input: process.stdin })
    .on('line', (line) => {
      const request = JSON.parse(line) as { id: number; op: string } & Record<string, unknown>
      const handler = handlers[request.op]
      Promise.resolve()
        .then(() => (handler ? handler(request) : Promise.reject(new Error(`unknown op ${request.op}`))))
        .then(
          (value) => say({ id: request.id, ok: true, value }),
          (error: Error) => say({ id: request.id, ok: false, error: error.message }),
        )
    })
    .on('close', () => process.exit(0))
}

/** Writes one line to the orchestrator. */
export function say(message: object): void {
  process.stdout.write(`${JSON.stringify(message)}\n`)
}

export interface LineProcess {
  child: ChildProcess
  pid: number
  call<T>(op: string, request?: Record<string, unknown>, timeoutMs?: number): Promise<T>
  /** Resolves with the first event line named `event`. */
  event(event: string, timeoutMs?: number): Promise<Record<string, unknown>>
  /** Everything it wrote on stderr (for errors). */
  stderr(): string
}

const started = new Set<ChildProcess>()

/** Kills every process started with `startLineProcess` (by pid), e.g. on exit. */
export function killAllStarted(): void {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid!, 'SIGKILL')
      } catch {
        // gone
      }
    }
  }
  started.clear()
}

/** Spawns `command args` (which must exec into the program, keeping its pid) with a line channel. */
export function startLineProcess(command: string, args: string[], env: Record<string, string> = {}): LineProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  started.add(child)
  child.once('exit', () => started.delete(child))
  let errors = ''
  child.stderr.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-20_000)
  })
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  const events: Record<string, unknown>[] = []
  const eventWaiters = new Set<() => void>()
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return
    const message = JSON.parse(line) as { id?: number; ok?: boolean; value?: unknown; error?: string; event?: string }
    if (message.id === undefined) {
      events.push(message)
      for (const wake of eventWaiters) wake()
      return
    }
    const waiter = pending.get(message.id)
    pending.delete(message.id)
    if (message.ok) waiter?.resolve(message.value)
    else waiter?.reject(new Error(`${command} ${args.join(' ')}: ${message.error}`))
  })
  child.once('exit', (code, signal) => {
    for (const waiter of pending.values())
      waiter.reject(new Error(`process ${child.pid} exited (${code ?? signal}): ${errors}`))
    pending.clear()
    for (const wake of eventWaiters) wake()
  })
  let nextId = 0
  return {
    child,
    pid: child.pid!,
    stderr: () => errors,
    call<T>(op: string, request: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
      const id = ++nextId
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error(`${op} got no answer within ${timeoutMs} ms from ${child.pid}: ${errors}`))
        }, timeoutMs)
        pending.set(id, {
          resolve: (value) => (clearTimeout(timer), resolve(value as T)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        })
        child.stdin.write(`${JSON.stringify({ id, op, ...request })}\n`)
      })
    },
    event(event: string, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find((entry) => entry.event === event)
          if (found) return done(() => resolve(found))
          if (child.exitCode !== null || child.signalCode !== null)
            done(() => reject(new Error(`process ${child.pid} exited before ${event}: ${errors}`)))
        }
        const timer = setTimeout(
          () => done(() => reject(new Error(`no ${event} from ${child.pid} within ${timeoutMs} ms: ${errors}`))),
          timeoutMs,
        )
        const done = (finish: () => void) => {
          clearTimeout(timer)
          eventWaiters.delete(check)
          finish()
        }
        eventWaiters.add(check)
        check()
      })
    },
  }
}
