import { describe, expect, it } from 'vitest'
import {
  MAX_BATCH_ITEMS,
  encodeValue,
  nodeHeartbeatSchema,
  nodeTaskOutcomeSchema,
  parseBatch,
  parseMessage,
  taskSubmissionSchema,
} from '../../../protocol/index.js'

const good = { id: 'c-1', fn: { kind: 'source', source: '(a) => a' }, args: encodeValue([1]) }

describe('batch validation', () => {
  it('answers bad items by id and keeps the good ones', () => {
    const { valid, rejected } = parseBatch(taskSubmissionSchema, [
      good,
      { ...good, id: 'c-2', args: 'not bytes' },
      { ...good, id: 'c-3', fn: { kind: 'eval', source: 'x' } },
      { ...good, id: 'c-4', priority: 'urgent' },
      { ...good, id: 'c-5', timeout: -1 },
      { nonsense: true },
    ])
    expect(valid.map((task) => task.id)).toEqual(['c-1'])
    expect(rejected.map((item) => item.id)).toEqual(['c-2', 'c-3', 'c-4', 'c-5', undefined])
    for (const item of rejected) expect(item.error.code).toBe('BAD_REQUEST')
  })

  it('rejects a frame that is not a bounded array', () => {
    for (const frame of [null, 'x', {}, [], new Array(MAX_BATCH_ITEMS + 1).fill(good)]) {
      const { valid, rejected } = parseBatch(taskSubmissionSchema, frame)
      expect(valid).toHaveLength(0)
      expect(rejected[0]!.error.code).toBe('BAD_REQUEST')
    }
  })

  it('checks node outcomes and heartbeats', () => {
    expect(
      parseBatch(nodeTaskOutcomeSchema, [{ id: 'x', attempt: 0, ok: true, result: new Uint8Array(), ms: 1 }]).rejected,
    ).toHaveLength(1)
    expect(
      parseMessage(nodeHeartbeatSchema, { busy: 1, workerBusy: [true], cpu: 0.5, memoryBytes: 1, uptimeSeconds: 2 }).ok,
    ).toBe(true)
    expect(parseMessage(nodeHeartbeatSchema, { busy: 'lots' }).ok).toBe(false)
  })
})
