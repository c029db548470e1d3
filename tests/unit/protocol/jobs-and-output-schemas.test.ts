import { describe, expect, it } from 'vitest'
import {
  MAX_TASK_OUTPUT_BYTES,
  jobCancelRequestSchema,
  jobReportsSchema,
  parseMessage,
  taskOutputBatchSchema,
} from '../../../protocol/index.js'

const report = { key: '1', name: 'thumbnails', total: 10, done: 1, failed: 0, inFlight: 2, state: 'running' }
const chunk = { id: 'c1-1', pid: 42, stream: 'stdout', text: 'hello\n' }

describe('job and task-output messages', () => {
  it('accept well-formed job reports and cancel requests, and refuse bad ones with BAD_REQUEST', () => {
    expect(parseMessage(jobReportsSchema, [report]).ok).toBe(true)
    for (const bad of [
      [],
      [{ ...report, state: 'abandoned' }],
      [{ ...report, done: -1 }],
      [{ ...report, name: '' }],
      [{ ...report, name: 'x'.repeat(201) }],
      [{ ...report, key: 'k'.repeat(33) }],
      Array.from({ length: 1001 }, (_, i) => ({ ...report, key: String(i) })),
      'not a list',
    ]) {
      const parsed = parseMessage(jobReportsSchema, bad)
      expect(parsed.ok).toBe(false)
      if (!parsed.ok) expect(parsed.error.code).toBe('BAD_REQUEST')
    }
    expect(parseMessage(jobCancelRequestSchema, { id: 3 }).ok).toBe(true)
    expect(parseMessage(jobCancelRequestSchema, { id: 0 }).ok).toBe(false)
    expect(parseMessage(jobCancelRequestSchema, { id: '3' }).ok).toBe(false)
  })

  it('accept task output chunks within the per-task bound, and refuse the rest', () => {
    expect(parseMessage(taskOutputBatchSchema, [chunk, { ...chunk, stream: 'stderr' }]).ok).toBe(true)
    for (const bad of [
      [],
      [{ ...chunk, stream: 'stdin' }],
      [{ ...chunk, text: '' }],
      [{ ...chunk, text: 'x'.repeat(MAX_TASK_OUTPUT_BYTES + 1024) }],
      [{ ...chunk, id: '' }],
      [{ ...chunk, pid: -1 }],
    ])
      expect(parseMessage(taskOutputBatchSchema, bad).ok).toBe(false)
  })
})
