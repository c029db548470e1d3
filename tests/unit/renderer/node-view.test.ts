import { describe, expect, it } from 'vitest'
import {
  cardStateOf,
  matchesFilter,
  partitionNodes,
  rotationNote,
  zoneOf,
} from '../../../renderer/src/lib/node-view.js'
import { makeNode } from './fixtures.js'

describe('zone membership', () => {
  it('puts a node out of rotation exactly when it is drained, whatever its connection', () => {
    expect(zoneOf(makeNode({ state: 'active', drained: false }))).toBe('in')
    expect(zoneOf(makeNode({ state: 'draining', drained: true }))).toBe('out')
    expect(zoneOf(makeNode({ state: 'offline', drained: true }))).toBe('out')
    expect(zoneOf(makeNode({ state: 'offline', drained: false }))).toBe('in')
  })

  it('partitions and sorts by natural name order, so cards keep their places', () => {
    const nodes = [
      makeNode({ name: 'node-10' }),
      makeNode({ name: 'node-2', drained: true, state: 'draining' }),
      makeNode({ name: 'node-1' }),
      makeNode({ name: 'node-3', state: 'offline' }),
    ]
    const zones = partitionNodes(nodes)
    expect(zones.in.map((n) => n.name)).toEqual(['node-1', 'node-10'])
    expect(zones.out.map((n) => n.name)).toEqual(['node-2'])
    expect(zones.offline.map((n) => n.name)).toEqual(['node-3'])
  })

  it('shows a pending move at once, before the manager confirms it', () => {
    const nodes = [makeNode({ name: 'a' }), makeNode({ name: 'b', drained: true, state: 'draining' })]
    const zones = partitionNodes(
      nodes,
      new Map([
        ['a', 'out'],
        ['b', 'in'],
      ] as const),
    )
    expect(zones.in.map((n) => n.name)).toEqual(['b'])
    expect(zones.out.map((n) => n.name)).toEqual(['a'])
  })
})

describe('card state', () => {
  it('maps connection and rotation to active | draining | offline', () => {
    expect(cardStateOf(makeNode({ state: 'active', drained: false }))).toBe('active')
    expect(cardStateOf(makeNode({ state: 'draining', drained: true }))).toBe('draining')
    expect(cardStateOf(makeNode({ state: 'offline', drained: true }))).toBe('offline')
    expect(cardStateOf(makeNode({ state: 'offline', drained: false }))).toBe('offline')
  })

  it('notes running tasks on a draining node until it is idle', () => {
    expect(rotationNote(makeNode({ state: 'draining', drained: true, assigned: 4 }))).toBe('draining — 4 running')
    expect(rotationNote(makeNode({ state: 'draining', drained: true, assigned: 0 }))).not.toContain('running')
    expect(rotationNote(makeNode({ state: 'active', drained: false, assigned: 4 }))).toBeNull()
  })
})

describe('matchesFilter', () => {
  it('matches name or host, case-insensitively', () => {
    const node = makeNode({ name: 'GPU-box-7', host: '192.168.1.40' })
    expect(matchesFilter(node, 'gpu')).toBe(true)
    expect(matchesFilter(node, '168.1.4')).toBe(true)
    expect(matchesFilter(node, 'cpu')).toBe(false)
    expect(matchesFilter(node, '  ')).toBe(true)
  })
})
