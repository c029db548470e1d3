import type { TaskQuery, TaskRecord } from './cluster.js'

/**
 * True when `record` passes every filter of `query` (paging aside). Shared by the manager's
 * history and the dashboard, which also applies it to tasks streamed after a search ran.
 * Free of the schema library so the dashboard can use it without bundling it.
 */
export function matchesTaskQuery(record: TaskRecord, query: TaskQuery): boolean {
  if (query.status !== undefined && !query.status.includes(record.status)) return false
  if (query.failed === true && record.status === 'succeeded') return false
  if (query.node !== undefined && record.node !== query.node) return false
  if (query.id !== undefined && record.id !== query.id) return false
  if (query.idPrefix !== undefined && !record.id.startsWith(query.idPrefix)) return false
  if (query.fn !== undefined && !record.label.toLowerCase().includes(query.fn.toLowerCase())) return false
  if (query.text !== undefined) {
    const text = query.text.trim()
    if (
      !record.id.startsWith(text) &&
      !record.id.includes(text) &&
      !record.label.toLowerCase().includes(text.toLowerCase())
    )
      return false
  }
  if (query.since !== undefined && record.finishedAt < query.since) return false
  if (query.until !== undefined && record.finishedAt >= query.until) return false
  return true
}
