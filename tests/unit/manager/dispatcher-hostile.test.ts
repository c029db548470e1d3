/**
 * The dispatcher as a state machine driven by honest and lying nodes (fast-check): whatever the
 * order of joins, losses, answers, forged answers, unreadable answers and cancellations, every task
 * is answered exactly once, only by a node it was given to, and no slot stays taken.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  encodeValue,
  wireError,
  type CancelRequest,
  type NodeState,
  type TaskAssignment,
  type TaskOutcome,
} from '../../../protocol/index.js'
import type { DispatchedTask } from '../../../manager/dispatcher.js'
import type { NodeLink } from '../../../manager/node-entry.js'
import { assignmentOf, joinNode, testDispatcher } from '../../helpers/dispatcher-harness.js'

/** A node's link: what it was given and has not answered yet; also notes every assignment. */
class RecordingLink implements NodeLink {
  readonly open: TaskAssignment[] = []
  constructor(
    readonly name: string,
    readonly givenTo: Map<string, Set<string>>,
  ) {}
  run(dispatched: DispatchedTask, attempt: number): void {
    const task = assignmentOf(dispatched, attempt)
    this.open.push(task)
    this.givenTo.set(task.id, (this.givenTo.get(task.id) ?? new Set()).add(this.name))
  }
  cancel(_request: CancelRequest): void {}
  state(_state: NodeState): void {}
}

type Op =
  | { kind: 'submit'; client: number; count: number }
  | { kind: 'join'; node: number }
  | { kind: 'lose'; node: number }
  | { kind: 'answer'; node: number; count: number; how: 'ok' | 'failed' | 'child-lost' }
  | { kind: 'forge'; node: number; task: number }
  | { kind: 'garble'; node: number; task: number }
  | { kind: 'cancel'; client: number; task: number }
  | { kind: 'leave'; node: number }

const NODES = 3
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('submit' as const), client: fc.nat(1), count: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('join' as const), node: fc.nat(NODES - 1) }),
  fc.record({ kind: fc.constant('lose' as const), node: fc.nat(NODES - 1) }),
  fc.record({
    kind: fc.constant('answer' as const),
    node: fc.nat(NODES - 1),
    count: fc.integer({ min: 1, max: 4 }),
    how: fc.constantFrom('ok' as const, 'failed' as const, 'child-lost' as const),
  }),
  fc.record({ kind: fc.constant('forge' as const), node: fc.nat(NODES - 1), task: fc.nat(40) }),
  fc.record({ kind: fc.constant('garble' as const), node: fc.nat(NODES - 1), task: fc.nat(40) }),
  fc.record({ kind: fc.constant('cancel' as const), client: fc.nat(1), task: fc.nat(40) }),
  fc.record({ kind: fc.constant('leave' as const), node: fc.nat(NODES - 1) }),
)

function run(ops: Op[]): void {
  const answers = new Map<string, TaskOutcome[]>()
  const dispatcher = testDispatcher((_clientId, outcome) =>
    answers.set(outcome.id, [...(answers.get(outcome.id) ?? []), outcome]),
  )
  const links = new Map<string, RecordingLink>()
  /** Node names each task was dispatched to. */
  const givenTo = new Map<string, Set<string>>()
  const submitted: { id: string; client: string }[] = []
  let seq = 0

  const withLink = (name: string, act: (link: RecordingLink) => void) => {
    const link = links.get(name)
    if (link) act(link)
  }
  const join = (name: string) => {
    if (links.has(name)) return
    const link = new RecordingLink(name, givenTo)
    links.set(name, link)
    joinNode(dispatcher, link, name, 2)
  }

  for (const step of ops) {
    const name = 'node' in step ? `n${step.node}` : ''
    switch (step.kind) {
      case 'submit': {
        const client = `c${step.client}`
        const batch = Array.from({ length: step.count }, () => ({
          id: `${client}-${seq++}`,
          fn: { kind: 'source' as const, source: '(a) => a' },
          args: encodeValue([1]),
        }))
        for (const task of batch) submitted.push({ id: task.id, client })
        dispatcher.submit(client, batch)
        break
      }
      case 'join':
        join(name)
        break
      case 'lose':
        if (links.delete(name)) dispatcher.nodeDisconnected(name, 'test')
        break
      case 'answer':
        withLink(name, (link) => {
          const done = link.open.splice(0, step.count)
          dispatcher.nodeSettled(
            name,
            done.map((task) =>
              step.how === 'ok'
                ? { id: task.id, attempt: task.attempt, ok: true as const, result: encodeValue(name), ms: 1 }
                : {
                    id: task.id,
                    attempt: task.attempt,
                    ok: false as const,
                    error: wireError(step.how === 'failed' ? 'TASK_FAILED' : 'WORKER_LOST', 'x'),
                    ms: 1,
                  },
            ),
          )
        })
        break
      case 'forge': {
        const target = submitted[step.task % Math.max(1, submitted.length)]
        // A forgery: an answer for a task this node was never given.
        if (target && !givenTo.get(target.id)?.has(name)) {
          withLink(name, () =>
            dispatcher.nodeSettled(name, [
              { id: target.id, attempt: 1, ok: true, result: encodeValue('forged'), ms: 1 },
            ]),
          )
        }
        break
      }
      case 'garble': {
        const target = submitted[step.task % Math.max(1, submitted.length)]
        if (target) {
          withLink(name, (link) => {
            dispatcher.nodeSentInvalid(name, target.id, 'unreadable')
            const at = link.open.findIndex((task) => task.id === target.id)
            if (at >= 0) link.open.splice(at, 1)
          })
        }
        break
      }
      case 'cancel': {
        const target = submitted[step.task % Math.max(1, submitted.length)]
        if (target) dispatcher.cancel(`c${step.client}`, [{ id: target.id, reason: 'cancel' }])
        break
      }
      case 'leave':
        withLink(name, (link) =>
          dispatcher.nodeLeaving(
            name,
            link.open.splice(0).map((task) => task.id),
          ),
        )
        break
    }
    for (const outcomes of answers.values()) expect(outcomes).toHaveLength(1)
  }

  // Every node goes; one honest node joins and answers whatever it is given until nothing is left.
  for (const name of [...links.keys()]) {
    links.delete(name)
    dispatcher.nodeDisconnected(name, 'end')
  }
  join('final')
  const final = links.get('final')!
  for (let round = 0; round < 1000 && final.open.length > 0; round++) {
    const done = final.open.splice(0)
    dispatcher.nodeSettled(
      'final',
      done.map((task) => ({
        id: task.id,
        attempt: task.attempt,
        ok: true as const,
        result: encodeValue('final'),
        ms: 1,
      })),
    )
  }

  expect(dispatcher.pending).toBe(0)
  expect(dispatcher.status(0).running).toBe(0)
  for (const { id } of submitted) {
    const outcomes = answers.get(id) ?? []
    expect(outcomes, id).toHaveLength(1)
    const outcome = outcomes[0]!
    // A success names a node the task was really given to; a forged value never arrives.
    if (outcome.ok) {
      expect(givenTo.get(id)?.has(outcome.node), `${id} answered by ${outcome.node}`).toBe(true)
    }
  }
  for (const outcomes of answers.values()) {
    const outcome = outcomes[0]!
    if (outcome.ok) expect(outcome.result).not.toEqual(encodeValue('forged'))
  }
}

describe('Dispatcher under honest and hostile nodes', () => {
  it('answers every task exactly once, never with a forged answer, and frees every slot', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => run(ops)),
      { numRuns: 500 },
    )
  })
})
