import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ChildOutputChunk } from '../../../node-agent/child-messages.js'
import { OutputCapture } from '../../../node-agent/output-capture.js'

function fakeStreams() {
  const passed: string[] = []
  const stream = () => ({
    write: ((chunk: unknown) => {
      passed.push(String(chunk))
      return true
    }) as typeof process.stdout.write,
  })
  return { passed, streams: { stdout: stream(), stderr: stream() } }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('OutputCapture', () => {
  it('gives what is written while a task runs to that task, in one message at its end, and passes other writes through', () => {
    const sent: ChildOutputChunk[][] = []
    const capture = new OutputCapture((chunks) => sent.push(chunks))
    const { passed, streams } = fakeStreams()
    capture.install(streams)
    streams.stdout.write('before any task\n')
    capture.begin('t1')
    streams.stdout.write('a')
    streams.stdout.write(Buffer.from('b\n'))
    streams.stderr.write('oops\n')
    streams.stdout.write('c\n')
    capture.end()
    capture.begin('t2')
    capture.end()
    streams.stdout.write('between tasks\n')
    expect(sent).toEqual([])
    capture.flush()
    capture.flush()
    expect(passed).toEqual(['before any task\n', 'between tasks\n'])
    expect(sent).toEqual([
      [
        { id: 't1', stream: 'stdout', text: 'ab\n' },
        { id: 't1', stream: 'stderr', text: 'oops\n' },
        { id: 't1', stream: 'stdout', text: 'c\n' },
      ],
    ])
  })

  it('streams a long task’s output while it runs, batched over the flush interval', () => {
    vi.useFakeTimers()
    const sent: ChildOutputChunk[][] = []
    const capture = new OutputCapture((chunks) => sent.push(chunks))
    const { streams } = fakeStreams()
    capture.install(streams)
    capture.begin('t1')
    for (let i = 0; i < 50; i++) streams.stdout.write(`line ${i}\n`)
    expect(sent).toHaveLength(0)
    vi.advanceTimersByTime(100)
    expect(sent).toHaveLength(1)
    expect(sent[0]![0]!.text.split('\n')).toHaveLength(51)
    streams.stdout.write('last\n')
    capture.end()
    capture.flush()
    expect(sent).toEqual([sent[0], [{ id: 't1', stream: 'stdout', text: 'last\n' }]])
  })

  it('keeps at most the limit per task and says how much it cut; the next task starts afresh', () => {
    const sent: ChildOutputChunk[][] = []
    const capture = new OutputCapture((chunks) => sent.push(chunks), 10)
    const { streams } = fakeStreams()
    capture.install(streams)
    capture.begin('t1')
    streams.stdout.write('12345678')
    streams.stdout.write('abcdef')
    streams.stderr.write('more')
    capture.end()
    capture.flush()
    expect(sent[0]).toEqual([
      { id: 't1', stream: 'stdout', text: '12345678ab' },
      { id: 't1', stream: 'stdout', text: '\n[argon: output cut at 10 bytes; 8 more bytes not kept]\n' },
    ])
    capture.begin('t2')
    streams.stdout.write('fresh')
    capture.end()
    capture.flush()
    expect(sent[1]).toEqual([{ id: 't2', stream: 'stdout', text: 'fresh' }])
  })

  it('calls a write callback, as a stream would', async () => {
    const capture = new OutputCapture(() => undefined)
    const { streams } = fakeStreams()
    capture.install(streams)
    capture.begin('t1')
    await new Promise<void>((resolve) => streams.stdout.write('x', () => resolve()))
    await new Promise<void>((resolve) => streams.stdout.write('y', 'utf8', () => resolve()))
    capture.end()
  })
})
