/**
 * Starts the real `argon manager` and `node-agent` programs (the built ones in dist/) on
 * 127.0.0.1, and kills every one of them by pid when the test ends, whatever happened.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
export const ARGON_BIN = join(ROOT, 'dist/cli/argon.js')
export const NODE_AGENT_BIN = join(ROOT, 'dist/node-agent/cli.js')

export interface RunningProcess {
  child: ChildProcess
  pid: number
  /** Everything printed so far (stdout and stderr). */
  output(): string
  /** Resolves with the first match of `pattern` in the output (waits for it). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  kill(signal?: NodeJS.Signals): void
}

const started = new Set<RunningProcess>()
const homes: string[] = []

afterEach(async () => {
  const running = [...started]
  started.clear()
  for (const proc of running) proc.kill('SIGKILL')
  await Promise.all(running.map((proc) => proc.exited))
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true })
})

/** A fresh ARGON_HOME so no test reads the developer's own token file. */
export function tempHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'argon-test-'))
  homes.push(home)
  return home
}

/** Spawns `node <script> ...args` and tracks it for teardown. */
export function startProcess(script: string, args: string[], env: Record<string, string> = {}): RunningProcess {
  return startCommand(process.execPath, [script, ...args], { env })
}

/**
 * Spawns any command and tracks it for teardown. The command must end up as the process it
 * started (exec, no fork) so that killing the pid kills the program: `ip netns exec` and
 * `sh -c 'exec …'` do. With `stdin: true` the test can write to the process.
 */
export function startCommand(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; stdin?: boolean } = {},
): RunningProcess {
  const child = spawn(command, args, {
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const waiters = new Set<() => void>()
  const onData = (chunk: Buffer) => {
    output += chunk.toString()
    for (const wake of waiters) wake()
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => {
      started.delete(proc)
      resolveExit({ code, signal })
      for (const wake of waiters) wake()
    })
  })
  const proc: RunningProcess = {
    child,
    pid: child.pid!,
    output: () => output,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolveMatch, reject) => {
        const check = () => {
          const match = output.match(pattern)
          if (match) return done(() => resolveMatch(match))
          if (child.exitCode !== null || child.signalCode !== null) {
            return done(() => reject(new Error(`process ${child.pid} exited before printing ${pattern}:\n${output}`)))
          }
        }
        const timer = setTimeout(
          () => done(() => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${output}`))),
          timeoutMs,
        )
        const done = (finish: () => void) => {
          clearTimeout(timer)
          waiters.delete(check)
          finish()
        }
        waiters.add(check)
        check()
      })
    },
    exited,
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid!, signal)
        } catch {
          // already gone
        }
      }
    },
  }
  started.add(proc)
  return proc
}

export interface StartedManager extends RunningProcess {
  port: number
  token: string
  address: string
  /** The served certificate's fingerprint when the manager serves TLS (`--tls`, or beyond loopback). */
  fingerprint: string | undefined
  /** The manager's ARGON_HOME (token file, certificate, endpoint records). */
  home: string
}

/** Starts `argon manager --host 127.0.0.1 --port 0` (plus `args`) and reads the real port (and TLS fingerprint) back. */
export async function startManager(
  options: { args?: string[]; token?: string; port?: number; home?: string } = {},
): Promise<StartedManager> {
  const token = options.token ?? 'test-token-0123456789abcdef'
  const home = options.home ?? tempHome()
  const proc = startProcess(
    ARGON_BIN,
    ['manager', '--host', '127.0.0.1', '--port', String(options.port ?? 0), '--token', token, ...(options.args ?? [])],
    { ARGON_HOME: home },
  )
  const match = await proc.waitFor(/listening on (https?):\/\/\S+:(\d+)/)
  const port = Number(match[2])
  const fingerprint =
    match[1] === 'https' ? (await proc.waitFor(/TLS certificate fingerprint: (sha256:[0-9a-f]{64})/))[1] : undefined
  return Object.assign(proc, { port, token, address: `127.0.0.1:${port}`, fingerprint, home })
}

/** Starts `node-agent --join 127.0.0.1:PORT` and waits until it has joined. */
export async function startAgent(
  manager: { address: string; token: string },
  /** `name: null` leaves the name to the agent's default (the host name). */
  options: { name: string | null; workers?: number; args?: string[]; wait?: boolean },
): Promise<RunningProcess> {
  const proc = startProcess(
    NODE_AGENT_BIN,
    [
      '--join',
      manager.address,
      '--token',
      manager.token,
      ...(options.name === null ? [] : ['--name', options.name]),
      '--workers',
      String(options.workers ?? 1),
      ...(options.args ?? []),
    ],
    { ARGON_HOME: tempHome() },
  )
  if (options.wait !== false) await proc.waitFor(/joined manager/)
  return proc
}

export interface FinishedProcess {
  code: number | null
  signal: NodeJS.Signals | null
  /** Everything printed (stdout and stderr). */
  output: string
}

/**
 * Runs `node <script> ...args` to completion (a one-shot command such as `argon nodes`) and
 * returns its exit code and output. Killed with SIGKILL after `timeoutMs`, and in teardown.
 */
export async function runProcess(
  script: string,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<FinishedProcess> {
  const proc = startProcess(script, args, options.env ?? {})
  const timer = setTimeout(() => proc.kill('SIGKILL'), options.timeoutMs ?? 20_000)
  try {
    const { code, signal } = await proc.exited
    return { code, signal, output: proc.output() }
  } finally {
    clearTimeout(timer)
  }
}

/** Runs the built `argon` command (`argon nodes|drain|resume|…`) to completion. */
export function runArgon(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<FinishedProcess> {
  return runProcess(ARGON_BIN, args, { ...options, env: { ARGON_HOME: tempHome(), ...options.env } })
}

/** The flags that point an `argon` command at `manager`, pinning its certificate when `fingerprint` is given. */
export function managerFlags(manager: { address: string; token: string }, fingerprint?: string): string[] {
  const flags = ['--manager', manager.address, '--token', manager.token]
  return fingerprint === undefined ? flags : [...flags, '--fingerprint', fingerprint]
}

/** Runs the built `node-agent` command with `args` and no other flags (for flag checks). */
export function runNodeAgent(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<FinishedProcess> {
  return runProcess(NODE_AGENT_BIN, args, { ...options, env: { ARGON_HOME: tempHome(), ...options.env } })
}

export interface StartedStandaloneAgent extends RunningProcess {
  port: number
  token: string
  address: string
}

/** Starts a stand-alone `node-agent --host 127.0.0.1 --port 0` (no manager) and reads its port. */
export async function startStandaloneAgent(
  options: { token?: string; name?: string; workers?: number; args?: string[] } = {},
): Promise<StartedStandaloneAgent> {
  const token = options.token ?? 'test-token-0123456789abcdef'
  const proc = startProcess(
    NODE_AGENT_BIN,
    [
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--token',
      token,
      '--name',
      options.name ?? 'solo',
      '--workers',
      String(options.workers ?? 1),
      ...(options.args ?? []),
    ],
    { ARGON_HOME: tempHome() },
  )
  const match = await proc.waitFor(/listening on http:\/\/[^\s:]+:(\d+)/)
  const port = Number(match[1])
  return Object.assign(proc, { port, token, address: `127.0.0.1:${port}` })
}
