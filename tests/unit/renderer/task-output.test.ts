import { fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { TaskPage, TaskQuery } from '../../../protocol/cluster.js'
import type { Reply } from '../../../protocol/wire-error.js'
import TaskErrorDialog from '../../../renderer/src/components/TaskErrorDialog.svelte'
import { ClusterStore } from '../../../renderer/src/lib/cluster-store.svelte.js'
import { makeNode, makeTask, makeUpdate } from './fixtures.js'
import { renderDashboard, stubResizeObserver } from './render-dashboard.js'

vi.mock('uplot', () => import('./uplot-stub.js'))

beforeEach(stubResizeObserver)

afterEach(() => {
  vi.unstubAllGlobals()
})

const printed = 'loading 3 rows\nwarning: row 2 is empty\n'

describe('task output in the task details', () => {
  it('shows what the task wrote', () => {
    render(TaskErrorDialog, {
      task: makeTask('t1', { output: printed, outputBytes: printed.length }),
      onClose: vi.fn(),
    })
    expect(screen.getByTestId('task-output').textContent).toBe(printed)
  })

  it('fetches the output of a task picked from the table (rows come without it) and shows it', async () => {
    const row = makeTask('c1-7', { seq: 3, outputBytes: printed.length })
    const query = vi.fn(async (q: TaskQuery): Promise<Reply<TaskPage>> => ({
      ok: true,
      value: {
        tasks: q.output ? [{ ...row, output: printed }] : [row],
        next: null,
        kept: { recent: 1, failures: 0, oldestRecentAt: null, oldestFailureAt: null },
      },
    }))
    const store = new ClusterStore()
    store.applyUpdate(makeUpdate([makeNode()], { first: true, tasks: [row] }))
    renderDashboard(store, { onQueryTasks: query })
    await waitFor(() => expect(screen.getAllByTestId('task-row').length).toBeGreaterThan(0))
    await fireEvent.click(screen.getAllByTestId('task-row')[0]!)
    await waitFor(() => expect(screen.getByTestId('task-output').textContent).toBe(printed))
    expect(query).toHaveBeenCalledWith({ id: 'c1-7', limit: 1, output: true })
  })
})
