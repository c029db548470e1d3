import { describe, expect, it } from 'vitest'
import { attachLocalNode } from '../../../manager/local-node.js'
import type { TaskOutputs } from '../../../manager/output/task-outputs.js'
import { IDLE_HEARTBEAT, RecordingLink, testDispatcher } from '../../helpers/dispatcher-harness.js'

const identity = (name: string) => ({ id: 'local-1', name, host: 'h', workers: 1, version: '0' })
const outputs = {} as TaskOutputs

describe('attachLocalNode', () => {
  it('refuses a name no outcome frame can carry, before anything of the node is registered', () => {
    const dispatcher = testDispatcher(() => undefined)
    expect(() => attachLocalNode(dispatcher, outputs, identity('n'.repeat(257)), new RecordingLink())).toThrow(
      /a node name must be 1 to 256 characters; got 257/,
    )
    expect(() => attachLocalNode(dispatcher, outputs, identity(''), new RecordingLink())).toThrow(TypeError)
    expect(dispatcher.nodes.get('local-1')).toBeUndefined()
  })

  it('attaches a node with the longest name a frame carries, and gives it work', () => {
    const dispatcher = testDispatcher(() => undefined)
    const link = new RecordingLink()
    const handle = attachLocalNode(dispatcher, outputs, identity('n'.repeat(256)), link)
    handle.heartbeat(IDLE_HEARTBEAT)
    dispatcher.submit('c1', [
      { id: 't1', fn: { kind: 'source', source: '() => 1' }, args: new Uint8Array([0x5b, 0x5d]) },
    ])
    expect(link.runs.map((run) => run.id)).toEqual(['t1'])
  })
})
