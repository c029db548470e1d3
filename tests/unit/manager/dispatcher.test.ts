import { afterEach, describe, expect, it, vi } from 'vitest'
import { encodeValue, type TaskAssignment, type TaskOutcome, type TaskSubmission } from '../../../protocol/index.js'
import { ActivityLog } from '../../../manager/activity-log.js'
import { RECORDS_FLUSH_MS } from '../../../manager/dispatch/finished-records.js'
import { IDLE_HEARTBEAT, joinNode, RecordingLink, testDispatcher } from '../../helpers/dispatcher-harness.js'

function setup(options: { queueSize?: number | null; maxAttempts?: number } = {}) {
  const answers: { clientId: string; outcome: TaskOutcome }[] = []
  const activity = new ActivityLog()
  const dispatcher = testDispatcher((clientId, outcome) => answers.push({ clientId, outcome }), {
    ...options,
    activity,
  })
  const join = (id: string, name = id, workers = 1) => {
    const link = new RecordingLink()
    joinNode(dispatcher, link, id, workers, name)
    return link
  }
  const answersFor = (id: string) => answers.filter((answer) => answer.outcome.id === id)
  return { dispatcher, answers, answersFor, join, activity }
}

const submission = (id: string, extra: Partial<TaskSubmission> = {}): TaskSubmission => ({
  id,
  fn: { kind: 'source', source: '(a) => a' },
  args: encodeValue([1]),
  ...extra,
})
const ok = (task: TaskAssignment, ms = 1) => ({
  id: task.id,
  attempt: task.attempt,
  ok: true as const,
  result: encodeValue('r'),
  ms,
})
const lost = (task: TaskAssignment) => ({
  id: task.id,
  attempt: task.attempt,
  ok: false as const,
  error: { name: 'ArgonError', code: 'WORKER_LOST' as const, message: 'child died', retryable: true },
  ms: 0,
})

/** A node got t1, lost its connection, and got t1 again on reconnecting (attempt 2) while its first run may go on. */
function reconnectedWithTask(options: { maxAttempts?: number } = {}) {
  const cluster = setup(options)
  const first = cluster.join('n1')
  cluster.dispatcher.submit('c1', [submission('t1')])
  cluster.dispatcher.nodeDisconnected('n1', 'transport close')
  const again = cluster.join('n1')
  expect(again.runs[0]).toMatchObject({ id: 't1', attempt: 2 })
  return { ...cluster, first, again }
}

describe('Dispatcher', () => {
  it('waits with no nodes, then dispatches when one joins, and answers once', () => {
    const { dispatcher, answersFor, join } = setup()
    dispatcher.submit('c1', [submission('t1')])
    expect(dispatcher.queued).toBe(1)
    const link = join('n1')
    expect(link.runs.map((task) => task.id)).toEqual(['t1'])
    expect(link.runs[0]!.attempt).toBe(1)
    dispatcher.nodeSettled('n1', [ok(link.runs[0]!)])
    dispatcher.nodeSettled('n1', [ok(link.runs[0]!)]) // duplicate answer
    expect(answersFor('t1')).toHaveLength(1)
    expect(answersFor('t1')[0]!.outcome).toMatchObject({ ok: true, node: 'n1' })
    expect(dispatcher.pending).toBe(0)
  })

  it('never gives a node of unknown speed more tasks than it has workers', () => {
    const { dispatcher, join } = setup()
    const link = join('n1', 'n1', 2)
    dispatcher.submit(
      'c1',
      ['a', 'b', 'c', 'd'].map((id) => submission(id)),
    )
    expect(link.runs).toHaveLength(2)
    expect(dispatcher.queued).toBe(2)
  })

  it('prefetches deeper only for fast tasks, bounded by the measured window', () => {
    const { dispatcher, join } = setup()
    const link = join('n1', 'n1', 1)
    dispatcher.submit('c1', [submission('warm')])
    dispatcher.nodeSettled('n1', [ok(link.runs[0]!, 0.01)])
    dispatcher.submit(
      'c1',
      Array.from({ length: 2000 }, (_, i) => submission(`t${i}`)),
    )
    const prefetched = link.runs.length - 1
    expect(prefetched).toBeGreaterThan(1)
    expect(prefetched).toBeLessThanOrEqual(512)

    const slow = setup()
    const slowLink = slow.join('n1', 'n1', 1)
    slow.dispatcher.submit('c1', [submission('warm')])
    slow.dispatcher.nodeSettled('n1', [ok(slowLink.runs[0]!, 50)])
    slow.dispatcher.submit(
      'c1',
      ['a', 'b', 'c', 'd'].map((id) => submission(id)),
    )
    expect(slowLink.runs).toHaveLength(3) // warm + one running + one waiting at the agent

    const long = setup()
    const longLink = long.join('n1', 'n1', 1)
    long.dispatcher.submit('c1', [submission('warm')])
    long.dispatcher.nodeSettled('n1', [ok(longLink.runs[0]!, 5000)])
    long.dispatcher.submit(
      'c1',
      ['a', 'b', 'c'].map((id) => submission(id)),
    )
    expect(longLink.runs).toHaveLength(2) // warm + exactly one: long tasks wait at the manager
  })

  it('spreads work over nodes', () => {
    const { dispatcher, join } = setup()
    const a = join('a')
    const b = join('b')
    dispatcher.submit('c1', [submission('t1'), submission('t2')])
    expect(a.runs).toHaveLength(1)
    expect(b.runs).toHaveLength(1)
  })

  it('rejects beyond --queue-size with QUEUE_FULL and counts it', () => {
    const { dispatcher, answersFor } = setup({ queueSize: 2 })
    dispatcher.submit(
      'c1',
      ['a', 'b', 'c'].map((id) => submission(id)),
    )
    expect(dispatcher.queued).toBe(2)
    const rejection = answersFor('c')[0]!.outcome
    expect(rejection.ok).toBe(false)
    if (!rejection.ok) expect(rejection.error).toMatchObject({ code: 'QUEUE_FULL', retryable: true })
    expect(dispatcher.rejected).toBe(1)
  })

  it('serves high priority first', () => {
    const { dispatcher, join } = setup()
    dispatcher.submit('c1', [
      submission('low', { priority: 'low' }),
      submission('normal'),
      submission('high', { priority: 'high' }),
    ])
    const link = join('n1')
    expect(link.runs[0]!.id).toBe('high')
  })

  it("moves a lost node's tasks to the head of the queue with the attempt raised, and uses the node again when it returns", () => {
    const { dispatcher, join, answersFor } = setup()
    const first = join('n1')
    dispatcher.submit('c1', [submission('t1'), submission('t2')])
    expect(first.runs.map((task) => task.id)).toEqual(['t1'])
    dispatcher.nodeDisconnected('n1', 'transport close')
    expect(dispatcher.queued).toBe(2)
    const again = join('n1') // same id: the agent reconnected
    expect(again.runs[0]).toMatchObject({ id: 't1', attempt: 2 })
    // The late answer of the first run is accepted once; the second run's answer is dropped.
    dispatcher.nodeSettled('n1', [ok(first.runs[0]!)])
    dispatcher.nodeSettled('n1', [ok(again.runs[0]!)])
    expect(answersFor('t1')).toHaveLength(1)
  })

  it('fails a poison task with WORKER_LOST after maxAttempts and keeps serving', () => {
    const { dispatcher, join, answersFor } = setup({ maxAttempts: 2 })
    dispatcher.submit('c1', [submission('poison')])
    const a = join('a')
    dispatcher.nodeDisconnected('a', 'killed')
    const b = join('b')
    expect(b.runs[0]).toMatchObject({ id: 'poison', attempt: 2 })
    dispatcher.nodeDisconnected('b', 'killed')
    const answer = answersFor('poison')[0]!.outcome
    expect(answer.ok).toBe(false)
    if (!answer.ok) expect(answer.error.code).toBe('WORKER_LOST')
    void a
    const c = join('c')
    dispatcher.submit('c1', [submission('next')])
    expect(c.runs.map((task) => task.id)).toEqual(['next'])
  })

  it('counts a child that died mid-task as one attempt; a stale loss report changes nothing', () => {
    const { dispatcher, join, answersFor } = setup({ maxAttempts: 2 })
    const link = join('n1')
    dispatcher.submit('c1', [submission('t1')])
    dispatcher.nodeSettled('n1', [lost(link.runs[0]!)])
    expect(link.runs[1]).toMatchObject({ id: 't1', attempt: 2 })
    dispatcher.nodeSettled('n1', [lost(link.runs[0]!)]) // stale: attempt 1
    expect(answersFor('t1')).toHaveLength(0)
    dispatcher.nodeSettled('n1', [lost(link.runs[1]!)])
    expect(answersFor('t1')[0]!.outcome).toMatchObject({ ok: false, error: { code: 'WORKER_LOST' } })
  })

  it('keeps the attempt a node runs now held when a late loss report of its earlier attempt comes in', () => {
    // The node reconnected and got the task again while its child still ran the first attempt;
    // that child then died. If the report ended the hold, the task would be lost with the node.
    const { dispatcher, join, answersFor, first } = reconnectedWithTask()
    dispatcher.nodeSettled('n1', [lost(first.runs[0]!)])
    expect(answersFor('t1')).toHaveLength(0)
    expect(dispatcher.nodes.get('n1')!.assigned.attemptOf('t1')).toBe(2)
    dispatcher.nodeDisconnected('n1', 'transport close')
    const other = join('n2')
    expect(other.runs[0]).toMatchObject({ id: 't1', attempt: 3 })
    dispatcher.nodeSettled('n2', [ok(other.runs[0]!)])
    expect(answersFor('t1')).toHaveLength(1)
    expect(answersFor('t1')[0]!.outcome).toMatchObject({ ok: true, node: 'n2' })
  })

  it('answers with a late result of an earlier attempt and stops the run the node started since', () => {
    const { dispatcher, answersFor, first, again } = reconnectedWithTask()
    dispatcher.nodeSettled('n1', [ok(first.runs[0]!)])
    expect(answersFor('t1')).toHaveLength(1)
    expect(again.cancels).toEqual([{ id: 't1', reason: 'cancel' }])
    // The node still runs attempt 2 until it answers it: its slot is not free yet.
    expect(dispatcher.nodes.get('n1')!.assigned.count).toBe(1)
    dispatcher.nodeSettled('n1', [
      { ...lost(again.runs[0]!), error: { ...lost(again.runs[0]!).error, code: 'CANCELLED' } },
    ])
    expect(dispatcher.nodes.get('n1')!.assigned.count).toBe(0)
    expect(answersFor('t1')).toHaveLength(1)
  })

  it('ends the hold on an answer whose attempt the node could not read (attempt 0)', () => {
    const { dispatcher, answersFor, again } = reconnectedWithTask()
    const unreadable = { ...lost(again.runs[0]!), attempt: 0 }
    dispatcher.nodeSettled('n1', [{ ...unreadable, error: { ...unreadable.error, code: 'BAD_REQUEST' } }])
    expect(answersFor('t1')[0]!.outcome).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } })
    expect(dispatcher.nodes.get('n1')!.assigned.count).toBe(0)
    expect(again.cancels).toEqual([])
  })

  it('drain stops new work for a node (by name, across restarts); resume brings it back', () => {
    const { dispatcher, join } = setup()
    const a = join('a-1', 'a')
    const b = join('b-1', 'b')
    const status = dispatcher.drain('a')
    expect(status).toMatchObject({ name: 'a', state: 'draining', drained: true })
    expect(a.states).toEqual(['draining'])
    dispatcher.submit('c1', [submission('t1'), submission('t2')])
    expect(a.runs).toHaveLength(0)
    expect(b.runs).toHaveLength(1)
    // The machine restarts: new id, same name — it comes back drained.
    dispatcher.nodeDisconnected('a-1', 'gone')
    const restarted = join('a-2', 'a')
    expect(restarted.states).toEqual(['draining'])
    expect(restarted.runs).toHaveLength(0)
    dispatcher.resume('a')
    expect(restarted.runs.map((task) => task.id)).toEqual(['t2'])
    expect(() => dispatcher.drain('nobody')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }))
  })

  it('cancels a queued task at once and a running one on its node', () => {
    const { dispatcher, join, answersFor } = setup()
    dispatcher.submit('c1', [submission('running'), submission('queued')])
    const link = join('n1')
    dispatcher.cancel('c1', [{ id: 'queued', reason: 'cancel' }])
    expect(answersFor('queued')[0]!.outcome).toMatchObject({ ok: false, error: { code: 'CANCELLED' } })
    dispatcher.cancel('c1', [{ id: 'running', reason: 'timeout' }])
    expect(answersFor('running')[0]!.outcome).toMatchObject({ ok: false, error: { code: 'TASK_TIMEOUT' } })
    expect(link.cancels).toEqual([{ id: 'running', reason: 'timeout' }])
    // Another client cannot cancel someone else's task.
    dispatcher.submit('c1', [submission('mine')])
    dispatcher.cancel('c2', [{ id: 'mine', reason: 'cancel' }])
    expect(answersFor('mine')).toHaveLength(0)
  })

  it('ignores a resubmitted id it still holds (client reconnect) and refuses one held by another client', () => {
    const { dispatcher, answersFor } = setup()
    dispatcher.submit('c1', [submission('t1')])
    dispatcher.submit('c1', [submission('t1')])
    expect(dispatcher.queued).toBe(1)
    dispatcher.submit('c2', [submission('t1')])
    expect(answersFor('t1')[0]).toMatchObject({
      clientId: 'c2',
      outcome: { ok: false, error: { code: 'BAD_REQUEST' } },
    })
  })

  it('returns tasks a leaving agent never started without counting an attempt', () => {
    const { dispatcher, join } = setup()
    dispatcher.submit('c1', [submission('warm')])
    const leaving = join('a')
    dispatcher.nodeSettled('a', [ok(leaving.runs[0]!, 0.01)])
    dispatcher.submit('c1', [submission('t1'), submission('t2')])
    expect(leaving.runs.length).toBeGreaterThanOrEqual(3)
    dispatcher.nodeLeaving('a', ['t2'])
    const other = join('b')
    expect(other.runs[0]).toMatchObject({ id: 't2', attempt: 1 })
    expect(dispatcher.status(0).nodes.find((node) => node.name === 'a')?.state).toBe('draining')
  })

  it("reports status like the seed's STATUS command", () => {
    const { dispatcher, join } = setup({ queueSize: 10 })
    join('n1', 'n1', 2)
    dispatcher.submit(
      'c1',
      ['a', 'b', 'c'].map((id) => submission(id)),
    )
    const status = dispatcher.status(1)
    expect(status).toMatchObject({ queued: 1, queueLimit: 10, running: 2, clients: 1 })
    expect(status.nodes[0]).toMatchObject({
      name: 'n1',
      workers: 2,
      assigned: 2,
      state: 'active',
      completed: 0,
      failed: 0,
    })
  })
})

describe('Dispatcher records for people', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('answers at once and records finished tasks for the dashboard once per RECORDS_FLUSH_MS, in one batch', () => {
    vi.useFakeTimers()
    const { dispatcher, join, answers, activity } = setup()
    const a = join('a', 'a', 2)
    dispatcher.submit('c1', [submission('t1'), submission('t2')])
    const firstAnswered = Date.now()
    dispatcher.nodeSettled('a', [ok(a.runs[0]!)])
    vi.advanceTimersByTime(RECORDS_FLUSH_MS / 2)
    dispatcher.nodeSettled('a', [ok(a.runs[1]!)])
    expect(answers.map((answer) => answer.outcome.id)).toEqual(['t1', 't2'])
    // Off the per-task path: nothing recorded yet, then both in one pass.
    expect(activity.tasks.toArray()).toHaveLength(0)
    vi.advanceTimersByTime(RECORDS_FLUSH_MS / 2)
    const records = activity.tasks.toArray()
    expect(records.map((record) => record.id).sort()).toEqual(['t1', 't2'])
    // Each keeps the time it was answered, not the time of the pass.
    const finishedAt = new Map(records.map((record) => [record.id, record.finishedAt]))
    expect(finishedAt.get('t1')).toBe(firstAnswered)
    expect(finishedAt.get('t2')).toBe(firstAnswered + RECORDS_FLUSH_MS / 2)
  })
})

describe('Dispatcher.sweepSilentNodes', () => {
  it('treats a remote node silent past the timeout as lost, re-queues its tasks and drops its link', () => {
    const { dispatcher, join } = setup()
    const silent = join('silent')
    const dropped: string[] = []
    const droppable = Object.assign(new RecordingLink(), { drop: (reason: string) => dropped.push(reason) })
    joinNode(dispatcher, droppable, 'remote')
    dispatcher.submit('c1', [submission('t1'), submission('t2')])
    expect(droppable.runs).toHaveLength(1)

    // Fresh news keeps a node; an in-process node (no drop) is never swept.
    expect(dispatcher.sweepSilentNodes(5000)).toEqual([])
    dispatcher.nodes.get('remote')!.lastSeenAt = Date.now() - 6000
    dispatcher.nodes.get('silent')!.lastSeenAt = Date.now() - 6000
    const lost = dispatcher.sweepSilentNodes(5000)
    expect(lost.map((node) => node.name)).toEqual(['remote'])
    expect(dropped).toHaveLength(1)
    expect(dropped[0]).toMatch(/past the node timeout of 5 s/)
    expect(dispatcher.status(0).nodes.find((node) => node.name === 'remote')?.state).toBe('offline')
    // Its task runs again on the other node, as attempt 2, once that node has room.
    dispatcher.nodeSettled('silent', [ok(silent.runs[0]!)])
    expect(silent.runs.map((task) => [task.id, task.attempt])).toContainEqual([droppable.runs[0]!.id, 2])
  })
})

describe('Dispatcher and node liveness', () => {
  it('gives a node work only from its first heartbeat on (a silent peer never holds tasks)', () => {
    const { dispatcher } = setup()
    const link = new RecordingLink()
    dispatcher.nodeConnected({ id: 'mute', name: 'mute', host: 'h', workers: 4, version: '0' }, link)
    dispatcher.submit('c1', [submission('t1'), submission('t2')])
    expect(link.runs).toEqual([])
    expect(dispatcher.queued).toBe(2)
    dispatcher.heartbeat('mute', IDLE_HEARTBEAT)
    expect(link.runs.map((task) => task.id)).toEqual(['t1', 't2'])
  })
})
