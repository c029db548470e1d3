/**
 * The pool as a state machine (fast-check): its children simulated by their frames and control
 * messages, driven through random sequences of submit, start, finish, reclaim answers, crashes,
 * cancellations and steals. Whatever the order, every task ends exactly once (an outcome, or
 * handed back to the manager), a task handed back or taken back never starts, a task cancelled
 * while it waits in a child never starts, no task starts twice (one lost with its child is the
 * manager's to retry), and the attempt number is kept.
 */
import type { ChildProcess } from 'node:child_process'
import type { Duplex } from 'node:stream'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readTaskFrame } from '../../../protocol/batch-frame.js'
import { FunctionRegistry, functionEntry } from '../../../protocol/function-table.js'
import { encodeValue } from '../../../protocol/structured-bytes.js'
import { wireError } from '../../../protocol/wire-error.js'
import { ChildPool, type PoolOutcome, type PoolTask } from '../../../node-agent/child-pool.js'
import type { ChildEvents } from '../../../node-agent/child-process.js'
import { PIPE_HEADROOM } from '../../../node-agent/child-frames.js'
import { outcomeMessages } from '../../../node-agent/child-outcome-message.js'
import type { ChildSlot } from '../../../node-agent/child-slot.js'
import type { ToChild } from '../../../node-agent/child-messages.js'

/** A child process as the pool sees it: frames in, outcome messages and control messages out. */
class SimulatedChild {
  readonly registry = new FunctionRegistry()
  /** Received and not started, oldest first. */
  readonly waiting: string[] = []
  running: string | null = null
  /** Waiting tasks the pool said to drop: skipped in line (answered, never started), as task-line.ts does. */
  readonly dropped = new Set<string>()
  /** Tasks asked back and not answered yet. */
  reclaimAsked = 0
  killed = false
  readonly process: ChildProcess

  constructor(
    readonly slot: ChildSlot,
    readonly events: ChildEvents,
    pid: number,
    /** Whether the pool has answered a task (it may drop only those). */
    answered: (id: string) => boolean,
  ) {
    // What the pool writes, read back as the child reads its pipe: length, kind, frame.
    let pending = Buffer.alloc(0)
    const frames = {
      cork: () => undefined,
      uncork: () => undefined,
      write: (chunk: Uint8Array) => {
        pending = Buffer.concat([pending, chunk])
        while (pending.byteLength >= 4 && pending.byteLength >= 4 + pending.readUInt32LE(0)) {
          const length = pending.readUInt32LE(0)
          this.#receive(pending.subarray(5, 4 + length))
          pending = pending.subarray(4 + length)
        }
        return true
      },
    } as unknown as Duplex
    this.process = {
      pid,
      send: (message: ToChild) => {
        if (message.type === 'reclaim') this.reclaimAsked = message.count
        if (message.type === 'drop') {
          // The pool drops only tasks it has answered already, and only those waiting here.
          expect(answered(message.id), `${message.id} dropped before it was answered`).toBe(true)
          if (this.waiting.includes(message.id)) this.dropped.add(message.id)
        }
        return true
      },
      kill: () => {
        this.killed = true
        return true
      },
    } as unknown as ChildProcess
    slot.started(this.process, frames)
  }

  #receive(input: Uint8Array): void {
    const frame = readTaskFrame(input, this.registry)
    if (!frame.ok) throw new Error(`the pool wrote an unreadable frame: ${frame.message}`)
    for (let i = 0; i < frame.count; i++) this.waiting.push(frame.ids[i]!)
  }
}

interface Run {
  pool: ChildPool
  children: () => SimulatedChild[]
  endings: Map<string, string[]>
  starts: Map<string, number>
  /** Cancelled while waiting behind a running task in a child's line. */
  cancelledWaiting: Set<string>
}

function setUp(size: number): Run {
  const endings = new Map<string, string[]>()
  const starts = new Map<string, number>()
  const live: SimulatedChild[] = []
  let pid = 1000
  const end = (id: string, how: string): void => {
    endings.set(id, [...(endings.get(id) ?? []), how])
  }
  const pool = new ChildPool({
    size,
    maxRequests: 0,
    env: {},
    onSettled: (outcome: PoolOutcome) => {
      end(outcome.id, outcome.ok ? 'ok' : outcome.error.code)
      expect(outcome.attempt).toBe(1)
    },
    spawn: (slot, _env, events) => {
      const index = live.findIndex((child) => child.slot === slot)
      const child = new SimulatedChild(slot, events, pid++, (id) => endings.has(id))
      if (index >= 0) live[index] = child
      else live.push(child)
    },
  })
  return { pool, children: () => live, endings, starts, cancelledWaiting: new Set() }
}

/** Reclaims answered with tasks, and dropped tasks skipped, over all runs: the property must have exercised them. */
let reclaimsAnswered = 0
let dropsSkipped = 0

const fn = functionEntry({ kind: 'source', source: '() => 1' })
const args = encodeValue([])

function task(id: string): PoolTask {
  return { id, attempt: 1, fn, timeout: 0, bytes: args, start: 0, end: args.length }
}

type Step =
  | { kind: 'submit'; count: number }
  | { kind: 'ready' | 'start' | 'finish' | 'answer' | 'crash' | 'exitKilled'; child: number }
  | { kind: 'cancel'; pick: number }
  | { kind: 'steal'; count: number }

const onChild = (...kinds: ('ready' | 'start' | 'finish' | 'answer' | 'crash' | 'exitKilled')[]): fc.Arbitrary<Step> =>
  fc.record({ kind: fc.constantFrom(...kinds), child: fc.nat(2) })

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('submit' as const), count: fc.integer({ min: 1, max: 4 }) }), weight: 3 },
  { arbitrary: onChild('ready', 'start', 'finish', 'answer'), weight: 8 },
  { arbitrary: onChild('crash', 'exitKilled'), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('steal' as const), count: fc.integer({ min: 1, max: 3 }) }), weight: 2 },
)

function finishRunning(child: SimulatedChild): void {
  if (child.running === null || child.killed) return
  // 3 ms: long enough that a child holds a second task and an idle sibling takes it back.
  const message = outcomeMessages([{ id: child.running, ok: true, result: encodeValue(1), ms: 3 }])
  child.running = null
  child.events.outcome(child.slot, message.subarray(PIPE_HEADROOM))
}

/** Answers the dropped tasks at the head of the child's line, in order, without starting them. */
function skipDropped(child: SimulatedChild): void {
  while (child.waiting.length > 0 && child.dropped.delete(child.waiting[0]!)) {
    dropsSkipped++
    const error = wireError('CANCELLED', 'dropped before it started')
    const message = outcomeMessages([{ id: child.waiting.shift()!, ok: false, error, ms: 0 }])
    child.events.outcome(child.slot, message.subarray(PIPE_HEADROOM))
  }
}

function apply(run: Run, s: Step, submitted: string[], returned: Set<string>): void {
  const children = run.children()
  const child = 'child' in s ? children[s.child % children.length]! : undefined
  switch (s.kind) {
    case 'submit': {
      const tasks = Array.from({ length: s.count }, (_, i) => task(`t${submitted.length + i + 1}`))
      for (const each of tasks) submitted.push(each.id)
      run.pool.run(tasks)
      return
    }
    case 'ready':
      if (!child!.slot.ready && !child!.killed) child!.events.message(child!.slot, { type: 'ready' })
      return
    case 'start':
      if (child!.running === null && !child!.killed) skipDropped(child!)
      if (child!.running === null && !child!.killed && child!.waiting.length > 0) {
        const id = child!.waiting.shift()!
        child!.running = id
        run.starts.set(id, (run.starts.get(id) ?? 0) + 1)
        expect(returned.has(id), `${id} started after it was handed back`).toBe(false)
      }
      return
    case 'finish':
      finishRunning(child!)
      return
    case 'answer': {
      if (child!.reclaimAsked === 0 || child!.killed) return
      const ids = child!.waiting.splice(Math.max(0, child!.waiting.length - child!.reclaimAsked)).reverse()
      for (const id of ids) child!.dropped.delete(id)
      child!.reclaimAsked = 0
      if (ids.length > 0) reclaimsAnswered++
      child!.events.message(child!.slot, { type: 'reclaimed', ids })
      return
    }
    case 'crash':
    case 'exitKilled': {
      if (s.kind === 'exitKilled' && !child!.killed) return
      child!.killed = true
      child!.events.exit(
        child!.slot,
        child!.process,
        s.kind === 'crash' ? 1 : null,
        s.kind === 'crash' ? null : 'SIGKILL',
      )
      return
    }
    case 'cancel': {
      if (submitted.length === 0) return
      // Often one waiting in a busy child's line; else mostly recent tasks, those still held and not started.
      const inLines = children.filter((each) => each.running !== null).flatMap((each) => each.waiting)
      if (s.pick % 2 === 0 && inLines.length > 0) {
        const id = inLines[s.pick % inLines.length]!
        run.cancelledWaiting.add(id)
        run.pool.cancel({ id, reason: 'cancel' })
        return
      }
      const back = s.pick % 8 < 6 ? s.pick % 3 : s.pick % submitted.length
      run.pool.cancel({ id: submitted[Math.max(0, submitted.length - 1 - back)]!, reason: 'cancel' })
      return
    }
    case 'steal': {
      const hand = (tasks: PoolTask[]): void => {
        for (const each of tasks) {
          returned.add(each.id)
          run.endings.set(each.id, [...(run.endings.get(each.id) ?? []), 'returned'])
        }
      }
      hand(run.pool.takeBack(s.count, hand))
      return
    }
  }
}

/** Lets every child answer what it was asked and run everything to the end. */
function settleAll(run: Run, submitted: string[], returned: Set<string>): void {
  for (let round = 0; round < 10_000; round++) {
    let moved = false
    for (let i = 0; i < run.children().length; i++) {
      const child = run.children()[i]!
      if (child.killed) {
        apply(run, { kind: 'exitKilled', child: i }, submitted, returned)
        moved = true
        continue
      }
      if (!child.slot.ready) {
        apply(run, { kind: 'ready', child: i }, submitted, returned)
        moved = true
      }
      if (child.reclaimAsked > 0) {
        apply(run, { kind: 'answer', child: i }, submitted, returned)
        moved = true
      }
      if (child.running !== null) {
        finishRunning(child)
        moved = true
      } else if (child.waiting.length > 0) {
        apply(run, { kind: 'start', child: i }, submitted, returned)
        moved = true
      }
    }
    if (!moved) return
  }
  throw new Error('the pool never came to rest')
}

/**
 * The fixed scenarios' start: child 0 is ready and has run one task (so the function is measured),
 * then `count` more are submitted and child 0 starts the first of them. Returns a driver for more steps.
 */
function measuredThenHeld(size: number, count: number) {
  const run = setUp(size)
  const submitted: string[] = []
  const returned = new Set<string>()
  const step = (s: Step): void => apply(run, s, submitted, returned)
  step({ kind: 'ready', child: 0 })
  step({ kind: 'submit', count: 1 })
  step({ kind: 'start', child: 0 })
  step({ kind: 'finish', child: 0 })
  step({ kind: 'submit', count })
  step({ kind: 'start', child: 0 })
  return { run, step, settle: () => settleAll(run, submitted, returned), children: run.children() }
}

describe('ChildPool with reclaims (state machine)', () => {
  it('answers every task exactly once, never starts a task handed back or cancelled while it waited, and never one twice', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(step, { minLength: 30, maxLength: 120 }), (size, steps) => {
        const run = setUp(size)
        const submitted: string[] = []
        const returned = new Set<string>()
        for (const s of steps) apply(run, s, submitted, returned)
        settleAll(run, submitted, returned)
        for (const id of submitted) {
          const endings = (run.endings.get(id) ?? []).filter((how) => how !== 'WORKER_LOST')
          const lost = (run.endings.get(id) ?? []).length - endings.length
          // A run lost with its child is answered WORKER_LOST (the manager retries it): then nothing else.
          if (lost > 0) {
            expect(lost, id).toBe(1)
            expect(endings, id).toEqual([])
          } else expect(endings, `${id}: ${JSON.stringify(run.endings.get(id))}`).toHaveLength(1)
          if (returned.has(id)) expect(run.starts.get(id) ?? 0, id).toBe(0)
          if (run.cancelledWaiting.has(id)) expect(run.starts.get(id) ?? 0, `${id} ran after it was cancelled`).toBe(0)
          // The agent never runs a task twice: one lost with its child is retried by the manager.
          expect(run.starts.get(id) ?? 0, id).toBeLessThanOrEqual(1)
        }
        expect(run.pool.queued).toBe(0)
        expect(run.pool.busy).toBe(0)
      }),
      { numRuns: 400 },
    )
    expect(reclaimsAnswered).toBeGreaterThan(5)
    expect(dropsSkipped).toBeGreaterThan(5)
  })

  it('drops a cancelled task that a child hands back instead of running or returning it', () => {
    // Measured first (3 ms), so child 0 then holds a running task and one waiting.
    const { run, step, settle, children } = measuredThenHeld(2, 2)
    const [a, b] = children as [SimulatedChild, SimulatedChild]
    expect(a.waiting).toEqual(['t3'])
    run.pool.cancel({ id: 't3', reason: 'cancel' })
    expect(run.endings.get('t3')).toEqual(['CANCELLED'])
    // The other child comes up idle: it asks child 0 for its waiting task.
    step({ kind: 'ready', child: 1 })
    expect(a.reclaimAsked).toBe(1)
    step({ kind: 'answer', child: 0 })
    settle()
    expect(b.waiting).toEqual([])
    expect(run.starts.get('t3')).toBeUndefined()
    expect(run.endings.get('t3')).toEqual(['CANCELLED'])
  })

  it('tells a child to skip a cancelled task that waits in its line: answered once, never started', () => {
    const { run, step, settle, children } = measuredThenHeld(1, 2)
    const [a] = children as [SimulatedChild]
    expect(a.running).toBe('t2')
    expect(a.waiting).toEqual(['t3'])
    run.pool.cancel({ id: 't3', reason: 'cancel' })
    expect(run.endings.get('t3')).toEqual(['CANCELLED'])
    expect(a.dropped.has('t3')).toBe(true)
    step({ kind: 'finish', child: 0 })
    settle()
    expect(run.starts.get('t3')).toBeUndefined()
    expect(run.endings.get('t3')).toEqual(['CANCELLED'])
    expect(run.endings.get('t2')).toEqual(['ok'])
    expect(run.pool.busy).toBe(0)
  })

  it('gives a task a child hands back to the idle sibling that asked, not back to the same child', () => {
    const { step, children } = measuredThenHeld(2, 2)
    const [a, b] = children as [SimulatedChild, SimulatedChild]
    step({ kind: 'ready', child: 1 })
    step({ kind: 'answer', child: 0 })
    expect(a.waiting).toEqual([])
    expect(b.waiting).toEqual(['t3'])
  })

  it('hands a steal the tasks queued at the agent at once, and those a child held once it answers', () => {
    const { run, step, children } = measuredThenHeld(1, 3)
    const [a] = children as [SimulatedChild]
    // t2 runs, t3 waits in the child, t4 waits at the agent.
    expect(a.waiting).toEqual(['t3'])
    const later: string[] = []
    const now = run.pool.takeBack(2, (tasks) => later.push(...tasks.map((each) => each.id)))
    expect(now.map((each) => each.id)).toEqual(['t4'])
    expect(a.reclaimAsked).toBe(1)
    step({ kind: 'answer', child: 0 })
    expect(later).toEqual(['t3'])
    expect(run.pool.busy).toBe(1)
  })
})
