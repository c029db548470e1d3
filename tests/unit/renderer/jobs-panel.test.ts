import { fireEvent, render, screen } from '@testing-library/svelte'
import { describe, expect, it, vi } from 'vitest'
import JobsPanel from '../../../renderer/src/components/JobsPanel.svelte'
import type { JobStatus } from '../../../protocol/jobs.js'
import { browserGlobal } from './fixtures.js'

const focused = () => browserGlobal<{ activeElement: unknown }>('document').activeElement

function makeJob(overrides: Partial<JobStatus> = {}): JobStatus {
  return {
    id: 1,
    name: 'thumbnails',
    client: 'c0ffee12',
    total: 200,
    done: 50,
    failed: 0,
    inFlight: 10,
    state: 'running',
    rate: 25,
    etaMs: 6000,
    startedAt: 1_700_000_000_000,
    finishedAt: null,
    clientConnected: true,
    cancelRequested: false,
    ...overrides,
  }
}

describe('JobsPanel', () => {
  it('shows each job with a progress bar of what succeeded and failed, its rate and ETA', () => {
    render(JobsPanel, {
      jobs: [
        makeJob({ id: 3, failed: 10 }),
        makeJob({
          id: 2,
          name: 'reports',
          state: 'done',
          total: 4,
          done: 4,
          inFlight: 0,
          etaMs: null,
          finishedAt: 1_700_000_002_000,
        }),
      ],
    })
    const rows = screen.getAllByTestId('job')
    expect(rows.map((row) => row.getAttribute('data-state'))).toEqual(['running', 'done'])
    const bar = screen.getAllByRole('progressbar')[0]!
    expect(bar.getAttribute('aria-valuenow')).toBe('60')
    expect(bar.getAttribute('aria-valuemax')).toBe('200')
    const widths = [...bar.querySelectorAll('.fill')].map(
      (fill) => (fill as unknown as { style: { width: string } }).style.width,
    )
    expect(widths).toEqual(['25%', '5%'])
    expect(rows[0]!.textContent).toContain('60 / 200')
    expect(rows[0]!.textContent).toContain('10 failed')
    expect(rows[0]!.textContent).toContain('25/s')
    expect(screen.getByTestId('job-eta').textContent).toContain('6.00 s')
    expect(rows[1]!.textContent).toContain('took 2.00 s')
    // Only a running job can be cancelled.
    expect(screen.getAllByTestId('job-cancel')).toHaveLength(1)
  })

  it('cancels a running job after a confirmation, by keyboard focus as well as by click', async () => {
    const onCancel = vi.fn()
    render(JobsPanel, { jobs: [makeJob({ id: 7 })], onCancel })
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel job thumbnails' }))
    expect(onCancel).not.toHaveBeenCalled()
    // The confirmation takes focus; "Keep" takes it back to the cancel button.
    expect(focused()).toBe(screen.getByTestId('job-cancel-confirm'))
    await fireEvent.click(screen.getByRole('button', { name: 'Keep' }))
    expect(focused()).toBe(screen.getByTestId('job-cancel'))
    await fireEvent.click(screen.getByTestId('job-cancel'))
    await fireEvent.click(screen.getByTestId('job-cancel-confirm'))
    expect(onCancel).toHaveBeenCalledWith(7)
    expect(screen.getByTestId('job-cancel').textContent).toBe('Cancelling…')
  })

  it('says when a job’s client is away, and how to start a job when there is none', () => {
    const { unmount } = render(JobsPanel, { jobs: [makeJob({ clientConnected: false })] })
    expect(screen.getByTestId('job').textContent).toContain('client away')
    unmount()
    render(JobsPanel, { jobs: [] })
    expect(screen.getByTestId('jobs-panel').textContent).toContain('No jobs yet')
  })
})
