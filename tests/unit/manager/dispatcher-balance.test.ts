import { describe, expect, it, vi } from 'vitest'
import { STEAL_RETRY_MS } from '../../../manager/scheduling/index.js'
import { encodeValue, type TaskAssignment, type TaskOutcome, type TaskSubmission } from '../../../protocol/index.js'
import { joinNode, StealableLink, testDispatcher } from '../../helpers/dispatcher-harness.js'
import { ClusterSimulation, sleepFn, tasks, trivialFn } from './cluster-simulation.js'

/** A stealable link that also knows which of its tasks the test has answered. */
class BalanceLink extends StealableLink {
  /** Tasks sent and not yet answered through `settle`. */
  readonly answered = new Set<string>()
  open(): TaskAssignment[] {
    return this.runs.filter((task) => !this.answered.has(task.id))
  }
}

function setup() {
  const answers: TaskOutcome[] = []
  const dispatcher = testDispatcher((_clientId, outcome) => answers.push(outcome))
  const links = new Map<string, BalanceLink>()
  const join = (id: string, workers: number) => {
    const link = new BalanceLink()
    links.set(id, link)
    joinNode(dispatcher, link, id, workers)
    return link
  }
  const settle = (nodeId: string, task: TaskAssignment, ms: number) => {
    links.get(nodeId)!.answered.add(task.id)
    dispatcher.nodeSettled(nodeId, [{ id: task.id, attempt: task.attempt, ok: true, result: encodeValue(null), ms }])
  }
  /** Answers every open task of every node with `ms` per task of `fn`, until none is open (bounded). */
  const runAll = (msOf: (task: TaskAssignment, nodeId: string) => number) => {
    for (let round = 0; round < 10_000; round++) {
      let any = false
      for (const [nodeId, link] of links) {
        const open = link.open()
        if (open.length > 0) {
          any = true
          settle(nodeId, open[0]!, msOf(open[0]!, nodeId))
        }
      }
      if (!any) return
    }
    throw new Error('did not finish')
  }
  const submit = (ids: string[], fn = sleepFn) =>
    dispatcher.submit(
      'c1',
      ids.map((id): TaskSubmission => ({ id, fn, args: encodeValue([1]) })),
    )
  return { dispatcher, answers, join, settle, runAll, submit, links }
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

describe('Dispatcher balance', () => {
  it('treats a new function as unknown after a burst of trivial tasks: one per worker, not a deep window', () => {
    const { join, submit, runAll } = setup()
    const a = join('a', 2)
    submit(ids('t', 2000), trivialFn)
    runAll(() => 0.01)
    const before = a.runs.length
    submit(ids('long', 40))
    expect(a.runs.length - before).toBe(2)
  })

  it('spreads long tasks after trivial ones over every node', () => {
    const { join, submit, runAll, links } = setup()
    const a = join('a', 2)
    const b = join('b', 2)
    submit(ids('t', 2000), trivialFn)
    runAll(() => 0.01)
    const [ra, rb] = [a.runs.length, b.runs.length]
    submit(ids('long', 40))
    runAll((task) => (task.id.startsWith('long') ? 100 : 0.01))
    const longOn = (link: BalanceLink) => link.runs.filter((task) => task.id.startsWith('long')).length
    expect(longOn(a)).toBe(20)
    expect(longOn(b)).toBe(20)
    expect(a.runs.length - ra + (b.runs.length - rb)).toBe(40)
    expect(links.size).toBe(2)
  })

  /** A fresh cluster of one node of `workers` whose function was measured at `ms`, then given `count` tasks of it. */
  const measuredNode = (ms: number, count: number, workers = 2) => {
    const cluster = setup()
    const node = cluster.join('a', workers)
    cluster.submit(ids('w', workers))
    for (const task of [...node.runs]) cluster.settle('a', task, ms)
    cluster.submit(ids('t', count))
    return { ...cluster, node }
  }

  it('keeps moderate known tasks waiting next to each worker (two under REFILL_MS), and none behind a long one', () => {
    expect(measuredNode(10, 10).node.open()).toHaveLength(6) // 2 running + 2 waiting per worker (tasks under REFILL_MS)
    expect(measuredNode(50, 10).node.open()).toHaveLength(4) // 2 running + 1 waiting per worker
    expect(measuredNode(2000, 10).node.open()).toHaveLength(2)
  })

  it('refills a stocked node two tasks at a time, when it would have refilled one', () => {
    const { node: a, settle } = measuredNode(10, 40)
    expect(a.open()).toHaveLength(6)
    // One finished: refilled at once, as before, and one more beyond the window goes with it.
    let sent = a.runs.length
    settle('a', a.open()[0]!, 10)
    expect(a.runs.length - sent).toBe(2)
    expect(a.open()).toHaveLength(7)
    // The next finish needs no refill: every worker still has its waiting work.
    sent = a.runs.length
    settle('a', a.open()[0]!, 10)
    expect(a.runs.length).toBe(sent)
    expect(a.open()).toHaveLength(6)
  })

  it('never leaves a node with less waiting work after a finish than the window keeps', () => {
    // Node sizes and task lengths where the window holds 2 × workers + 1 tasks, and W2's.
    for (const [workers, ms] of [
      [1, 10],
      [2, 15],
      [4, 16],
      [2, 10],
    ] as const) {
      const { node, settle } = measuredNode(ms, 200, workers)
      const window = node.open().length
      let frames = 0
      for (let finished = 0; finished < 60; finished++) {
        const sent = node.runs.length
        settle('a', node.open()[0]!, ms)
        if (node.runs.length > sent) frames++
        // Held after the finish and its refill: never fewer than the full window.
        expect(node.open().length).toBeGreaterThanOrEqual(window)
      }
      // …and, where a pair fits, a refill frame for every other finish.
      if (window > 2 * workers) expect(frames).toBe(30)
    }
  })

  it('steals unstarted tasks for a node that joins late, without counting an attempt, and answers once', () => {
    const { dispatcher, join, submit, settle, answers } = setup()
    const a = join('a', 2)
    submit(['w1', 'w2'])
    settle('a', a.runs[0]!, 100)
    settle('a', a.runs[1]!, 100)
    submit(ids('t', 4)) // 2 running + 2 waiting on a
    expect(a.open()).toHaveLength(4)
    const b = join('b', 2)
    expect(a.steals).toEqual([2])
    const waiting = a
      .open()
      .slice(2)
      .map((task) => task.id)
    dispatcher.nodeReturned('a', waiting)
    expect(b.runs.map((task) => task.id).sort()).toEqual([...waiting].sort())
    expect(b.runs.every((task) => task.attempt === 1)).toBe(true)
    expect(dispatcher.stolen).toBe(2)
    expect(dispatcher.status(0).nodes.find((node) => node.name === 'a')!.stolen).toBe(2)
    // The stolen tasks finish on b; a stray late answer from a is not a second answer.
    for (const task of b.runs) settle('b', task, 100)
    dispatcher.nodeSettled('a', [{ id: waiting[0]!, attempt: 1, ok: true, result: encodeValue(null), ms: 1 }])
    expect(answers.filter((answer) => answer.id === waiting[0])).toHaveLength(1)
  })

  it('frees the slot of a task cancelled while a steal asked for it back (the node can no longer report it)', () => {
    const { dispatcher, join, submit, settle, answers } = setup()
    const a = join('a', 1)
    submit(['w'])
    settle('a', a.runs[0]!, 100)
    submit(ids('t', 2)) // t0 running, t1 waiting on a
    join('b', 1)
    expect(a.steals).toEqual([1])
    dispatcher.cancel('c1', [{ id: 't1', reason: 'cancel' }])
    expect(answers.filter((answer) => answer.id === 't1')).toHaveLength(1)
    // The agent handed t1 back before the cancel reached it, so it will never answer for t1.
    dispatcher.nodeReturned('a', ['t1'])
    expect(dispatcher.status(0).nodes.find((node) => node.name === 'a')!.assigned).toBe(1)
    expect(dispatcher.stolen).toBe(0)
    expect(answers.filter((answer) => answer.id === 't1')).toHaveLength(1)
  })

  it('asks once at a time, ignores handed-back ids the node does not hold, and does not steal trivial work', () => {
    const { dispatcher, join, submit, settle } = setup()
    const a = join('a', 1)
    submit(['w'])
    settle('a', a.runs[0]!, 100)
    submit(ids('t', 2))
    join('b', 1)
    join('c', 1)
    expect(a.steals).toEqual([1])
    dispatcher.nodeReturned('a', ['not-there'])
    expect(dispatcher.stolen).toBe(0)
    const trivial = setup()
    const x = trivial.join('x', 1)
    trivial.submit(['w'], trivialFn)
    trivial.settle('x', x.runs[0]!, 0.01)
    trivial.submit(ids('t', 100), trivialFn)
    trivial.join('y', 1)
    expect(x.steals).toEqual([])
  })

  it('does not ask a node again at once after it handed back fewer tasks than asked (its children may still follow)', () => {
    vi.useFakeTimers({ toFake: ['performance'] })
    try {
      const { dispatcher, join, submit, settle } = setup()
      const a = join('a', 1)
      submit(['w'])
      settle('a', a.runs[0]!, 100)
      submit(ids('t', 2)) // t0 running, t1 waiting on a
      const b = join('b', 1)
      expect(a.steals).toEqual([1])
      // The agent's queue had nothing; its child will hand back later. Answers like this one must
      // not turn into a request-and-empty-answer loop while the child's task runs.
      for (let i = 0; i < 100; i++) dispatcher.nodeReturned('a', [])
      expect(a.steals).toEqual([1])
      vi.advanceTimersByTime(STEAL_RETRY_MS)
      dispatcher.pump()
      expect(a.steals).toEqual([1, 1])
      // What the child hands back later is placed on the idle node.
      dispatcher.nodeReturned('a', ['t1'])
      expect(b.runs.map((task) => task.id)).toEqual(['t1'])
      expect(dispatcher.stolen).toBe(1)
    } finally {
      vi.useRealTimers()
    }
  })

  it('steals for a node that finishes early', () => {
    const { join, submit, settle } = setup()
    const a = join('a', 1)
    const b = join('b', 1)
    submit(['wa', 'wb'])
    settle('a', a.runs[0]!, 100)
    settle('b', b.runs[0]!, 100)
    submit(ids('t', 4)) // two per node: one running, one waiting
    expect(a.open()).toHaveLength(2)
    expect(b.open()).toHaveLength(2)
    settle('b', b.open()[0]!, 100)
    settle('b', b.open()[0]!, 100)
    expect(a.steals).toEqual([1])
  })

  it('forgets the run times of a node that is dismissed', () => {
    const { dispatcher, join, submit, settle } = setup()
    const a = join('a', 1)
    const b = join('b', 1)
    submit(['wa', 'wb'])
    settle('a', a.runs[0]!, 100)
    settle('b', b.runs[0]!, 300)
    const key = 's' + sleepFn.source
    expect(dispatcher.estimates.expected(key, 'a')).toBe(100)
    dispatcher.nodeDisconnected('a', 'transport close')
    dispatcher.dismiss('a')
    // Only the cluster's figure is left for that id, as for a node never seen.
    expect(dispatcher.estimates.expected(key, 'a')).toBe(dispatcher.estimates.expected(key, 'never-seen'))
    expect(dispatcher.estimates.expected(key, 'a')).not.toBe(100)
  })

  it('gives nodes of different sizes and speeds work in proportion to what they complete', () => {
    const sizes = new ClusterSimulation()
    const big = sizes.join('big', 3)
    const small = sizes.join('small', 1)
    sizes.submit(tasks('t', 80, 50))
    const sizesMakespan = sizes.run()
    expect(big.ran.length).toBe(60)
    expect(small.ran.length).toBe(20)
    expect(sizesMakespan).toBeLessThanOrEqual(1.15 * ((80 * 50) / 4))

    const speeds = new ClusterSimulation()
    const fast = speeds.join('fast', 2)
    speeds.join('slow', 2, 2)
    speeds.submit(tasks('t', 60, 50))
    const speedsMakespan = speeds.run()
    expect(fast.ran.length).toBeGreaterThanOrEqual(36)
    // Ideal: 60 × 50 ms over 2 workers at speed 1 and 2 at speed ½ (3 worker-equivalents).
    expect(speedsMakespan).toBeLessThanOrEqual(1.15 * ((60 * 50) / 3))
  })
})

describe('Dispatcher balance in simulated time (makespan against the ideal for the slots)', () => {
  it('long tasks right after a burst of trivial ones', () => {
    const sim = new ClusterSimulation()
    sim.join('a', 2)
    sim.join('b', 2)
    sim.submit(tasks('t', 2000, 0.01, trivialFn))
    const start = sim.run()
    sim.submit(tasks('long', 40, 100))
    const makespan = sim.run() - start
    expect(makespan).toBeLessThanOrEqual(1.15 * ((40 * 100) / 4))
    expect(new Set(sim.answers.map((answer) => answer.id)).size).toBe(2040)
  })

  it('one long task among many short ones', () => {
    const sim = new ClusterSimulation()
    sim.join('a', 2)
    sim.join('b', 2)
    sim.submit([...tasks('s', 10, 20), ...tasks('long', 1, 1000), ...tasks('t', 190, 20)])
    const makespan = sim.run()
    expect(makespan).toBeLessThanOrEqual(1.15 * ((200 * 20 + 1000) / 4))
  })

  it('a node joining while work is queued takes waiting work at once', () => {
    const sim = new ClusterSimulation()
    sim.join('a', 2)
    sim.submit(tasks('w', 2, 50))
    sim.run()
    sim.submit(tasks('t', 80, 50))
    sim.run(sim.now + 500)
    const joinedAt = sim.now
    const late = sim.join('late', 2)
    expect(late.ran.length).toBeGreaterThan(0)
    const end = sim.run()
    // Ideal with 2 slots from the start and 2 more from the join: 2T + 2(T − join) = work.
    const start = joinedAt - 500
    const ideal = (80 * 50 + 2 * 500) / 4
    expect(end - start).toBeLessThanOrEqual(1.15 * ideal)
    expect(late.ran.length).toBeGreaterThanOrEqual(30)
  })
})
