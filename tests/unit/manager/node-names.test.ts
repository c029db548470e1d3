import { describe, expect, it } from 'vitest'
import type { NodeLink } from '../../../manager/node-entry.js'
import { NodeNames, numberedName } from '../../../manager/node-names.js'
import { NodeRegistry } from '../../../manager/node-registry.js'
import { MAX_NODE_NAME_CHARS } from '../../../protocol/frame-layout.js'
import { OutcomeFrameWriter, nodeHandshakeSchema, outcomeNode, readOutcomeFrame } from '../../../protocol/index.js'

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

  it('keeps a numbered long name within the limit the handshake and outcome frames share', () => {
    for (const length of [MAX_NODE_NAME_CHARS - 1, MAX_NODE_NAME_CHARS]) {
      const { join } = setup()
      const host = 'h'.repeat(length)
      const given = ['id-a', 'id-b', 'id-c'].map((id) => {
        const decision = join(id, host)
        if (!decision.ok) throw new Error(decision.message)
        return decision.name
      })
      expect(given[0]).toBe(host)
      expect(given[1]).toBe(`${'h'.repeat(MAX_NODE_NAME_CHARS - 2)}-2`)
      expect(given[2]).toBe(`${'h'.repeat(MAX_NODE_NAME_CHARS - 2)}-3`)
      // The agent shows the name it was given at its next handshake, and answers carry it to clients.
      const writer = new OutcomeFrameWriter()
      given.forEach((name, i) => {
        expect(nodeHandshakeSchema.shape.name.safeParse(name).success).toBe(true)
        writer.addResult(`t${i}`, 1, 1, name, Buffer.from([i]), 0, 1)
      })
      const frame = readOutcomeFrame(writer.finish())
      if (!frame.ok) throw new Error(frame.message)
      expect(given.map((_, i) => outcomeNode(frame, i))).toEqual(given)
    }
  })

  it('keeps long names that share a prefix apart once shortened', () => {
    const { join } = setup()
    const stem = 'h'.repeat(MAX_NODE_NAME_CHARS - 2)
    // Both numbered names would be `${stem}-2`: the second takes the next number instead.
    const names = [
      join('id-a', `${stem}xa`),
      join('id-b', `${stem}xa`),
      join('id-c', `${stem}xb`),
      join('id-d', `${stem}xb`),
    ].map((decision) => decision.ok && decision.name)
    expect(names).toEqual([`${stem}xa`, `${stem}-2`, `${stem}xb`, `${stem}-3`])
  })

  it('numbers a short name as it is, and never cuts a long one inside a character', () => {
    expect(numberedName('vm', 12)).toBe('vm-12')
    // 253 letters, an emoji (two UTF-16 units), one letter: 256 units; "-2" leaves room for 254.
    const name = `${'a'.repeat(253)}😀b`
    expect(name.length).toBe(MAX_NODE_NAME_CHARS)
    expect(numberedName(name, 2)).toBe(`${'a'.repeat(253)}-2`)
    expect(numberedName(`${'a'.repeat(252)}😀bc`, 2)).toBe(`${'a'.repeat(252)}😀-2`)
  })
})
