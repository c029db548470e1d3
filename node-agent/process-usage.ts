import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/**
 * The kernel's clock ticks per second and page size, as `getconf` reads them from the C library
 * (sysconf, which Node does not expose). Pages are 16 or 64 KiB on some ARM and POWER machines;
 * reading them once costs one short process at start. Linux's customary values stand in where
 * getconf is missing.
 */
export function systemConstants(run = (name: string) => execFileSync('getconf', [name], { encoding: 'utf8' })): {
  ticksPerSecond: number
  pageBytes: number
} {
  const read = (name: string, fallback: number) => {
    try {
      const value = Number(run(name).trim())
      return Number.isInteger(value) && value > 0 ? value : fallback
    } catch {
      return fallback
    }
  }
  return { ticksPerSecond: read('CLK_TCK', 100), pageBytes: read('PAGESIZE', 4096) }
}

interface Sample {
  at: number
  ticks: number
}

function readStat(pid: number, pageBytes: number): { ticks: number; rssBytes: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name, which may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    const rssBytes = Number(fields[21]) * pageBytes
    return Number.isFinite(ticks) ? { ticks, rssBytes } : null
  } catch {
    return null
  }
}

/**
 * CPU (cores in use) and resident memory of the agent and its children, for heartbeats. Reads
 * /proc on Linux; elsewhere it reports the agent process alone.
 */
export class ProcessUsage {
  #last: Sample | null = null
  #lastCpu = process.cpuUsage()
  #lastAt = performance.now()

  // Read once per agent: a process spawned at start, none per heartbeat.
  readonly #constants = process.platform === 'linux' ? systemConstants() : { ticksPerSecond: 100, pageBytes: 4096 }

  read(childPids: number[]): { cpu: number; memoryBytes: number } {
    const now = performance.now()
    const pids = [process.pid, ...childPids]
    const stats = pids.map((pid) => readStat(pid, this.#constants.pageBytes))
    if (stats.every((stat) => stat !== null)) {
      const ticks = stats.reduce((sum, stat) => sum + stat.ticks, 0)
      const memoryBytes = stats.reduce((sum, stat) => sum + stat.rssBytes, 0)
      const previous = this.#last
      this.#last = { at: now, ticks }
      // A replaced child resets its ticks; never report negative use.
      const cpu = previous
        ? Math.max(0, (ticks - previous.ticks) / this.#constants.ticksPerSecond / ((now - previous.at) / 1000))
        : 0
      return { cpu, memoryBytes }
    }
    const usage = process.cpuUsage(this.#lastCpu)
    const elapsedMs = now - this.#lastAt
    this.#lastCpu = process.cpuUsage()
    this.#lastAt = now
    return {
      cpu: elapsedMs > 0 ? (usage.user + usage.system) / 1000 / elapsedMs : 0,
      memoryBytes: process.memoryUsage.rss(),
    }
  }
}
