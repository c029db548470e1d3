import { readFileSync } from 'node:fs'

const TICKS_PER_SECOND = 100
const PAGE_BYTES = 4096

interface Sample {
  at: number
  ticks: number
}

function readStat(pid: number): { ticks: number; rssBytes: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name, which may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    const rssBytes = Number(fields[21]) * PAGE_BYTES
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

  read(childPids: number[]): { cpu: number; memoryBytes: number } {
    const now = performance.now()
    const pids = [process.pid, ...childPids]
    const stats = pids.map(readStat)
    if (stats.every((stat) => stat !== null)) {
      const ticks = stats.reduce((sum, stat) => sum + stat.ticks, 0)
      const memoryBytes = stats.reduce((sum, stat) => sum + stat.rssBytes, 0)
      const previous = this.#last
      this.#last = { at: now, ticks }
      // A replaced child resets its ticks; never report negative use.
      const cpu = previous ? Math.max(0, (ticks - previous.ticks) / TICKS_PER_SECOND / ((now - previous.at) / 1000)) : 0
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
