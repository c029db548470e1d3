/**
 * The manager's memory per queued task: a real `argon manager` with no node, a client that
 * submits N tasks (they all wait), and the manager's resident memory before and after, read
 * from /proc. Resident memory includes garbage not yet collected, so the figure errs high.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client } from '../../client/index.js'
import { spawnNode } from '../harness/processes.js'
import { add } from '../harness/task-functions.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const TOKEN = 'bench-token-0123456789abcdef'

function residentBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!match) throw new Error('no VmRSS in /proc')
  return Number(match[1]) * 1024
}

export interface QueuedMemory {
  tasks: number
  bytesPerTask: number
  residentBeforeMb: number
  residentAfterMb: number
}

/** Queues `count` tasks on a node-less manager and measures its resident memory per task. */
export async function queuedMemory(count: number, limitMs: number): Promise<QueuedMemory> {
  const home = mkdtempSync(join(tmpdir(), 'argon-bench-'))
  const manager = spawnNode(
    'argon manager (queue)',
    join(ROOT, 'dist/cli/argon.js'),
    ['manager', '--host', '127.0.0.1', '--port', '0', '--token', TOKEN],
    { env: { ARGON_HOME: home } },
  )
  let queued: Client | undefined
  try {
    const port = Number((await manager.waitFor(/listening on http:\/\/[^\s:]+:(\d+)/))[1])
    queued = new Client({ host: '127.0.0.1', port, token: TOKEN })
    await queued.status()
    const before = residentBytes(manager.pid)
    const deadline = Date.now() + limitMs
    const chunk = 50_000
    for (let sent = 0; sent < count;) {
      const n = Math.min(chunk, count - sent)
      for (let i = 0; i < n; i++) queued.defer(add, [sent + i, 1])
      sent += n
      // The manager answers a status request after the frames sent before it: this chunk is in.
      const status = await queued.status()
      if (status.queued < sent) throw new Error(`only ${status.queued} of ${sent} tasks queued`)
      if (Date.now() > deadline) throw new Error(`queuing ${count} tasks took over ${limitMs} ms`)
    }
    const after = residentBytes(manager.pid)
    return {
      tasks: count,
      bytesPerTask: (after - before) / count,
      residentBeforeMb: before / 2 ** 20,
      residentAfterMb: after / 2 ** 20,
    }
  } finally {
    await manager.stop()
    await queued?.close()
    rmSync(home, { recursive: true, force: true })
  }
}
