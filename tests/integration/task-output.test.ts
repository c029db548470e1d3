/**
 * Task output with real agents and clients on loopback: what a task writes to stdout/stderr is
 * printed on its client with a `[node pid]` prefix, or handed to a handler, or not sent at all;
 * it is bounded per task, attributed to the task that wrote it, and kept in the task's history.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { TaskOutput } from '../../client/index.js'
import type { TaskRecord } from '../../protocol/index.js'
import {
  runArgon,
  startAgent,
  startManager,
  startStandaloneAgent,
  type StartedManager,
  managerFlags,
} from '../helpers/processes.js'
import { connectOutcome, openClient, rawMachineSocket } from './support.js'
import { NAMESPACES, PROTOCOL_VERSION, encodeValue, taskFrameOf } from '../../protocol/index.js'

const WAIT = { timeout: 15_000, interval: 100 }

async function taskRecord(manager: StartedManager, id: string, withOutput: boolean): Promise<TaskRecord> {
  return vi.waitFor(async () => {
    const result = await runArgon([
      'tasks',
      '--id',
      id,
      '--json',
      ...(withOutput ? ['--output'] : []),
      ...managerFlags(manager),
    ])
    expect(result.code, result.output).toBe(0)
    const [record] = JSON.parse(result.output.slice(result.output.indexOf('['))) as TaskRecord[]
    if (record === undefined) throw new Error(`task ${id} not recorded yet`)
    return record
  }, WAIT)
}

/** Everything written to process.stdout / process.stderr while the test runs. */
function captureWrites(): { stdout: string[]; stderr: string[] } {
  const seen = { stdout: [] as string[], stderr: [] as string[] }
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = process[name]
    const original = stream.write.bind(stream)
    vi.spyOn(stream, 'write').mockImplementation((chunk: unknown, ...rest: unknown[]) => {
      seen[name].push(String(chunk))
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest)
    })
  }
  return seen
}

afterEach(() => {
  vi.restoreAllMocks()
})

/** Writes to both streams, one unfinished line included; returns where it ran. */
function chatty(n: number): { pid: number; id: string | undefined } {
  console.log(`hello from task ${n}`)
  console.error(`careful with ${n}`)
  process.stdout.write('no newline at the end')
  return { pid: process.pid, id: process.env.ARGON_NODE_NAME }
}

describe('task output', () => {
  it('prints what a task writes on its client, each line prefixed with [node pid], and keeps it in its history record', async () => {
    const manager = await startManager()
    await startAgent(manager, { name: 'alpha', workers: 1 })
    const client = openClient(manager)
    const writes = captureWrites()
    const ran = await client.process(chatty, [7])
    const prefix = `[alpha ${ran.pid}] `
    await vi.waitFor(() => {
      const out = writes.stdout.join('')
      expect(out).toContain(`${prefix}hello from task 7\n`)
      expect(out).toContain(`${prefix}no newline at the end\n`)
      expect(writes.stderr.join('')).toContain(`${prefix}careful with 7\n`)
    }, WAIT)
    vi.restoreAllMocks()

    // The record keeps it; `argon tasks` shows it only when asked (`--output`).
    const page = await client.status()
    expect(page.completed).toBe(1)
    const id = (await taskRecordByLabel(manager, 'hello from task')).id
    const full = await taskRecord(manager, id, true)
    expect(full.output).toContain('hello from task 7\n')
    expect(full.output).toContain('careful with 7\n')
    expect(full.outputBytes).toBe(Buffer.byteLength(full.output!))
    const plain = await taskRecord(manager, id, false)
    expect(plain.output).toBeUndefined()
    expect(plain.outputBytes).toBe(full.outputBytes)
    const table = await runArgon(['tasks', '--id', id, '--output', ...managerFlags(manager)])
    expect(table.output).toContain(`--- output of ${id} (alpha) ---`)
    expect(table.output).toContain('hello from task 7')

    // A task that writes nothing has no output, and prints nothing.
    const quiet = await client.process((x: number) => x + 1, [1])
    expect(quiet).toBe(2)
  })

  it("honours the client's opt-out and hands chunks to a handler instead, each to the task that wrote it", async () => {
    const manager = await startManager()
    await startAgent(manager, { name: 'alpha', workers: 2 })
    const writes = captureWrites()
    const silent = openClient(manager, { taskOutput: 'ignore' })
    await silent.process(chatty, [1])
    const chunks: TaskOutput[] = []
    const handled = openClient(manager, { taskOutput: (chunk) => chunks.push(chunk) })
    // Concurrent tasks on two workers, and one after another on each: every chunk is its own task's.
    const results = await handled.map(
      async (n: number) => {
        for (let i = 0; i < 5; i++) {
          console.log(`task-${n} line ${i}`)
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
        return n
      },
      Array.from({ length: 8 }, (_, n) => [n] as [number]),
      { concurrency: 4 },
    )
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    vi.restoreAllMocks()
    // Nothing of the opted-out client's task was printed here.
    expect([...writes.stdout, ...writes.stderr].join('')).not.toContain('hello from task 1')

    const byTask = new Map<string, string>()
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ node: 'alpha', stream: 'stdout' })
      expect(chunk.pid).toBeGreaterThan(0)
      byTask.set(chunk.taskId, (byTask.get(chunk.taskId) ?? '') + chunk.text)
    }
    expect(byTask.size).toBe(8)
    for (const text of byTask.values()) {
      const n = /task-(\d+)/.exec(text)![1]
      expect(text).toBe([0, 1, 2, 3, 4].map((i) => `task-${n} line ${i}\n`).join(''))
    }
    // The opted-out client's task still has its output in the history.
    const record = await taskRecordByLabel(manager, 'hello from task')
    expect((await taskRecord(manager, record.id, true)).output).toContain('hello from task 1')
  })

  it('sends no output at all to a client that opted out in its handshake', async () => {
    const manager = await startManager()
    await startAgent(manager, { name: 'alpha', workers: 1 })
    const source = "(n) => { console.log('line from', n); return n }"
    const seen = new Map<string, number>()
    for (const [clientId, output] of [
      ['raw-client-quiet', false],
      ['raw-client-chatty', undefined],
    ] as const) {
      const socket = rawMachineSocket(manager.port, NAMESPACES.client, {
        token: manager.token,
        protocol: PROTOCOL_VERSION,
        clientId,
        ...(output === false ? { output } : {}),
      })
      expect(await connectOutcome(socket)).toBe('connected')
      seen.set(clientId, 0)
      socket.on('task:output', () => seen.set(clientId, seen.get(clientId)! + 1))
      const settled = new Promise((resolve) => socket.once('task:settled', resolve))
      socket.emit(
        'task:submit',
        taskFrameOf([{ id: `${clientId}-1`, fn: { kind: 'source', source }, args: encodeValue([1]) }]),
      )
      // Output travels ahead of the outcome on the same link: by now it has arrived, if it was sent.
      await settled
    }
    expect(seen.get('raw-client-quiet')).toBe(0)
    expect(seen.get('raw-client-chatty')).toBe(1)
  })

  it('keeps at most 64 KiB of a task’s output, with a marker saying how much was cut', async () => {
    const manager = await startManager()
    await startAgent(manager, { name: 'alpha', workers: 1 })
    const chunks: TaskOutput[] = []
    const client = openClient(manager, { taskOutput: (chunk) => chunks.push(chunk) })
    await client.process(() => {
      const line = 'x'.repeat(1023) + '\n'
      for (let i = 0; i < 200; i++) process.stdout.write(line)
      return 'done'
    }, [])
    const text = chunks.map((chunk) => chunk.text).join('')
    expect(text.startsWith('x'.repeat(1023) + '\n')).toBe(true)
    expect(text).toContain(`[argon: output cut at 65536 bytes; ${200 * 1024 - 65536} more bytes not kept]`)
    expect(Buffer.byteLength(text)).toBeLessThan(65536 + 200)
    const record = await taskRecordByLabel(manager, 'repeat(1023)')
    expect(record.outputBytes).toBe(Buffer.byteLength(text))
  })

  it('prints output from a stand-alone agent (no manager) the same way', async () => {
    const agent = await startStandaloneAgent({ name: 'solo' })
    const client = openClient(agent)
    const writes = captureWrites()
    const ran = await client.process(chatty, [3])
    await vi.waitFor(() => expect(writes.stdout.join('')).toContain(`[solo ${ran.pid}] hello from task 3\n`), WAIT)
  })
})

async function taskRecordByLabel(manager: StartedManager, text: string): Promise<TaskRecord> {
  return vi.waitFor(async () => {
    const result = await runArgon(['tasks', '--function', text, '--json', '--limit', '1', ...managerFlags(manager)])
    expect(result.code, result.output).toBe(0)
    const [record] = JSON.parse(result.output.slice(result.output.indexOf('['))) as TaskRecord[]
    if (record === undefined) throw new Error(`no task with ${text} yet`)
    return record
  }, WAIT)
}
