/** The `argon` commands' view of the cluster, independently of the dashboard. */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { ClusterStatus, TaskRecord } from '../../protocol/cluster.js'
import { ARGON_BIN, managerFlags } from './processes.js'

const run = promisify(execFile)

export async function clusterStatus(manager: { address: string; token: string }): Promise<ClusterStatus> {
  const { stdout } = await run(process.execPath, [ARGON_BIN, 'nodes', '--json', ...managerFlags(manager)], {
    timeout: 60_000,
  })
  return JSON.parse(stdout) as ClusterStatus
}

/** `argon tasks --json …`: the manager's task history, independently of the dashboard. */
export async function taskHistory(
  manager: { address: string; token: string },
  args: string[] = [],
): Promise<TaskRecord[]> {
  const { stdout } = await run(process.execPath, [ARGON_BIN, 'tasks', ...args, '--json', ...managerFlags(manager)], {
    timeout: 60_000,
  })
  return JSON.parse(stdout) as TaskRecord[]
}
