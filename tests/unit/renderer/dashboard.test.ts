import { fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DesktopApi } from '../../../protocol/desktop.js'
import JoinCommands from '../../../renderer/src/components/JoinCommands.svelte'
import TokenForm from '../../../renderer/src/components/TokenForm.svelte'
import { ClusterStore } from '../../../renderer/src/lib/cluster-store.svelte.js'
import { browserGlobal, makeNode, makeStatus, makeTask, makeUpdate, valueOf } from './fixtures.js'
import { renderDashboard, stubResizeObserver } from './render-dashboard.js'

vi.mock('uplot', () => import('./uplot-stub.js'))

beforeEach(stubResizeObserver)

function exposeDesktop(api: DesktopApi) {
  vi.stubGlobal('argonDesktop', api)
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('Dashboard', () => {
  it('renders the cluster: summary, cards, and a failed task that opens its error', async () => {
    const store = new ClusterStore()
    store.applyUpdate(
      makeUpdate([makeNode({ name: 'a' }), makeNode({ name: 'b', state: 'offline' })], {
        first: true,
        tasks: [
          makeTask('t1', { seq: 1, status: 'timed-out', error: { code: 'TASK_TIMEOUT', message: 'took too long' } }),
        ],
      }),
    )
    renderDashboard(store)
    expect(screen.getByTestId('summary-nodes').textContent).toContain('1/2')
    expect(screen.getAllByTestId('node-card')).toHaveLength(2)
    await fireEvent.click(await screen.findByTestId('task-row'))
    expect(screen.getByTestId('task-error-code').textContent).toBe('TASK_TIMEOUT')
  })

  it('opens the failed tasks from the Failures figure, searching the manager', async () => {
    const store = new ClusterStore()
    store.applyUpdate(makeUpdate([makeNode({ name: 'a' })], { first: true }))
    const onQueryTasks = vi.fn(async () => ({
      ok: true as const,
      value: { tasks: [], next: null, kept: { recent: 0, failures: 0, oldestRecentAt: null, oldestFailureAt: null } },
    }))
    renderDashboard(store, { onQueryTasks })
    await fireEvent.click(screen.getByTestId('summary-failures'))
    await waitFor(() => expect(onQueryTasks).toHaveBeenLastCalledWith(expect.objectContaining({ failed: true })))
    expect((screen.getByTestId('task-status-filter') as unknown as { value: string }).value).toBe('failures')
  })

  it('pauses and resumes dispatch from the header, and says so while paused', async () => {
    const store = new ClusterStore()
    store.applyUpdate(makeUpdate([makeNode({ name: 'a' })], { first: true }))
    const onSetPaused = vi.fn()
    renderDashboard(store, { onSetPaused })
    await fireEvent.click(screen.getByTestId('pause-button'))
    expect(onSetPaused).toHaveBeenLastCalledWith(true)
    expect(screen.queryByTestId('paused-banner')).toBeNull()
    store.applyUpdate(
      makeUpdate([makeNode({ name: 'a' })], {
        at: 1_700_000_000_500,
        status: makeStatus([makeNode({ name: 'a' })], { paused: true, queued: 7 }),
      }),
    )
    await waitFor(() => expect(screen.getByTestId('paused-banner').textContent).toContain('7 now'))
    expect(screen.getByTestId('pause-button').textContent).toContain('Resume dispatch')
    await fireEvent.click(screen.getByTestId('pause-button'))
    expect(onSetPaused).toHaveBeenLastCalledWith(false)
  })

  it('updates cards in place when the store changes', async () => {
    const store = new ClusterStore()
    store.applyUpdate(makeUpdate([makeNode({ name: 'a' })], { first: true }))
    renderDashboard(store)
    const card = screen.getByTestId('node-card')
    store.applyUpdate(
      makeUpdate([makeNode({ name: 'a', state: 'draining', drained: true, assigned: 2 })], { at: 1_700_000_000_250 }),
    )
    await waitFor(() => expect(screen.getByTestId('node-card').getAttribute('data-state')).toBe('draining'))
    // Same element, moved to the other zone's list: keyed by name.
    expect(screen.getByTestId('zone-out-of-rotation').contains(screen.getByTestId('node-card'))).toBe(true)
    expect(card.getAttribute('data-node-name')).toBe('a')
  })

  it('shows the join commands while the cluster has no node', () => {
    const store = new ClusterStore()
    store.applyUpdate(
      makeUpdate([], {
        first: true,
        joinCommands: ['ARGON_TOKEN=abc node-agent --join 10.0.0.1:8000 --fingerprint sha256:ab12'],
      }),
    )
    renderDashboard(store)
    expect(screen.getByTestId('join-command').textContent).toBe(
      'ARGON_TOKEN=abc node-agent --join 10.0.0.1:8000 --fingerprint sha256:ab12',
    )
  })

  it('has no Settings in a browser', () => {
    const store = new ClusterStore()
    store.applyUpdate(makeUpdate([makeNode()], { first: true }))
    renderDashboard(store)
    expect(screen.queryByTestId('settings-button')).toBeNull()
  })

  it('edits the desktop settings through window.argonDesktop', async () => {
    const saveSettings = vi.fn<DesktopApi['saveSettings']>(async () => ({ ok: true }))
    exposeDesktop({ getSettings: async () => ({ host: '0.0.0.0', port: 8000, queueSize: null }), saveSettings })
    const store = new ClusterStore()
    store.applyUpdate(makeUpdate([makeNode()], { first: true }))
    renderDashboard(store)
    await fireEvent.click(screen.getByTestId('settings-button'))
    const port = screen.getByLabelText('Port')
    await waitFor(() => expect(valueOf(port)).toBe('8000'))
    await fireEvent.input(port, { target: { value: '9000' } })
    await fireEvent.input(screen.getByLabelText('Queue size'), { target: { value: '5000' } })
    await fireEvent.click(screen.getByRole('button', { name: /Save/ }))
    await waitFor(() => expect(saveSettings).toHaveBeenCalledWith({ host: '0.0.0.0', port: 9000, queueSize: 5000 }))
  })

  it('refuses bad settings before sending them', async () => {
    const saveSettings = vi.fn<DesktopApi['saveSettings']>(async () => ({ ok: true }))
    exposeDesktop({ getSettings: async () => ({ host: '0.0.0.0', port: 8000, queueSize: 100 }), saveSettings })
    const store = new ClusterStore()
    store.applyUpdate(makeUpdate([makeNode()], { first: true }))
    renderDashboard(store)
    await fireEvent.click(screen.getByTestId('settings-button'))
    const port = screen.getByLabelText('Port')
    await waitFor(() => expect(valueOf(port)).toBe('8000'))
    await fireEvent.input(port, { target: { value: '70000' } })
    await fireEvent.click(screen.getByRole('button', { name: /Save/ }))
    expect(await screen.findByRole('status')).toBeTruthy()
    expect(saveSettings).not.toHaveBeenCalled()
  })
})

describe('JoinCommands', () => {
  it('copies a command with the clipboard API', async () => {
    const writeText = vi.fn(async () => {})
    vi.stubGlobal('navigator', { clipboard: { writeText } })
    vi.stubGlobal('isSecureContext', true)
    render(JoinCommands, { commands: ['ARGON_TOKEN=abc node-agent --join 10.0.0.1:8000 --fingerprint sha256:ab12'] })
    await fireEvent.click(screen.getByRole('button', { name: 'Copy command' }))
    expect(writeText).toHaveBeenCalledWith('ARGON_TOKEN=abc node-agent --join 10.0.0.1:8000 --fingerprint sha256:ab12')
    await waitFor(() => expect(screen.getByRole('button', { name: 'Copy command' }).textContent).toContain('Copied'))
  })

  it('falls back to a selected textarea where there is no clipboard API (plain http)', async () => {
    vi.stubGlobal('navigator', { clipboard: undefined })
    // jsdom has no execCommand at all; a browser's returns true when the copy happened.
    const doc = browserGlobal<{ execCommand?: (command: string) => boolean }>('document')
    const execCommand = vi.fn((_command: string) => true)
    doc.execCommand = execCommand
    try {
      render(JoinCommands, { commands: ['cmd'] })
      await fireEvent.click(screen.getByRole('button', { name: 'Copy command' }))
      expect(execCommand).toHaveBeenCalledWith('copy')
      await waitFor(() => expect(screen.getByRole('button', { name: 'Copy command' }).textContent).toContain('Copied'))
    } finally {
      delete doc.execCommand
    }
  })
})

describe('TokenForm', () => {
  it('hands over the trimmed token and the remember choice', async () => {
    const onSubmit = vi.fn()
    render(TokenForm, { refused: false, onSubmit })
    expect(screen.queryByTestId('token-refused')).toBeNull()
    await fireEvent.input(screen.getByLabelText('Token'), { target: { value: '  abc  ' } })
    await fireEvent.click(screen.getByRole('checkbox'))
    await fireEvent.click(screen.getByRole('button', { name: 'Connect' }))
    expect(onSubmit).toHaveBeenCalledWith('abc', true)
  })

  it('says when the manager refused the token', () => {
    render(TokenForm, { refused: true, onSubmit: vi.fn() })
    expect(screen.getByTestId('token-refused')).toBeTruthy()
  })
})
