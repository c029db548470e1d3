import { fork, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { Duplex } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { PIPE_OUTCOME, PIPE_OUTPUT, readFrames } from './child-frames.js'
import { readChildOutput, readFromChild, type ChildOutputChunk, type FromChild } from './child-messages.js'
import type { ChildSlot } from './child-slot.js'
import { MAX_FRAME_BYTES } from '../protocol/limits.js'
import { describeForLog } from '../protocol/log-text.js'

/**
 * The children's environment: the agent's, less the shared secret (a task runs arbitrary code and
 * has no business with the token), plus the node's name and id.
 */
export function childEnvironment(
  extra: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const childEnv: NodeJS.ProcessEnv = { ...env, ...extra }
  delete childEnv.ARGON_TOKEN
  return childEnv
}

function childEntryPath(): string {
  // From sources (tsx) the sibling is .ts; from dist/ it is .js.
  const js = fileURLToPath(new URL('./child-entry.js', import.meta.url))
  return existsSync(js) ? js : fileURLToPath(new URL('./child-entry.ts', import.meta.url))
}

/** What the pool hears from one child process (only while it is the slot's current child). */
export interface ChildEvents {
  /** One outcome message (child-outcome-message.ts). */
  outcome(slot: ChildSlot, message: Buffer): void
  output(pid: number, chunks: ChildOutputChunk[]): void
  message(slot: ChildSlot, message: FromChild): void
  exit(slot: ChildSlot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void
  warning(message: string): void
}

/** Starts a child process for `slot` and wires its pipe, IPC channel and exit to `events`. */
export function spawnChild(slot: ChildSlot, env: Record<string, string>, events: ChildEvents): void {
  const child = fork(childEntryPath(), [], {
    env: childEnvironment(env),
    // fd 3: the IPC channel (ready, stop, reclaim); fd 4: the frame pipe (child-frames.ts).
    stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
  })
  const frames = child.stdio[4] as Duplex
  slot.started(child, frames)
  // A pipe to a child that died fails its pending writes; the exit handler deals with the child.
  frames.on('error', () => undefined)
  readFrames(
    frames,
    (frame, kind) => {
      if (slot.child === child) onPipeMessage(slot, child, frame, kind, events)
    },
    {
      // Task code runs in the child and can write to its pipe: a bogus length must not make the
      // agent buffer without end. No honest frame is larger, as the manager reads none larger.
      maxBytes: MAX_FRAME_BYTES,
      onOversize: (bytes) => {
        events.warning(`child ${slot.index} announced a ${bytes}-byte frame on its pipe; it is stopped`)
        child.kill('SIGKILL')
      },
    },
  )
  child.on('message', (input: unknown) => {
    if (slot.child !== child) return
    const message = readFromChild(input)
    if (message === undefined) events.warning(`child ${slot.index} sent an unreadable control message`)
    else events.message(slot, message)
  })
  child.once('exit', (code, signal) => events.exit(slot, child, code, signal))
  child.on('error', (error) => events.warning(`child ${slot.index}: ${error.message}`))
}

/**
 * Handles one message read from a child's pipe. Nothing thrown here may leave: it would escape
 * the pipe's 'data' listener as an uncaught exception and end the agent with every task on the
 * node. A throw is a bug (hostile input is checked before it gets this far), so it is warned of.
 */
export function onPipeMessage(
  slot: ChildSlot,
  child: ChildProcess,
  frame: Buffer,
  kind: number,
  events: ChildEvents,
): void {
  try {
    if (kind === PIPE_OUTCOME) events.outcome(slot, frame)
    else if (kind === PIPE_OUTPUT) readOutput(slot, child, frame, events)
    else {
      // Only task code writing to the pipe sends one, and what follows it cannot be trusted.
      events.warning(`child ${slot.index} sent a message of unknown kind ${kind} on its pipe; it is stopped`)
      child.kill('SIGKILL')
    }
  } catch (error) {
    events.warning(`child ${slot.index}: a message from its pipe could not be handled: ${describeError(error)}`)
  }
}

function readOutput(slot: ChildSlot, child: ChildProcess, input: Buffer, events: ChildEvents): void {
  let parsed: unknown
  try {
    parsed = JSON.parse(input.toString('utf8'))
  } catch {
    return events.warning(`child ${slot.index} sent task output that could not be read`)
  }
  // Task code can write here too: only well-formed chunks go on (child-messages.ts).
  const output = readChildOutput(parsed)
  if (output === undefined) return events.warning(`child ${slot.index} sent task output that is not a list`)
  if (output.dropped > 0)
    events.warning(`child ${slot.index} sent ${output.dropped} malformed task output chunk(s); they are dropped`)
  if (output.chunks.length > 0) events.output(child.pid ?? 0, output.chunks)
}

/** The stack (or message) of what was thrown, whatever it was. */
function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : describeForLog(error)
}
