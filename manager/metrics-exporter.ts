import { Counter, Gauge, Registry } from 'prom-client'
import type { ClusterStatus } from '../protocol/index.js'
import type { Dispatcher } from './dispatcher.js'

/** Prometheus figures at `/metrics`, read from the dispatcher when scraped. */
export function createMetricsExporter(
  dispatcher: Dispatcher,
  status: () => ClusterStatus,
  dataLinks: () => number,
): () => Promise<{ contentType: string; body: string }> {
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
  gauge(
    'argon_data_links',
    'Client and agent connections on a data link; the others run on their WebSocket (slower)',
    dataLinks,
  )
  gauge('argon_tasks_pending', 'Tasks held by the manager (waiting or running)', () => dispatcher.pending)
  // Running totals kept by the dispatcher, exposed as counters: set to the total when scraped.
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset()
        this.inc(read())
      },
    })
  counter('argon_tasks_completed_total', 'Tasks answered with a result', () => dispatcher.completed)
  counter('argon_tasks_failed_total', 'Tasks answered with an error', () => dispatcher.failed)
  counter('argon_tasks_rejected_total', 'Tasks rejected with QUEUE_FULL', () => dispatcher.rejected)
  counter(
    'argon_tasks_stolen_total',
    'Tasks a node handed back unstarted to run on an idle node (work stealing)',
    () => dispatcher.stolen,
  )
  counter(
    'argon_node_answers_refused_total',
    'Answers from a node for a task it was never given (refused, never passed on)',
    () => dispatcher.forged,
  )
  gauge('argon_tasks_per_second', 'Tasks answered per second (recent)', () => dispatcher.rate.perSecond())
  // NaN (no value) when no task finished in the last 10 s: an idle cluster has no latency.
  gauge(
    'argon_task_latency_p50_ms',
    'Submit-to-answer latency p50 over the last 10 s (NaN when idle)',
    () => dispatcher.latency.recentPercentiles(0.5)?.[0] ?? Number.NaN,
  )
  gauge(
    'argon_task_latency_p99_ms',
    'Submit-to-answer latency p99 over the last 10 s (NaN when idle)',
    () => dispatcher.latency.recentPercentiles(0.99)?.[0] ?? Number.NaN,
  )
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
  const stolenPerNode = new Counter({
    name: 'argon_node_tasks_stolen_total',
    help: 'Tasks taken back from this node by work stealing',
    labelNames: ['node'],
    registers: [registry],
    collect() {
      this.reset()
      for (const node of status().nodes) this.inc({ node: node.name }, node.stolen)
    },
  })
  const held = new Gauge({
    name: 'argon_node_tasks',
    help: 'Tasks a node holds, by whether they run on a worker or wait there',
    labelNames: ['node', 'state'],
    registers: [registry],
    collect() {
      this.reset()
      for (const node of status().nodes) {
        this.set({ node: node.name, state: 'running' }, node.running)
        this.set({ node: node.name, state: 'waiting' }, node.waiting)
      }
    },
  })
  const estimate = new Gauge({
    name: 'argon_node_estimate_ms',
    help: "The manager's estimate of when a node's tasks are done, ms from now",
    labelNames: ['node'],
    registers: [registry],
    collect() {
      this.reset()
      for (const node of status().nodes) this.set({ node: node.name }, node.estimateMs)
    },
  })
  gauge('argon_dispatch_paused', '1 while an operator has paused dispatch (tasks queue), else 0', () =>
    dispatcher.paused ? 1 : 0,
  )
  const workers = new Gauge({
    name: 'argon_node_workers',
    help: 'Worker processes of each connected node (follows runtime resizes)',
    labelNames: ['node'],
    registers: [registry],
    collect() {
      this.reset()
      for (const node of status().nodes) if (node.state !== 'offline') this.set({ node: node.name }, node.workers)
    },
  })
  void [stolenPerNode, held, estimate, workers]
  return async () => ({ contentType: registry.contentType, body: await registry.metrics() })
}
