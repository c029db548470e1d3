import { fireEvent, render, screen } from '@testing-library/svelte'
import { describe, expect, it, vi } from 'vitest'
import EventLog from '../../../renderer/src/components/EventLog.svelte'
import TaskErrorDialog from '../../../renderer/src/components/TaskErrorDialog.svelte'
import TaskTable from '../../../renderer/src/components/TaskTable.svelte'
import { makeTask } from './fixtures.js'

const failed = makeTask('client-1:42', {
  status: 'failed',
  node: 'node-2',
  error: { code: 'TASK_FAILED', message: 'boom', remoteName: 'TypeError', remoteStack: 'TypeError: boom\n    at task (eval)' },
})

describe('TaskTable', () => {
  it('lists recent tasks with their node, duration and status', () => {
    render(TaskTable, { tasks: [makeTask('ok-1', { durationMs: 1500 }), failed], onSelect: vi.fn() })
    const rows = screen.getAllByTestId('task-row')
    expect(rows.map((r) => r.getAttribute('data-status'))).toEqual(['succeeded', 'failed'])
    expect(rows[0]?.textContent).toContain('1.50 s')
    expect(rows[1]?.textContent).toContain('node-2')
  })

  it('opens a failed task on click, and only a failed one', async () => {
    const onSelect = vi.fn()
    render(TaskTable, { tasks: [makeTask('ok-1'), failed], onSelect })
    const [ok, bad] = screen.getAllByTestId('task-row')
    await fireEvent.click(ok!)
    expect(onSelect).not.toHaveBeenCalled()
    await fireEvent.click(bad!)
    expect(onSelect).toHaveBeenCalledExactlyOnceWith(failed)
  })
})

describe('TaskErrorDialog', () => {
  it('shows the error code, message, remote name and remote stack', async () => {
    const onClose = vi.fn()
    render(TaskErrorDialog, { task: failed, onClose })
    expect(screen.getByTestId('task-error-code').textContent).toBe('TASK_FAILED')
    expect(screen.getByTestId('task-error-message').textContent).toBe('boom')
    expect(screen.getByTestId('task-error-name').textContent).toBe('TypeError')
    expect(screen.getByTestId('task-error-stack').textContent).toContain('at task (eval)')
    await fireEvent.keyDown(screen.getByTestId('task-error'), { key: 'Escape' })
    expect(onClose).toHaveBeenCalled()
  })
})

describe('EventLog', () => {
  it('shows events newest first as given, and can keep only the problems', async () => {
    // `events` is also a mount option name: pass it under `props`.
    render(EventLog, {
      props: {
        events: [
        { seq: 3, at: 3, kind: 'node-lost', node: 'n1', message: 'heartbeat missed' },
        { seq: 2, at: 2, kind: 'node-joined', node: 'n2', message: 'joined with 4 workers' },
        ],
      },
    })
    expect(screen.getAllByTestId('event').map((e) => e.getAttribute('data-kind'))).toEqual(['node-lost', 'node-joined'])
    await fireEvent.click(screen.getByRole('checkbox', { name: /problems only/ }))
    expect(screen.getAllByTestId('event').map((e) => e.getAttribute('data-kind'))).toEqual(['node-lost'])
  })
})
