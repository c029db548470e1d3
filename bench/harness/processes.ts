/**
 * Spawns the benchmark's helper processes and guarantees they are all gone when the run ends,
 * whatever happened (normal end, error, Ctrl-C). Each process is started as the leader of its
 * own process group, so killing the group also takes the children it forked (agent workers,
 * bare-chain children) without touching anything else on the machine.
 */
import { spawn, type ChildProcess } from 'node:child_process'

/** One spawned process with its captured output. */
export interface SpawnedProcess {
  readonly child: ChildProcess
  readonly pid: number
  readonly label: string
  /** Everything printed so far (stdout and stderr together). */
  output(): string
  /** Resolves with the first match of `pattern` in the output; rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  /** Resolves once the process has exited. */
  readonly exited: Promise<void>
  /** SIGTERM to the group, then SIGKILL if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>
}

const running = new Set<SpawnedProcess>()

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // The group is already gone.
  }
}

/** Spawns `node [nodeArgs] script [args]` in its own process group and tracks it. */
export function spawnNode(
  label: string,
  script: string,
  args: string[],
  options: { env?: Record<string, string>; nodeArgs?: string[] } = {},
): SpawnedProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  if (child.pid === undefined) throw new Error(`could not spawn ${label}`)
  const pid = child.pid
  let output = ''
  let gone = false
  const waiters = new Set<() => void>()
  const onData = (chunk: Buffer): void => {
    // Keep the output bounded: a chatty process must not grow the bench's memory forever.
    output = (output + chunk.toString()).slice(-64 * 1024)
    for (const wake of waiters) wake()
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', () => {
      gone = true
      running.delete(proc)
      // The leader is gone; its group may still hold forked children.
      signalGroup(pid, 'SIGKILL')
      resolveExit()
      for (const wake of waiters) wake()
    })
  })
  const proc: SpawnedProcess = {
    child,
    pid,
    label,
    output: () => output,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolveMatch, reject) => {
        const check = (): void => {
          const match = output.match(pattern)
          if (match) return done(() => resolveMatch(match))
          if (gone)
            return done(() => reject(new Error(`${label} (pid ${pid}) exited before printing ${pattern}:\n${output}`)))
        }
        const timer = setTimeout(
          () =>
            done(() =>
              reject(new Error(`${label} (pid ${pid}) did not print ${pattern} within ${timeoutMs} ms:\n${output}`)),
            ),
          timeoutMs,
        )
        const done = (finish: () => void): void => {
          clearTimeout(timer)
          waiters.delete(check)
          finish()
        }
        waiters.add(check)
        check()
      })
    },
    exited,
    async stop(graceMs = 3_000) {
      if (gone) return
      signalGroup(pid, 'SIGTERM')
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
  }
  running.add(proc)
  return proc
}

/** Synchronously SIGKILLs every tracked process group (for exit paths that cannot await). */
export function killAllNow(): void {
  for (const proc of running) signalGroup(proc.pid, 'SIGKILL')
}

/** Stops every tracked process, gracefully first. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((proc) => proc.stop()))
}

/** The tracked processes that are still running (each one leads its own process group). */
export function runningProcesses(): SpawnedProcess[] {
  return [...running]
}

/** How many tracked processes are still running (0 after a clean run). */
export function runningCount(): number {
  return running.size
}
