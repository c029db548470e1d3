import { describe, expect, it, vi } from 'vitest'
import { OutputDelivery, OutputPrinter, type TaskOutput } from '../../../client/output-printer.js'
import type { ClientOutputChunk } from '../../../protocol/index.js'

function sinks() {
  const out = { stdout: [] as string[], stderr: [] as string[] }
  return {
    out,
    sinks: {
      stdout: { write: (text: string) => out.stdout.push(text) },
      stderr: { write: (text: string) => out.stderr.push(text) },
    },
  }
}

const chunk = (id: string, text: string, stream: 'stdout' | 'stderr' = 'stdout'): ClientOutputChunk => ({
  id,
  node: 'alpha',
  pid: 4242,
  stream,
  text,
})

describe('OutputPrinter', () => {
  it('prefixes every line with [node pid], each stream to its own sink', () => {
    const { out, sinks: to } = sinks()
    const printer = new OutputPrinter(to)
    printer.print(chunk('t1', 'one\ntwo\n'))
    printer.print(chunk('t1', 'bad\n', 'stderr'))
    expect(out.stdout.join('')).toBe('[alpha 4242] one\n[alpha 4242] two\n')
    expect(out.stderr.join('')).toBe('[alpha 4242] bad\n')
  })

  it('holds an unfinished line until it ends or its task settles, per task', () => {
    const { out, sinks: to } = sinks()
    const printer = new OutputPrinter(to)
    printer.print(chunk('t1', 'progress: '))
    printer.print(chunk('t2', 'other '))
    printer.print(chunk('t1', '50%\nprogress: '))
    expect(out.stdout.join('')).toBe('[alpha 4242] progress: 50%\n')
    printer.print(chunk('t1', '100%'))
    printer.settled('t1')
    printer.settled('t2')
    expect(out.stdout.join('')).toBe('[alpha 4242] progress: 50%\n[alpha 4242] progress: 100%\n[alpha 4242] other \n')
    printer.settled('t1')
    expect(out.stdout).toHaveLength(3)
  })
})

describe('OutputDelivery', () => {
  it("prints with 'print', drops with 'ignore', and flushes a task's unfinished line when it settles", () => {
    const { out, sinks: to } = sinks()
    new OutputDelivery('print', to).deliver([chunk('t1', 'hello\n')])
    const ignoring = new OutputDelivery('ignore', to)
    ignoring.deliver([chunk('t2', 'unseen\n')])
    ignoring.settled('t2')
    expect(out.stdout.join('')).toBe('[alpha 4242] hello\n')

    const printing = new OutputDelivery('print', to)
    printing.deliver([chunk('t3', 'no newline yet')])
    printing.settled('t3')
    expect(out.stdout.join('')).toBe('[alpha 4242] hello\n[alpha 4242] no newline yet\n')
  })

  it("hands each chunk to the caller's handler, and a throwing handler only warns", () => {
    const got: TaskOutput[] = []
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    try {
      const delivery = new OutputDelivery((output) => {
        got.push(output)
        if (output.text === 'boom') throw new Error('handler failed')
      })
      delivery.deliver([chunk('t1', 'boom'), chunk('t1', 'after', 'stderr')])
      expect(got).toEqual([
        { taskId: 't1', node: 'alpha', pid: 4242, stream: 'stdout', text: 'boom' },
        { taskId: 't1', node: 'alpha', pid: 4242, stream: 'stderr', text: 'after' },
      ])
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('taskOutput handler threw: Error: handler failed'))
    } finally {
      warn.mockRestore()
    }
  })
})
