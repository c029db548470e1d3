import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { ProcessUsage, systemConstants } from '../../../node-agent/process-usage.js'

describe('systemConstants', () => {
  it('reads clock ticks and page size from getconf, and falls back where it cannot', () => {
    expect(systemConstants((name) => (name === 'CLK_TCK' ? '250\n' : '65536\n'))).toEqual({
      ticksPerSecond: 250,
      pageBytes: 65536,
    })
    expect(systemConstants(() => 'undefined\n')).toEqual({ ticksPerSecond: 100, pageBytes: 4096 })
    expect(
      systemConstants(() => {
        throw new Error('spawn getconf ENOENT')
      }),
    ).toEqual({ ticksPerSecond: 100, pageBytes: 4096 })
  })

  it.runIf(process.platform === 'linux')('agrees with the system it runs on', () => {
    const pageBytes = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }))
    expect(systemConstants().pageBytes).toBe(pageBytes)
  })
})

describe('ProcessUsage', () => {
  it.runIf(process.platform === 'linux')('reports the resident memory Node sees, and CPU in use', () => {
    const usage = new ProcessUsage()
    usage.read([])
    const until = process.cpuUsage().user + 100_000
    while (process.cpuUsage().user < until) Math.sqrt(Math.random())
    const { cpu, memoryBytes } = usage.read([])
    expect(cpu).toBeGreaterThan(0)
    // RSS from /proc pages times the page size: the same order as Node's own figure.
    const rss = process.memoryUsage.rss()
    expect(memoryBytes).toBeGreaterThan(rss / 2)
    expect(memoryBytes).toBeLessThan(rss * 2)
  })
})
