/**
 * A `task:submit` frame that names one id more than once: the id gets exactly one answer (a
 * BAD_REQUEST) and nothing of it runs, whatever its occurrences hold; the frame's other tasks run
 * as usual, and a task the client already holds under the id is answered once, when it ends.
 */
import { describe, expect, it } from 'vitest'
import {
  FunctionTable,
  PRIORITY_CODE,
  TaskFrameWriter,
  encodeValue,
  functionEntry,
  type TaskAssignment,
  type TaskOutcome,
} from '../../../protocol/index.js'
import { repeatedIds, serveClients, type ClientNamespace } from '../../../manager/client-namespace.js'
import type { ClientSessions } from '../../../manager/client-sessions.js'
import type { JobBoard } from '../../../manager/jobs/job-board.js'
import { silentLogger } from '../../../manager/logger.js'
import { WarningThrottle } from '../../../manager/warning-throttle.js'
import { RecordingLink, joinNode, testDispatcher } from '../../helpers/dispatcher-harness.js'

const ARGS = encodeValue([1])
const FN = functionEntry({ kind: 'source', source: '(x) => x' })
/** A priority byte no priority has: a per-task problem (answered BAD_REQUEST by id). */
const BAD_PRIORITY = 7

interface Row {
  id: string
  priority?: number
}

/**
 * The real client namespace and dispatcher behind a fake socket per client: `submit` hands a
 * client's frame to its `task:submit` handler as the socket would; `answers` is every answer sent.
 */
function manager() {
  const answers: { clientId: string; outcome: TaskOutcome }[] = []
  const dispatcher = testDispatcher((clientId, outcome) => answers.push({ clientId, outcome }))
  const link = new RecordingLink()
  joinNode(dispatcher, link, 'n1', 8)
  let onConnection: ((socket: unknown) => void) | undefined
  const namespace = {
    use: () => undefined,
    on: (event: string, listener: (socket: unknown) => void) => {
      if (event === 'connection') onConnection = listener
    },
  }
  const log = silentLogger()
  serveClients(namespace as unknown as ClientNamespace, {
    token: 'token',
    maxPayloadBytes: 1 << 20,
    dispatcher,
    sessions: { attach: () => undefined, detach: () => undefined } as unknown as ClientSessions,
    jobs: { clientConnected: () => undefined, clientDisconnected: () => undefined } as unknown as JobBoard,
    log,
    warnings: new WarningThrottle(log),
    status: () => dispatcher.status(0),
  })

  const clients = new Map<string, { submit: (input: unknown) => void; writer: TaskFrameWriter }>()
  const connect = (clientId: string) => {
    const listeners = new Map<string, (...args: unknown[]) => void>()
    const socket = {
      data: { clientId, output: true },
      connected: true,
      client: {},
      nsp: { name: '/client' },
      on: (event: string, listener: (...args: unknown[]) => void) => listeners.set(event, listener),
      once: () => undefined,
      onAny: () => undefined,
      emit: () => true,
      disconnect: () => undefined,
      listenerCount: (event: string) => (listeners.has(event) ? 1 : 0),
    }
    onConnection!(socket)
    clients.set(clientId, {
      submit: (input) => listeners.get('task:submit')!(input),
      writer: new TaskFrameWriter(new FunctionTable()),
    })
  }
  /** Writes `rows` into one frame on the client's connection and submits it. */
  const submit = (clientId: string, rows: Row[], corrupt?: (frame: Buffer) => void) => {
    if (!clients.has(clientId)) connect(clientId)
    const client = clients.get(clientId)!
    for (const row of rows)
      client.writer.add(row.id, FN, 0, 0, row.priority ?? PRIORITY_CODE.normal, ARGS, 0, ARGS.byteLength)
    const frame = client.writer.finish()
    corrupt?.(frame)
    client.submit(frame)
  }
  const settle = (run: TaskAssignment) =>
    dispatcher.nodeSettled('n1', [{ id: run.id, attempt: run.attempt, ok: true, result: encodeValue('r'), ms: 1 }])
  const answersFor = (id: string) => answers.filter((answer) => answer.outcome.id === id)
  return { answers, answersFor, link, submit, settle }
}

const codeOf = (outcome: TaskOutcome) => (outcome.ok ? 'ok' : outcome.error.code)

describe('a task id named more than once in one task:submit frame', () => {
  it('is answered once, with BAD_REQUEST, when one occurrence is good and one has a bad priority', () => {
    for (const order of [
      [{ id: 'c1-dup' }, { id: 'c1-dup', priority: BAD_PRIORITY }],
      [{ id: 'c1-dup', priority: BAD_PRIORITY }, { id: 'c1-dup' }],
    ]) {
      const m = manager()
      m.submit('client-0001', order)
      expect(m.link.runs).toEqual([])
      const answers = m.answersFor('c1-dup')
      expect(answers).toHaveLength(1)
      expect(answers[0]!.clientId).toBe('client-0001')
      expect(codeOf(answers[0]!.outcome)).toBe('BAD_REQUEST')
      expect(answers[0]!.outcome.ok ? '' : answers[0]!.outcome.error.message).toMatch(/more than once/)
    }
  })

  it('is refused as a whole when both occurrences are good (nothing runs), and the other tasks run', () => {
    const m = manager()
    m.submit('client-0001', [{ id: 'c1-a' }, { id: 'c1-dup' }, { id: 'c1-b' }, { id: 'c1-dup' }, { id: 'c1-dup' }])
    expect(m.answersFor('c1-dup').map((a) => codeOf(a.outcome))).toEqual(['BAD_REQUEST'])
    expect(m.link.runs.map((run) => run.id).sort()).toEqual(['c1-a', 'c1-b'])
    for (const run of [...m.link.runs]) m.settle(run)
    expect(m.answers.map((a) => `${a.outcome.id} ${codeOf(a.outcome)}`).sort()).toEqual([
      'c1-a ok',
      'c1-b ok',
      'c1-dup BAD_REQUEST',
    ])
  })

  it('leaves a task the client already holds under the id alone: it is answered once, when it ends', () => {
    const m = manager()
    m.submit('client-0001', [{ id: 'c1-held' }])
    m.submit('client-0001', [{ id: 'c1-held' }, { id: 'c1-held', priority: BAD_PRIORITY }])
    expect(m.answersFor('c1-held')).toEqual([])
    expect(m.link.runs.map((run) => run.id)).toEqual(['c1-held'])
    m.settle(m.link.runs[0]!)
    expect(m.answersFor('c1-held').map((a) => codeOf(a.outcome))).toEqual(['ok'])
  })

  it('is answered once when the frame is structurally broken', () => {
    const m = manager()
    // The first frame of a connection defines its function: make that definition unreadable.
    m.submit('client-0001', [{ id: 'c1-dup' }, { id: 'c1-dup' }, { id: 'c1-other' }], (frame) => {
      expect(frame.readUInt32LE(12)).toBeGreaterThan(0) // defsBytes
      frame[32] = '{'.charCodeAt(0)
    })
    expect(m.link.runs).toEqual([])
    expect(m.answers.map((a) => `${a.outcome.id} ${codeOf(a.outcome)}`).sort()).toEqual([
      'c1-dup BAD_REQUEST',
      'c1-other BAD_REQUEST',
    ])
  })
})

describe('a refused task whose id another client holds', () => {
  it('is answered to the client that sent it, once; the holder is not disturbed', () => {
    const m = manager()
    const seen = () => m.answersFor('shared-id').map((a) => `${a.clientId} ${codeOf(a.outcome)}`)
    m.submit('client-0001', [{ id: 'shared-id' }])
    m.submit('client-0002', [{ id: 'shared-id', priority: BAD_PRIORITY }])
    expect(seen()).toEqual(['client-0002 BAD_REQUEST'])
    m.submit('client-0002', [{ id: 'shared-id' }, { id: 'shared-id' }])
    expect(seen()).toEqual(['client-0002 BAD_REQUEST', 'client-0002 BAD_REQUEST'])
    expect(m.link.runs.map((run) => run.id)).toEqual(['shared-id'])
    m.settle(m.link.runs[0]!)
    expect(seen()).toEqual(['client-0002 BAD_REQUEST', 'client-0002 BAD_REQUEST', 'client-0001 ok'])
  })
})

describe('repeatedIds', () => {
  it('names each id seen more than once, once; undefined when none is', () => {
    expect(repeatedIds([], 0)).toBeUndefined()
    expect(repeatedIds(['a'], 1)).toBeUndefined()
    expect(repeatedIds(['a', 'b', 'c'], 3)).toBeUndefined()
    expect([...repeatedIds(['a', 'b', 'a', 'c', 'b', 'a'], 6)!]).toEqual(['a', 'b'])
    // Only the first `count` ids are the frame's.
    expect(repeatedIds(['a', 'b', 'a'], 2)).toBeUndefined()
  })
})
