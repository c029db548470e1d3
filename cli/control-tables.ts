/** What the control commands print for people: the node, task and job tables, and one-line summaries. */
import type { ClusterStatus, JobStatus, NodeStatus, TaskRecord } from '../protocol/index.js'

/** Rows as aligned columns, two spaces apart, with no trailing blanks. */
function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** A text cut to `max` characters, with an ellipsis when cut. */
function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** The seed's STATUS, as a table; an empty cluster says how to add a node to `manager`. */
export function formatStatus(status: ClusterStatus, manager = 'HOST:PORT'): string {
  if (status.nodes.length === 0) {
    return `No nodes have joined this manager yet. Add one with:\n  node-agent --join ${manager}\n(on another machine add --token, as \`argon manager\` printed; \`argon demo\` runs a whole cluster on this one)\n\n${formatQueue(status)}`
  }
  const rows = [
    ['NAME', 'STATE', 'HOST', 'WORKERS', 'RUNNING', 'WAITING', 'ESTIMATE', 'STOLEN', 'COMPLETED', 'FAILED', 'ID'],
  ]
  for (const node of status.nodes) {
    rows.push([
      node.name,
      node.state + (node.drained && node.state === 'offline' ? ' (drained)' : ''),
      node.host,
      String(node.workers),
      String(node.running),
      String(node.waiting),
      node.assigned > 0 ? formatEstimate(node.estimateMs) : '-',
      String(node.stolen),
      String(node.completed),
      String(node.failed),
      node.id,
    ])
  }
  return `${formatTable(rows)}\n\n${formatQueue(status)}`
}

/** The manager's estimate of when a node's tasks are done: `850ms`, `12.5s`. */
function formatEstimate(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`
}

function formatQueue(status: ClusterStatus): string {
  const limit = status.queueLimit === null ? 'unbounded' : String(status.queueLimit)
  return `queued ${status.queued} (limit ${limit}), running ${status.running}, clients ${status.clients}, completed ${status.completed}, failed ${status.failed}, rejected ${status.rejected}${status.paused ? '\nDISPATCH PAUSED: tasks queue until `argon resume`' : ''}`
}

/** One node's rotation state, as `argon drain` / `argon resume NAME` print it. */
export function formatNode(node: NodeStatus): string {
  return `${node.name}: ${node.state}${node.drained ? ' (out of rotation)' : ''}, ${node.assigned} running`
}

/** The task table of `argon tasks`. */
export function formatTasks(tasks: readonly TaskRecord[]): string {
  if (tasks.length === 0) return 'no task matches'
  const rows = [['FINISHED', 'ID', 'STATUS', 'NODE', 'DURATION', 'FUNCTION', 'ERROR']]
  for (const task of tasks) {
    const error = task.error ? `${task.error.code}: ${task.error.message.replace(/\s+/g, ' ')}` : ''
    rows.push([
      new Date(task.finishedAt).toISOString().replace('T', ' ').slice(0, 23),
      task.id,
      task.status + (task.attempts > 1 ? ` x${task.attempts}` : ''),
      task.node ?? '-',
      task.durationMs < 1000 ? `${task.durationMs.toFixed(1)} ms` : `${(task.durationMs / 1000).toFixed(2)} s`,
      cut(task.label, 40),
      cut(error, 80),
    ])
  }
  return formatTable(rows)
}

/** `3.2s`, `4m 10s`, `2h 5m`: a duration for people. */
function formatEta(ms: number): string {
  const seconds = Math.round(ms / 1000)
  if (seconds < 60) return `${Math.max(0, ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`
}

/** The job table of `argon jobs`. */
export function formatJobs(jobs: readonly JobStatus[]): string {
  if (jobs.length === 0) return 'no jobs (a client starts one with client.map or client.job(name))'
  const rows = [['ID', 'NAME', 'STATE', 'PROGRESS', 'DONE', 'FAILED', 'RUNNING', 'TOTAL', 'RATE', 'ETA', 'CLIENT']]
  for (const job of jobs) {
    const settled = job.done + job.failed
    const percent = job.total > 0 ? `${Math.floor((settled * 100) / job.total)}%` : '-'
    rows.push([
      String(job.id),
      cut(job.name, 40),
      job.state + (job.state === 'running' && !job.clientConnected ? ' (client away)' : ''),
      percent,
      String(job.done),
      String(job.failed),
      String(job.inFlight),
      String(job.total),
      `${job.rate.toFixed(job.rate < 10 ? 1 : 0)}/s`,
      job.etaMs === null ? '-' : formatEta(job.etaMs),
      job.client,
    ])
  }
  return formatTable(rows)
}
