/**
 * `npm run bench -- --quick`: the benchmark the README's figures come from still builds, starts
 * all three systems, runs every workload through them and writes a complete table. Small counts,
 * one round: this checks the harness, never a speed (quick figures mean nothing).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, startProcess } from '../helpers/processes.js'

const BENCH_TIMEOUT_MS = 300_000

/** The numbers in a Markdown table row (cells after the first), or undefined when no row starts with `label`. */
function rowCells(markdown: string, label: string): string[] | undefined {
  const line = markdown.split('\n').find((row) => row.startsWith(`| ${label}`))
  return line
    ?.split('|')
    .slice(2, -1)
    .map((cell) => cell.trim())
}

describe('the benchmark in quick mode', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'argon-bench-'))
    // The harness is compiled as `npm run bench` compiles it (dist/ is built by the test command).
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'bench/tsconfig.json'], {
      cwd: ROOT,
      stdio: 'pipe',
    })
  }, 120_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it(
    'runs every workload on the bare chain, Moleculer and Argon and writes the whole table',
    async () => {
      const results = readFileSync(join(ROOT, 'bench/results.md'), 'utf8')
      const out = join(dir, 'quick.md')
      const bench = startProcess(join(ROOT, 'dist-bench/bench/run.js'), [
        '--quick',
        '--rounds',
        '1',
        '--quiet-timeout',
        '5',
        '--out',
        out,
      ])
      let exit: { code: number | null; signal: NodeJS.Signals | null }
      try {
        exit = await Promise.race([
          bench.exited,
          new Promise<never>((_, reject) =>
            setTimeout(
              () => reject(new Error(`the quick bench ran over:\n${bench.output()}`)),
              BENCH_TIMEOUT_MS - 20_000,
            ),
          ),
        ])
      } finally {
        // SIGTERM lets the bench stop the processes it started before it exits (a SIGKILL would orphan them).
        bench.kill('SIGTERM')
        await bench.exited
      }
      expect(exit, bench.output()).toEqual({ code: 0, signal: null })
      expect(bench.output()).not.toMatch(/still running and have been killed/)

      const table = readFileSync(out, 'utf8')
      expect(table).not.toMatch(/NaN|undefined|Infinity/)
      expect(rowCells(table, 'Workload')).toEqual(['Bare chain', 'Moleculer 0.14 (TCP)', 'Argon'])
      for (const label of [
        'W1a p50 latency',
        'W1b throughput',
        'W2 efficiency',
        'W2 mean idle time',
        'W4 large payloads',
        'W1b CPU per task',
      ]) {
        const cells = rowCells(table, label)
        expect(cells, label).toHaveLength(3)
        for (const cell of cells!) expect(Number(cell), `${label}: ${cell}`).toBeGreaterThan(0)
      }
      expect(Number(rowCells(table, 'Manager memory')?.[2])).toBeGreaterThan(0)
      for (const target of ['W1b tasks/s, Argon ÷ Moleculer', 'W1a p50, Argon ÷ bare chain', 'W2 efficiency, Argon'])
        expect(rowCells(table, target)?.[2], target).toMatch(/^(yes|no)$/)
      // The five W3 workloads, each with a makespan, an ideal and their ratio.
      const w3 = table.split('\n').filter((row) => /^\| .* \| \d+ \| \d+ \| \d\.\d{3} \| (yes|no) \|/.test(row))
      expect(w3).toHaveLength(5)
      // CPU per task for each system, split by process.
      expect(table).toMatch(/- Argon: W1b [\d.]+ µs = argon manager \d/)
      // Quick mode writes only where it is told to.
      expect(readFileSync(join(ROOT, 'bench/results.md'), 'utf8')).toBe(results)
    },
    BENCH_TIMEOUT_MS,
  )
})
