import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TaskHistory } from '../../../manager/task-history.js'
import type { TaskRecord, TaskRecordStatus } from '../../../protocol/index.js'

let seq = 0
function task(status: TaskRecordStatus, overrides: Partial<TaskRecord> = {}): TaskRecord & { seq: number } {
  seq++
  return {
    seq,
    id: `client-a:${seq}`,
    label: '(x) => x * 2',
    node: 'n1',
    durationMs: 1,
    status,
    finishedAt: 1_000_000 + seq,
    attempts: 1,
    ...(status === 'succeeded' ? {} : { error: { code: 'TASK_FAILED', message: `boom ${seq}` } }),
    ...overrides,
  }
}

describe('TaskHistory', () => {
  it('keeps a failure findable after many later successes pushed it out of the recent store', () => {
    const history = new TaskHistory({ recentCount: 100, failureCount: 10 })
    const failure = task('failed')
    history.record(failure)
    for (let i = 0; i < 5000; i++) history.record(task('succeeded'))
    const page = history.query({ failed: true })
    expect(page.tasks.map((t) => t.id)).toEqual([failure.id])
    expect(page.kept.recent).toBe(100)
    expect(page.kept.failures).toBe(1)
    // The unfiltered view merges both stores: the newest 100, then the old failure.
    const all = history.query({ limit: 1000 })
    expect(all.tasks).toHaveLength(101)
    expect(all.tasks[100]!.id).toBe(failure.id)
  })

  it('bounds each store by count and by bytes', () => {
    const history = new TaskHistory({ recentCount: 50, recentBytes: 20_000, failureCount: 5, failureBytes: 1_000_000 })
    for (let i = 0; i < 20; i++) history.record(task('failed'))
    expect(history.query({ limit: 1000, failed: true }).kept.failures).toBe(5)
    // Large stacks: the byte bound cuts the recent store well below its count.
    for (let i = 0; i < 50; i++)
      history.record(
        task('failed', { error: { code: 'TASK_FAILED', message: 'x', remoteStack: 'at f\n'.repeat(400) } }),
      )
    const kept = history.query({ limit: 1000 }).kept
    expect(kept.recent).toBeLessThan(10)
  })

  it('cuts runaway messages and stacks', () => {
    const history = new TaskHistory()
    history.record(
      task('failed', {
        error: { code: 'TASK_FAILED', message: 'm'.repeat(100_000), remoteStack: 's'.repeat(100_000) },
      }),
    )
    const [kept] = history.query({}).tasks
    expect(kept!.error!.message.length).toBeLessThan(5000)
    expect(kept!.error!.remoteStack!.length).toBeLessThan(17_000)
  })

  it('filters by status, node, function text, id prefix, text and time', () => {
    const history = new TaskHistory()
    const a = task('succeeded', { node: 'gpu-1', label: 'async (url) => fetch(url)' })
    const b = task('timed-out', { node: 'gpu-2', id: 'zz-timeout' })
    const c = task('failed', { node: 'gpu-1', finishedAt: 5_000_000 })
    for (const t of [a, b, c]) history.record(t)
    const ids = (query: Parameters<TaskHistory['query']>[0]) => history.query(query).tasks.map((t) => t.id)
    expect(ids({ node: 'gpu-1' })).toEqual([c.id, a.id])
    expect(ids({ status: ['timed-out'] })).toEqual([b.id])
    expect(ids({ failed: true })).toEqual([c.id, b.id])
    expect(ids({ fn: 'FETCH' })).toEqual([a.id])
    expect(ids({ idPrefix: 'zz-' })).toEqual([b.id])
    expect(ids({ text: 'zz-' })).toEqual([b.id])
    expect(ids({ text: 'fetch' })).toEqual([a.id])
    expect(ids({ since: 4_000_000 })).toEqual([c.id])
    expect(ids({ until: 4_000_000 })).toEqual([b.id, a.id])
  })

  it('pages through any mix of records exactly once, newest first', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<TaskRecordStatus>('succeeded', 'failed', 'lost'), { maxLength: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 5, max: 60 }),
        (statuses, pageSize, recentCount) => {
          const history = new TaskHistory({ recentCount, failureCount: 1000 })
          const recorded = statuses.map((status) => task(status))
          for (const record of recorded) history.record(record)
          const seen: number[] = []
          let before: number | undefined
          for (let pages = 0; pages < 1000; pages++) {
            const page = history.query({ limit: pageSize, before })
            seen.push(...page.tasks.map((t) => t.seq!))
            if (page.next === null) break
            before = page.next
          }
          // Expected: every failure, plus the newest `recentCount` of any status, newest first.
          const recent = new Set(recorded.slice(-recentCount).map((r) => r.seq))
          const expected = recorded
            .filter((r) => r.status !== 'succeeded' || recent.has(r.seq))
            .map((r) => r.seq)
            .reverse()
          expect(seen).toEqual(expected)
        },
      ),
      { numRuns: 200 },
    )
  })
})
