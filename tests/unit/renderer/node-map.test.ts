import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { describe, expect, it, vi } from 'vitest'
import NodeMap from '../../../renderer/src/components/NodeMap.svelte'
import { partitionNodes } from '../../../renderer/src/lib/node-view.js'
import { makeNode } from './fixtures.js'

const DRAG_TYPE = 'application/x-argon-node'

/** The DataTransfer a real drag carries (jsdom has none). */
function transfer(name = '') {
  const data = new Map<string, string>(name === '' ? [] : [[DRAG_TYPE, name]])
  return {
    get types() {
      return [...data.keys()]
    },
    setData: (type: string, value: string) => void data.set(type, value),
    getData: (type: string) => data.get(type) ?? '',
    dropEffect: 'none',
    effectAllowed: 'all',
  }
}

function setup() {
  const nodes = [
    makeNode({ name: 'n1' }),
    makeNode({ name: 'n2' }),
    makeNode({ name: 'n3', state: 'draining', drained: true }),
  ]
  const onMove = vi.fn()
  const onDismiss = vi.fn()
  render(NodeMap, { zones: partitionNodes(nodes), pendingNames: new Set<string>(), onMove, onDismiss })
  return {
    onMove,
    onDismiss,
    inZone: screen.getByTestId('zone-in-rotation'),
    outZone: screen.getByTestId('zone-out-of-rotation'),
  }
}

type Element = ReturnType<typeof screen.getByTestId>

function cardIn(zone: Element, name: string): Element {
  const card = within(zone)
    .getAllByTestId('node-card')
    .find((c) => c.getAttribute('data-node-name') === name)
  if (card === undefined) throw new Error(`no card ${name} in ${zone.getAttribute('data-testid')}`)
  return card
}

describe('NodeMap', () => {
  it('shows each node in the zone its rotation puts it in', () => {
    const { inZone, outZone } = setup()
    expect(
      within(inZone)
        .getAllByTestId('node-card')
        .map((c) => c.getAttribute('data-node-name')),
    ).toEqual(['n1', 'n2'])
    expect(
      within(outZone)
        .getAllByTestId('node-card')
        .map((c) => c.getAttribute('data-node-name')),
    ).toEqual(['n3'])
  })

  it('drains a node dragged to "Out of rotation"', async () => {
    const { inZone, outZone, onMove } = setup()
    const dataTransfer = transfer()
    await fireEvent.dragStart(cardIn(inZone, 'n2'), { dataTransfer })
    const over = await fireEvent.dragOver(outZone, { dataTransfer })
    // A cancelled dragover is what lets the browser drop there.
    expect(over).toBe(false)
    await fireEvent.drop(outZone, { dataTransfer })
    expect(onMove).toHaveBeenCalledExactlyOnceWith('n2', 'out')
  })

  it('resumes a node dragged back to "In rotation"', async () => {
    const { inZone, outZone, onMove } = setup()
    const dataTransfer = transfer()
    await fireEvent.dragStart(cardIn(outZone, 'n3'), { dataTransfer })
    await fireEvent.dragOver(inZone, { dataTransfer })
    await fireEvent.drop(inZone, { dataTransfer })
    expect(onMove).toHaveBeenCalledExactlyOnceWith('n3', 'in')
  })

  it('does nothing when a card is dropped back where it came from', async () => {
    const { inZone, onMove } = setup()
    const dataTransfer = transfer()
    await fireEvent.dragStart(cardIn(inZone, 'n1'), { dataTransfer })
    const over = await fireEvent.dragOver(inZone, { dataTransfer: transfer() })
    expect(over).toBe(true)
    await fireEvent.drop(inZone, { dataTransfer })
    expect(onMove).not.toHaveBeenCalled()
  })

  it('ignores drags that carry no node (a file, some text)', async () => {
    const { outZone } = setup()
    const over = await fireEvent.dragOver(outZone, { dataTransfer: { types: ['Files'], getData: () => '' } })
    expect(over).toBe(true)
  })

  it('has a button for every drag: Drain in the "in" zone, Resume in the "out" zone', async () => {
    const { inZone, outZone, onMove } = setup()
    await fireEvent.click(within(cardIn(inZone, 'n1')).getByRole('button', { name: 'Drain' }))
    await fireEvent.click(within(cardIn(outZone, 'n3')).getByRole('button', { name: 'Resume' }))
    expect(onMove.mock.calls).toEqual([
      ['n1', 'out'],
      ['n3', 'in'],
    ])
  })

  it('filters cards by name or host', async () => {
    const { inZone } = setup()
    await fireEvent.input(screen.getByLabelText('Filter nodes'), { target: { value: 'n2' } })
    expect(
      within(inZone)
        .getAllByTestId('node-card')
        .map((c) => c.getAttribute('data-node-name')),
    ).toEqual(['n2'])
    expect(within(inZone).getByTestId('zone-count').textContent).toBe('1 of 2')
  })
})
