import { fireEvent, render, screen } from '@testing-library/svelte'
import { describe, expect, it, vi } from 'vitest'
import NodeCard from '../../../renderer/src/components/NodeCard.svelte'
import { makeNode } from './fixtures.js'

function card() {
  return screen.getByTestId('node-card')
}

describe('NodeCard', () => {
  it('shows an in-rotation node as active with one dot per worker, busy ones marked', () => {
    render(NodeCard, { node: makeNode({ name: 'alpha', workerBusy: [true, false, true], workers: 3, busy: 2 }) })
    expect(card().getAttribute('data-state')).toBe('active')
    expect(card().getAttribute('data-node-name')).toBe('alpha')
    const dots = screen.getAllByTestId('worker-dot')
    expect(dots.map((d) => d.getAttribute('data-busy'))).toEqual(['true', 'false', 'true'])
    expect(screen.getByRole('button', { name: 'Drain' })).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Resume' })).toBeNull()
    expect(screen.queryByRole('button', { name: 'Dismiss' })).toBeNull()
  })

  it("shows what the node holds (running / waiting), the manager's estimate and its steals", () => {
    render(NodeCard, { node: makeNode({ assigned: 5, running: 2, waiting: 3, estimateMs: 1250, stolen: 4 }) })
    expect(screen.getByTestId('node-running').textContent).toBe('2')
    expect(screen.getByTestId('node-waiting').textContent).toBe('3')
    expect(screen.getByTestId('node-estimate').textContent).toBe('≈1.25 s')
    expect(screen.getByTestId('node-stolen').textContent).toBe('4')
  })

  it('says idle and leaves out steals when a node holds nothing and gave nothing back', () => {
    render(NodeCard, { node: makeNode({ assigned: 0, running: 0, waiting: 0, estimateMs: 0, stolen: 0 }) })
    expect(screen.getByTestId('node-estimate').textContent).toBe('idle')
    expect(screen.queryByTestId('node-stolen')).toBeNull()
  })

  it('shows idle dots for every worker before the first heartbeat', () => {
    render(NodeCard, { node: makeNode({ workers: 3, busy: 0, workerBusy: [] }) })
    expect(screen.getAllByTestId('worker-dot').map((d) => d.getAttribute('data-busy'))).toEqual([
      'false',
      'false',
      'false',
    ])
  })

  it('says "draining — N running" while a drained node still has tasks, with N = assigned', () => {
    render(NodeCard, { node: makeNode({ state: 'draining', drained: true, busy: 2, assigned: 3 }) })
    expect(card().getAttribute('data-state')).toBe('draining')
    expect(screen.getByTestId('rotation-note').textContent).toContain('draining — 3 running')
  })

  it('stops saying "draining — N running" once the drained node is idle', async () => {
    const { rerender } = render(NodeCard, { node: makeNode({ state: 'draining', drained: true, assigned: 1 }) })
    expect(screen.getByTestId('rotation-note').textContent).toContain('draining — 1 running')
    await rerender({
      node: makeNode({
        state: 'draining',
        drained: true,
        assigned: 0,
        busy: 0,
        workerBusy: [false, false, false, false],
      }),
    })
    expect(screen.getByTestId('rotation-note').textContent).not.toContain('running')
    expect(card().getAttribute('data-state')).toBe('draining')
  })

  it('treats a drained node as draining even if the manager still calls it active', () => {
    render(NodeCard, { node: makeNode({ state: 'active', drained: true, assigned: 0 }) })
    expect(card().getAttribute('data-state')).toBe('draining')
    expect(card().getAttribute('data-zone')).toBe('out')
  })

  it('greys an offline node, offers Dismiss, and keeps the rotation button', () => {
    render(NodeCard, { node: makeNode({ state: 'offline', drained: false }) })
    expect(card().getAttribute('data-state')).toBe('offline')
    expect(card().classList.contains('offline')).toBe(true)
    expect(screen.getByRole('button', { name: 'Dismiss' })).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Drain' })).toBeTruthy()
  })

  it("does not show an offline node's last heartbeat as busy workers", () => {
    render(NodeCard, { node: makeNode({ state: 'offline', workers: 2, busy: 2, workerBusy: [true, true] }) })
    expect(screen.getAllByTestId('worker-dot').map((d) => d.getAttribute('data-busy'))).toEqual(['false', 'false'])
  })

  it('calls the right action for each button', async () => {
    const onDrain = vi.fn()
    const onResume = vi.fn()
    const onDismiss = vi.fn()
    const { rerender } = render(NodeCard, { node: makeNode({ name: 'beta' }), onDrain, onResume, onDismiss })
    await fireEvent.click(screen.getByRole('button', { name: 'Drain' }))
    expect(onDrain).toHaveBeenCalledWith('beta')

    await rerender({ node: makeNode({ name: 'beta', state: 'offline', drained: true }) })
    await fireEvent.click(screen.getByRole('button', { name: 'Resume' }))
    expect(onResume).toHaveBeenCalledWith('beta')
    await fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }))
    expect(onDismiss).toHaveBeenCalledWith('beta')
    expect(onDrain).toHaveBeenCalledTimes(1)
  })

  it('disables its buttons while a move is pending', () => {
    render(NodeCard, { node: makeNode(), pending: true })
    expect(screen.getByRole('button', { name: 'Drain' }).hasAttribute('disabled')).toBe(true)
  })

  it('puts its node name on the drag and reports the zone it leaves', async () => {
    const onDragStart = vi.fn()
    render(NodeCard, { node: makeNode({ name: 'gamma', drained: true, state: 'draining' }), onDragStart })
    const setData = vi.fn()
    await fireEvent.dragStart(card(), { dataTransfer: { setData, effectAllowed: 'all', types: [] } })
    expect(setData).toHaveBeenCalledWith('application/x-argon-node', 'gamma')
    expect(onDragStart).toHaveBeenCalledWith('gamma', 'out')
    expect(card().getAttribute('draggable')).toBe('true')
  })

  it('takes focus and moves between zones with the arrow keys', async () => {
    const onDrain = vi.fn()
    const onResume = vi.fn()
    const { rerender } = render(NodeCard, { node: makeNode({ name: 'alpha' }), onDrain, onResume })
    expect(card().tabIndex).toBe(0)
    await fireEvent.keyDown(card(), { key: 'ArrowLeft' })
    expect(onResume).not.toHaveBeenCalled()
    await fireEvent.keyDown(card(), { key: 'ArrowRight' })
    expect(onDrain).toHaveBeenCalledExactlyOnceWith('alpha')
    await rerender({ node: makeNode({ name: 'alpha', drained: true, state: 'draining' }), onDrain, onResume })
    await fireEvent.keyDown(card(), { key: 'ArrowLeft' })
    expect(onResume).toHaveBeenCalledExactlyOnceWith('alpha')
  })

  it('resizes the pool with its − and + buttons, and offers none on an offline node', async () => {
    const onScale = vi.fn()
    const { unmount } = render(NodeCard, { node: makeNode({ name: 'alpha', workers: 2 }), onScale })
    expect(screen.getByTestId('node-workers').textContent).toBe('2')
    await fireEvent.click(screen.getByTestId('scale-up'))
    expect(onScale).toHaveBeenLastCalledWith('alpha', 3)
    await fireEvent.click(screen.getByTestId('scale-down'))
    expect(onScale).toHaveBeenLastCalledWith('alpha', 1)
    unmount()
    render(NodeCard, { node: makeNode({ name: 'gone', state: 'offline' }), onScale })
    expect(screen.queryByTestId('scale-up')).toBeNull()
  })
})
