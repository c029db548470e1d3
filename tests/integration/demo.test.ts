/**
 * `argon demo`, the newcomer's first run: a manager and two real agents on this machine, a
 * workload with a progress bar, the dashboard URL and how to stop. Bounded: `--once` stops by
 * itself; the default keeps running until Ctrl-C.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ARGON_BIN, runArgon, startProcess, tempHome } from '../helpers/processes.js'
import { isAlive } from './support.js'

// The agents are the demo's children: should a test fail, they are killed here by pid.
const seenAgents: number[] = []
afterEach(() => {
  for (const pid of seenAgents.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL')
})

function agentPids(output: string): number[] {
  const pids = [...output.matchAll(/Agent demo-\d started \(pid (\d+)\)/g)].map((match) => Number(match[1]))
  seenAgents.push(...pids)
  return pids
}

describe('argon demo', () => {
  it('starts a manager and two agents, runs the workload on both with a progress bar, says where the dashboard is and how to stop', async () => {
    const result = await runArgon(['demo', '--once', '--tasks', '40'], { timeoutMs: 90_000 })
    expect(result.code, result.output).toBe(0)
    expect(result.output).toMatch(/Both agents joined/)
    expect(result.output).toMatch(/Dashboard: http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/)
    expect(result.output).toMatch(/Ctrl-C/)
    expect(result.output).toMatch(/\[#+\] 40\/40 tasks/)
    expect(result.output).toMatch(/Ran 40 tasks in [\d.]+ s: \d+ on demo-\d, \d+ on demo-\d/)
    const pids = agentPids(result.output)
    expect(pids).toHaveLength(2)
    for (const pid of pids) expect(isAlive(pid)).toBe(false)
  })

  it('keeps the cluster running after the workload until Ctrl-C, then stops everything', async () => {
    const demo = startProcess(ARGON_BIN, ['demo', '--tasks', '10'], { ARGON_HOME: tempHome() })
    await demo.waitFor(/press Ctrl-C to stop/, 60_000)
    const port = Number((await demo.waitFor(/Manager listening on http:\/\/127\.0\.0\.1:(\d+)/))[1])
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200)
    const pids = agentPids(demo.output())
    expect(pids.every(isAlive)).toBe(true)

    demo.kill('SIGINT')
    expect(await demo.exited).toEqual({ code: 0, signal: null })
    await vi.waitFor(() => expect(pids.some(isAlive)).toBe(false), { timeout: 15_000, interval: 50 })
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow()
  })
})
