import { describe, expect, it } from 'vitest'
import type { NodeLink } from '../../../manager/node-entry.js'
import { NodeNames } from '../../../manager/node-names.js'
import { NodeRegistry } from '../../../manager/node-registry.js'

const link: NodeLink = { run: () => undefined, cancel: () => undefined, state: () => undefined }

function setup() {
  const registry = new NodeRegistry()
  const names = new NodeNames(registry)
  /** Claims a name the way the node namespace does, then registers the connection. */
  const join = (nodeId: string, name: string, nameChosen = false) => {
    const decision = names.claim({ nodeId, name, nameChosen })
    if (decision.ok) {
      registry.connect({ id: nodeId, name: decision.name, host: 'vm', workers: 1, version: '0' }, link)
      names.release(nodeId)
    }
    return decision
  }
  const disconnect = (nodeId: string) => {
    registry.get(nodeId)!.link = null
  }
  return { registry, names, join, disconnect }
}

describe('NodeNames', () => {
  it('numbers a default name a connected node holds, and keeps each name across reconnects', () => {
    const { join, disconnect } = setup()
    expect(join('id-a', 'vm')).toEqual({ ok: true, name: 'vm' })
    expect(join('id-b', 'vm')).toEqual({ ok: true, name: 'vm-2' })
    expect(join('id-c', 'vm')).toEqual({ ok: true, name: 'vm-3' })
    // b reconnects (asking for the name it was given, or the original): it keeps vm-2.
    disconnect('id-b')
    expect(join('id-b', 'vm-2')).toEqual({ ok: true, name: 'vm-2' })
    disconnect('id-b')
    expect(join('id-b', 'vm')).toEqual({ ok: true, name: 'vm-2' })
  })

  it('does not hand a briefly-offline node’s numbered name to a newcomer', () => {
    const { join, disconnect } = setup()
    join('id-a', 'vm')
    join('id-b', 'vm')
    disconnect('id-b')
    expect(join('id-c', 'vm')).toEqual({ ok: true, name: 'vm-3' })
  })

  it('refuses an operator-chosen name that a connected node holds, with NAME_IN_USE', () => {
    const { join, disconnect } = setup()
    join('id-a', 'gpu-1', true)
    const refused = join('id-b', 'gpu-1', true)
    expect(refused.ok).toBe(false)
    if (!refused.ok) {
      expect(refused.code).toBe('NAME_IN_USE')
      expect(refused.message).toContain('gpu-1')
      expect(refused.message).toContain('--name')
    }
    // Once that node is offline the name is free again: a restarted machine takes its place.
    disconnect('id-a')
    expect(join('id-b', 'gpu-1', true)).toEqual({ ok: true, name: 'gpu-1' })
  })

  it('reserves a name between handshake and connection, so two agents joining at once differ', () => {
    const { names } = setup()
    expect(names.claim({ nodeId: 'id-a', name: 'vm' })).toEqual({ ok: true, name: 'vm' })
    expect(names.claim({ nodeId: 'id-b', name: 'vm' })).toEqual({ ok: true, name: 'vm-2' })
    expect(names.claim({ nodeId: 'id-c', name: 'vm', nameChosen: true }).ok).toBe(false)
    // A reservation that never turned into a connection expires.
    expect(names.claim({ nodeId: 'id-c', name: 'vm', nameChosen: true }, Date.now() + 60_000)).toEqual({
      ok: true,
      name: 'vm',
    })
  })
})
