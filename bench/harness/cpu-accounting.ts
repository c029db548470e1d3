/**
 * CPU time used by each benchmarked process, read from /proc (Linux; elsewhere the figures are
 * simply absent). Unlike wall-clock rates, CPU time per task hardly moves when a neighbour loads
 * the machine, and it says which hop the time goes to.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { systemConstants } from '../../node-agent/process-usage.js'
import { runningProcesses } from './processes.js'

// Linux reports utime/stime in clock ticks of the kernel's USER_HZ, read as the agent reads it.
const TICK_MS = process.platform === 'linux' ? 1000 / systemConstants().ticksPerSecond : 10

/** CPU milliseconds so far, keyed by role: `<label>` for a spawned process, `<label> children` for what it forked. */
export type CpuSnapshot = Map<string, number>

function procStat(pid: string): { pgrp: number; cpuMs: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the parenthesised command name: state ppid pgrp … utime(11) stime(12).
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return { pgrp: Number(fields[2]), cpuMs: (Number(fields[11]) + Number(fields[12])) * TICK_MS }
  } catch {
    return undefined
  }
}

/** Takes a snapshot of this process (`client`) and every running spawned process group. */
export function cpuSnapshot(): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map()
  const usage = process.cpuUsage()
  snapshot.set('bench process (caller)', (usage.user + usage.system) / 1000)
  if (process.platform !== 'linux') return snapshot
  const groups = new Map(runningProcesses().map((proc) => [proc.pid, proc.label]))
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return snapshot
  }
  for (const pid of pids) {
    const stat = procStat(pid)
    const label = stat && groups.get(stat.pgrp)
    if (!stat || label === undefined) continue
    const role = Number(pid) === stat.pgrp ? label : `${label} children`
    snapshot.set(role, (snapshot.get(role) ?? 0) + stat.cpuMs)
  }
  return snapshot
}

/** CPU microseconds per task for each role between two snapshots, largest first. */
export function cpuPerTask(before: CpuSnapshot, after: CpuSnapshot, tasks: number): [string, number][] {
  const rows: [string, number][] = []
  for (const [role, ms] of after) rows.push([role, ((ms - (before.get(role) ?? 0)) * 1000) / tasks])
  return rows.sort((a, b) => b[1] - a[1])
}
