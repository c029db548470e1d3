import { fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import { describe, expect, it, vi } from 'vitest'
import EventLog from '../../../renderer/src/components/EventLog.svelte'
import TaskErrorDialog from '../../../renderer/src/components/TaskErrorDialog.svelte'
import TaskHistoryPanel from '../../../renderer/src/components/TaskHistoryPanel.svelte'
import { TaskHistoryView } from '../../../renderer/src/lib/task-history-view.svelte.js'
import type { TaskPage, TaskQuery, TaskRecord } from '../../../protocol/cluster.js'
import type { Reply } from '../../../protocol/wire-error.js'
import { makeTask } from './fixtures.js'

const failed = makeTask('client-1:42', {
  status: 'failed',
  node: 'node-2',
  error: {
    code: 'TASK_FAILED',
    message: 'boom',
    remoteName: 'TypeError',
    remoteStack: 'TypeError: boom\n    at task (eval)',
  },
})

function pageOf(tasks: TaskRecord[], next: number | null = null): Reply<TaskPage> {
  return {
    ok: true,
    value: { tasks, next, kept: { recent: tasks.length, failures: 0, oldestRecentAt: null, oldestFailureAt: null } },
  }
}

describe('TaskHistoryPanel', () => {
  it('lists the tasks the manager has, with their node, duration and status, and opens any of them', async () => {
    const query = vi.fn(async () => pageOf([makeTask('ok-1', { seq: 2, durationMs: 1500 }), { ...failed, seq: 1 }]))
    const onSelect = vi.fn()
    render(TaskHistoryPanel, { view: new TaskHistoryView(query), live: [], nodeNames: ['node-1'], onSelect })
    await waitFor(() => expect(screen.getAllByTestId('task-row')).toHaveLength(2))
    const rows = screen.getAllByTestId('task-row')
    expect(rows.map((r) => r.getAttribute('data-status'))).toEqual(['succeeded', 'failed'])
    expect(rows[0]?.textContent).toContain('1.50 s')
    expect(rows[1]?.textContent).toContain('node-2')
    await fireEvent.click(rows[0]!)
    expect(onSelect).toHaveBeenLastCalledWith(expect.objectContaining({ id: 'ok-1' }))
    await fireEvent.click(screen.getAllByRole('button', { name: /failed/ })[0]!)
    expect(onSelect).toHaveBeenLastCalledWith(expect.objectContaining({ id: failed.id }))
  })

  it('searches the manager with the filters, and pages older tasks on demand', async () => {
    const query = vi.fn(async (q: TaskQuery) => {
      if (q.before === undefined) return pageOf([{ ...failed, seq: 9 }], 9)
      return pageOf([{ ...failed, id: 'older', seq: 3 }])
    })
    render(TaskHistoryPanel, {
      view: new TaskHistoryView(query),
      live: [],
      nodeNames: ['node-1', 'node-2'],
      onSelect: vi.fn(),
    })
    await waitFor(() => expect(query).toHaveBeenCalledTimes(1))
    await fireEvent.change(screen.getByTestId('task-status-filter'), { target: { value: 'failures' } })
    await waitFor(() => expect(query).toHaveBeenLastCalledWith(expect.objectContaining({ failed: true })))
    await fireEvent.change(screen.getByTestId('task-node-filter'), { target: { value: 'node-2' } })
    await waitFor(() =>
      expect(query).toHaveBeenLastCalledWith(expect.objectContaining({ failed: true, node: 'node-2' })),
    )
    await fireEvent.input(screen.getByTestId('task-search'), { target: { value: 'client-1' } })
    await waitFor(() =>
      expect(query).toHaveBeenLastCalledWith(expect.objectContaining({ text: 'client-1', node: 'node-2' })),
    )
    await waitFor(() => expect(screen.getAllByTestId('task-row')).toHaveLength(1))
    await fireEvent.click(screen.getByTestId('task-more'))
    await waitFor(() => expect(query).toHaveBeenLastCalledWith(expect.objectContaining({ before: 9 })))
    await waitFor(() =>
      expect(screen.getAllByTestId('task-row').map((row) => row.getAttribute('data-task-id'))).toEqual([
        failed.id,
        'older',
      ]),
    )
    expect(screen.getByText('No older task is kept.')).toBeTruthy()
  })

  it('adds streamed tasks that match the filters on top', async () => {
    const view = new TaskHistoryView(async () => pageOf([]))
    const { rerender } = render(TaskHistoryPanel, { view, live: [], nodeNames: [], onSelect: vi.fn() })
    await view.setFilters({ status: 'failures' })
    await rerender({
      view,
      live: [makeTask('ok-5', { seq: 5 }), { ...failed, seq: 4 }],
      nodeNames: [],
      onSelect: vi.fn(),
    })
    await waitFor(() =>
      expect(screen.getAllByTestId('task-row').map((row) => row.getAttribute('data-task-id'))).toEqual([failed.id]),
    )
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

describe('TaskErrorDialog: the function and its failing line', () => {
  it('shows the whole function with the failing line marked, and a thrown value', () => {
    const source = ['function parseRow(row) {', '  const cells = row.split(",")', '  return cells[3].trim()', '}'].join(
      '\n',
    )
    const task = makeTask('client-1:7', {
      status: 'failed',
      source,
      error: {
        code: 'TASK_FAILED',
        message: 'Cannot read properties of undefined',
        remoteName: 'TypeError',
        remoteStack:
          'TypeError: Cannot read properties of undefined\n    at parseRow (argon-task/parseRow-0a1b2c3d.js:3:19)',
        thrown: '{"n":1}',
      },
    })
    render(TaskErrorDialog, { task, onClose: vi.fn() })
    expect(screen.getByTestId('task-source').textContent).toContain('return cells[3].trim()')
    expect(screen.getByTestId('task-source').querySelectorAll('.line')).toHaveLength(4)
    expect(screen.getByTestId('failing-line').textContent).toContain('return cells[3].trim()')
    expect(screen.getByText(/failing at line 3/)).toBeTruthy()
    expect(screen.getByTestId('task-error-thrown').textContent).toBe('{"n":1}')
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

  it('opens what an event is about, and marks an aggregated failure event', async () => {
    const onOpen = vi.fn()
    const aggregate = {
      seq: 5,
      at: 5,
      kind: 'task-failed' as const,
      message: '12 tasks failed in the last 10 s',
      count: 12,
      since: 1,
      until: 5,
    }
    render(EventLog, {
      props: {
        events: [
          aggregate,
          { seq: 4, at: 4, kind: 'node-left' as const, node: 'n1', message: 'n1 left: the agent stopped' },
        ],
        onOpen,
      },
    })
    const [first, second] = screen.getAllByTestId('event')
    expect(first!.textContent).toContain('— open')
    await fireEvent.click(first!.querySelector('button')!)
    expect(onOpen).toHaveBeenLastCalledWith(aggregate)
    await fireEvent.click(second!.querySelector('button')!)
    expect(onOpen).toHaveBeenLastCalledWith(expect.objectContaining({ kind: 'node-left' }))
    // A graceful leave is not a problem.
    await fireEvent.click(screen.getByRole('checkbox', { name: /problems only/ }))
    expect(screen.getAllByTestId('event').map((e) => e.getAttribute('data-kind'))).toEqual(['task-failed'])
  })
})
