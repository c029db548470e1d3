import {
  encodeValue,
  type CancelRequest,
  type NodeState,
  type TaskAssignment,
  type TaskFunction,
  type TaskOutcome,
} from '../../../protocol/index.js'
import type { DispatchedTask } from '../../../manager/dispatcher.js'
import type { NodeLink } from '../../../manager/node-entry.js'
import { assignmentOf, joinNode, testDispatcher } from '../../helpers/dispatcher-harness.js'

/**
 * A cluster in simulated time around the real dispatcher: each node runs the tasks it is given in
 * arrival order on its workers and answers when they finish; a steal hands back tasks not started.
 * No sockets, no clocks: makespans are exact and the same on every run.
 */
type SourceFunction = Extract<TaskFunction, { kind: 'source' }>

export interface SimTask {
  id: string
  fn: TaskFunction
  /** Run time on a node of speed 1, ms. */
  ms: number
}

class SimNode implements NodeLink {
  readonly waiting: TaskAssignment[] = []
  readonly running = new Map<string, number>()
  readonly ran: string[] = []
  steals = 0
  constructor(
    readonly sim: ClusterSimulation,
    readonly id: string,
    readonly workers: number,
    /** Run-time multiplier: 2 = half as fast. */
    readonly slowness: number,
  ) {}
  run(dispatched: DispatchedTask, attempt: number): void {
    this.waiting.push(assignmentOf(dispatched, attempt))
    this.sim.later(() => this.start())
  }
  cancel(_request: CancelRequest): void {}
  state(_state: NodeState): void {}
  steal(count: number): void {
    this.steals++
    this.sim.later(() => {
      const taken = this.waiting.splice(Math.max(0, this.waiting.length - count), count)
      this.sim.dispatcher.nodeReturned(
        this.id,
        taken.map((task) => task.id),
      )
    })
  }
  start(): void {
    while (this.running.size < this.workers && this.waiting.length > 0) {
      const task = this.waiting.shift()!
      const ms = this.sim.durationOf(task.id) * this.slowness
      this.running.set(task.id, this.sim.now + ms)
      this.ran.push(task.id)
      this.sim.at(this.sim.now + ms, () => {
        this.running.delete(task.id)
        this.sim.dispatcher.nodeSettled(this.id, [
          { id: task.id, attempt: task.attempt, ok: true, result: encodeValue(null), ms },
        ])
        this.start()
      })
    }
  }
}

export class ClusterSimulation {
  now = 0
  readonly answers: TaskOutcome[] = []
  readonly dispatcher = testDispatcher((_clientId, outcome) => this.answers.push(outcome))
  readonly nodes = new Map<string, SimNode>()
  readonly #durations = new Map<string, number>()
  #events: { at: number; seq: number; run: () => void }[] = []
  #seq = 0
  #soon: (() => void)[] = []

  durationOf(id: string): number {
    return this.#durations.get(id)!
  }

  at(time: number, run: () => void): void {
    this.#events.push({ at: time, seq: this.#seq++, run })
  }

  /** Runs after the current dispatcher call returns (a network hop of zero length). */
  later(run: () => void): void {
    this.#soon.push(run)
  }

  join(id: string, workers: number, slowness = 1): SimNode {
    const node = new SimNode(this, id, workers, slowness)
    this.nodes.set(id, node)
    joinNode(this.dispatcher, node, id, workers)
    this.#settle()
    return node
  }

  submit(tasks: readonly SimTask[]): void {
    for (const task of tasks) this.#durations.set(task.id, task.ms)
    this.dispatcher.submit(
      'c1',
      tasks.map((task) => ({ id: task.id, fn: task.fn, args: encodeValue([task.ms]) })),
    )
    this.#settle()
  }

  /** Advances time until nothing is left to happen (or `until`); returns the time then. */
  run(until = Infinity): number {
    this.#settle()
    for (let steps = 0; steps < 1_000_000; steps++) {
      if (this.#events.length === 0) return this.now
      this.#events.sort((a, b) => a.at - b.at || a.seq - b.seq)
      if (this.#events[0]!.at > until) {
        this.now = until
        return this.now
      }
      const event = this.#events.shift()!
      this.now = event.at
      event.run()
      this.#settle()
    }
    throw new Error('simulation did not end')
  }

  #settle(): void {
    for (let i = 0; i < 100_000 && this.#soon.length > 0; i++) this.#soon.shift()!()
  }
}

export const sleepFn: SourceFunction = {
  kind: 'source',
  source: '(ms) => new Promise((resolve) => setTimeout(resolve, ms))',
}
export const trivialFn: SourceFunction = { kind: 'source', source: '(a) => a' }

export function tasks(prefix: string, count: number, ms: number, fn = sleepFn): SimTask[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, fn, ms }))
}
