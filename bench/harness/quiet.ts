/**
 * A benchmark on a shared machine measures the neighbours too. Before each measurement the run
 * waits (bounded) until the machine is nearly idle while the system under test sits idle, and
 * reports how busy it was, so a noisy number can be recognised as such.
 */
import { cpus } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'

interface CpuTimes {
  busy: number
  total: number
}

function cpuTimes(): CpuTimes {
  let busy = 0
  let total = 0
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle
    busy += all - times.idle
    total += all
  }
  return { busy, total }
}

/** Fraction (0..1) of all cores' time spent busy during the next `windowMs`. */
export async function busyFraction(windowMs: number): Promise<number> {
  const before = cpuTimes()
  await sleep(windowMs)
  const after = cpuTimes()
  const total = after.total - before.total
  return total > 0 ? (after.busy - before.busy) / total : 0
}

/**
 * Waits until one `windowMs` window is at most `maxBusy` busy, or `timeoutMs` has passed.
 * Resolves with the last observed busy fraction (so the caller can report it).
 */
export async function waitForQuiet(options: { maxBusy: number; windowMs: number; timeoutMs: number }): Promise<number> {
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    const busy = await busyFraction(options.windowMs)
    if (busy <= options.maxBusy || Date.now() >= deadline) return busy
  }
}
