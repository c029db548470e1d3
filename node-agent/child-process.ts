import { fork, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { Duplex } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { PIPE_FRAME, PIPE_OUTPUT, readFrames } from './child-frames.js'
import { readFromChild, type ChildOutputChunk, type FromChild } from './child-messages.js'
import type { ChildSlot } from './child-slot.js'
import { MAX_FRAME_BYTES } from '../protocol/limits.js'

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
  outcomes(slot: ChildSlot, frame: Uint8Array): void
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
      if (slot.child !== child) return
      if (kind === PIPE_FRAME) events.outcomes(slot, frame)
      else if (kind === PIPE_OUTPUT) readOutput(child, frame, events)
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

function readOutput(child: ChildProcess, input: Buffer, events: ChildEvents): void {
  let chunks: unknown
  try {
    chunks = JSON.parse(input.toString('utf8'))
  } catch {
    return events.warning('a child sent task output that could not be read')
  }
  if (Array.isArray(chunks)) events.output(child.pid ?? 0, chunks as ChildOutputChunk[])
}
