import { describe, expect, it } from 'vitest'
import { OutputPrinter } from '../../../client/output-printer.js'
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
