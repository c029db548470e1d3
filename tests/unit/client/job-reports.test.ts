import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { JobReport } from '../../../protocol/index.js'
import { JobReports } from '../../../client/job-reports.js'

function recordingLink(connected = true) {
  const sent: JobReport[][] = []
  const link = { connected, send: (reports: JobReport[]) => void sent.push(reports) }
  return { sent, link }
}

describe('JobReports', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('reports a new job at once, and progress at most every 250 ms in one message', () => {
    const { sent, link } = recordingLink()
    const jobs = new JobReports(link)
    const job = jobs.open('nightly  report', 3)
    vi.advanceTimersByTime(0)
    expect(sent).toEqual([
      [{ key: job.key, name: 'nightly report', total: 3, done: 0, failed: 0, inFlight: 0, state: 'running' }],
    ])

    const call = { id: 'task-1' }
    job.started(call)
    jobs.changed(job)
    job.settled(call, undefined)
    jobs.changed(job)
    vi.advanceTimersByTime(249)
    expect(sent).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(sent).toHaveLength(2)
    expect(sent[1]).toEqual([expect.objectContaining({ done: 1, inFlight: 0, state: 'running' })])
  })

  it('reports an ending job at once and forgets it once reported', () => {
    const { sent, link } = recordingLink()
    const jobs = new JobReports(link)
    const job = jobs.open('once', undefined)
    vi.advanceTimersByTime(0)
    job.ended = true
    jobs.changed(job)
    vi.advanceTimersByTime(0)
    expect(sent.at(-1)).toEqual([expect.objectContaining({ key: job.key, state: 'done' })])
    expect(jobs.get(job.key)).toBeUndefined()
  })

  it('keeps changes while the link is down and reports every live job whole after a reconnect', () => {
    const { sent, link } = recordingLink(false)
    const jobs = new JobReports(link)
    const first = jobs.open('a', 1)
    const second = jobs.open('b', 2)
    vi.advanceTimersByTime(1000)
    expect(sent).toEqual([])

    link.connected = true
    jobs.reportAll()
    expect(sent).toHaveLength(1)
    expect(sent[0]!.map((report) => report.key).sort()).toEqual([first.key, second.key].sort())
    jobs.reportAll()
    expect(sent[1]!.map((report) => report.key).sort()).toEqual([first.key, second.key].sort())
  })

  it('ends running jobs cancelled when the client closes', () => {
    const { sent, link } = recordingLink()
    const jobs = new JobReports(link)
    const job = jobs.open('closing', 2)
    vi.advanceTimersByTime(0)
    jobs.close()
    jobs.flush()
    expect(sent.at(-1)).toEqual([expect.objectContaining({ key: job.key, state: 'cancelled' })])
    expect(jobs.get(job.key)).toBeUndefined()
  })
})
