import { Gauge, Registry } from 'prom-client'
import type { ClusterStatus } from '../protocol/index.js'
import type { Dispatcher } from './dispatcher.js'

/** Prometheus figures at `/metrics`, read from the dispatcher when scraped. */
export function createMetricsExporter(dispatcher: Dispatcher, status: () => ClusterStatus): () => Promise<{ contentType: string; body: string }> {
  const registry = new Registry()
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read())
      },
    })
  gauge('argon_tasks_queued', 'Tasks waiting for a node', () => dispatcher.queued)
  gauge('argon_tasks_pending', 'Tasks held by the manager (waiting or running)', () => dispatcher.pending)
  gauge('argon_tasks_completed_total', 'Tasks answered with a result', () => dispatcher.completed)
  gauge('argon_tasks_failed_total', 'Tasks answered with an error', () => dispatcher.failed)
  gauge('argon_tasks_rejected_total', 'Tasks rejected with QUEUE_FULL', () => dispatcher.rejected)
  gauge('argon_tasks_per_second', 'Tasks answered per second (recent)', () => dispatcher.rate.perSecond())
  // NaN (no value) when no task finished in the last 10 s: an idle cluster has no latency.
  gauge('argon_task_latency_p50_ms', 'Submit-to-answer latency p50 over the last 10 s (NaN when idle)', () => dispatcher.latency.recentPercentiles(0.5)?.[0] ?? Number.NaN)
  gauge('argon_task_latency_p99_ms', 'Submit-to-answer latency p99 over the last 10 s (NaN when idle)', () => dispatcher.latency.recentPercentiles(0.99)?.[0] ?? Number.NaN)
  const nodes = new Gauge({
    name: 'argon_nodes',
    help: 'Nodes by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const counts = { active: 0, draining: 0, offline: 0 }
      for (const node of status().nodes) counts[node.state]++
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count)
    },
  })
  void nodes
  return async () => ({ contentType: registry.contentType, body: await registry.metrics() })
}
