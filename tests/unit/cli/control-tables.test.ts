import { describe, expect, it } from 'vitest'
import type { JobStatus, TaskRecord } from '../../../protocol/index.js'
import { formatJobs, formatTasks } from '../../../cli/control-tables.js'

const job: JobStatus = {
  id: 3,
  name: 'nightly report',
  client: 'c1',
  total: 200,
  done: 50,
  failed: 1,
  inFlight: 4,
  state: 'running',
  rate: 12.4,
  etaMs: 250_000,
  startedAt: 0,
  finishedAt: null,
  clientConnected: false,
  cancelRequested: false,
}

const task: TaskRecord = {
  id: 'abc-1',
  label: 'x => x * 2',
  node: 'gpu-1',
  durationMs: 12.25,
  status: 'failed',
  finishedAt: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
  attempts: 2,
  error: { code: 'TASK_FAILED', message: 'boom\n  at line 1' },
}

describe('control tables', () => {
  it('lines up the job table in columns two spaces apart, with rate, ETA and an away client', () => {
    expect(
      formatJobs([job, { ...job, id: 12, name: 'n'.repeat(50), state: 'done', etaMs: null, rate: 0 }]).split('\n'),
    ).toEqual([
      'ID  NAME                                      STATE                  PROGRESS  DONE  FAILED  RUNNING  TOTAL  RATE   ETA     CLIENT',
      '3   nightly report                            running (client away)  25%       50    1       4        200    12/s   4m 10s  c1',
      `12  ${'n'.repeat(39)}…  done                   25%       50    1       4        200    0.0/s  -       c1`,
    ])
  })

  it('prints each task on a line, its error on one line, and says when none matches', () => {
    expect(formatTasks([task]).split('\n')).toEqual([
      'FINISHED                 ID     STATUS     NODE   DURATION  FUNCTION    ERROR',
      '2026-01-02 03:04:05.678  abc-1  failed x2  gpu-1  12.3 ms   x => x * 2  TASK_FAILED: boom at line 1',
    ])
    expect(formatTasks([])).toBe('no task matches')
  })
})
