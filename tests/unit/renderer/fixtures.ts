import type {
  ClusterMetrics,
  ClusterStatus,
  DashboardUpdate,
  NodeStatus,
  TaskRecord,
} from '../../../protocol/cluster.js'

/** A connected, in-rotation node with a few finished tasks; override what a test is about. */
export function makeNode(overrides: Partial<NodeStatus> = {}): NodeStatus {
  return {
    id: `id-${overrides.name ?? 'node-1'}`,
    name: 'node-1',
    host: '10.0.0.11',
    workers: 4,
    busy: 1,
    assigned: 1,
    running: 1,
    waiting: 0,
    estimateMs: 40,
    stolen: 0,
    state: 'active',
    drained: false,
    completed: 120,
    failed: 2,
    tasksPerSecond: 3.5,
    avgTaskMs: 40,
    cpu: 0.8,
    memoryBytes: 180 * 1024 * 1024,
    uptimeSeconds: 3725,
    workerBusy: [true, false, false, false],
    connectedAt: 1_700_000_000_000,
    lastSeenAt: 1_700_000_100_000,
    version: '0.1.0',
    ...overrides,
  }
}

export function makeStatus(nodes: NodeStatus[], overrides: Partial<ClusterStatus> = {}): ClusterStatus {
  return {
    nodes,
    queued: 0,
    queueLimit: 1000,
    running: 0,
    clients: 1,
    completed: 0,
    failed: 0,
    rejected: 0,
    ...overrides,
  }
}

export function makeMetrics(at: number, overrides: Partial<ClusterMetrics> = {}): ClusterMetrics {
  return { at, tasksPerSecond: 10, p50Ms: 4, p99Ms: 20, queued: 0, ...overrides }
}

export function makeTask(id: string, overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id,
    label: '(x) => x * 2',
    node: 'node-1',
    durationMs: 12,
    status: 'succeeded',
    finishedAt: 1_700_000_000_000,
    attempts: 1,
    ...overrides,
  }
}

/** An update as the manager pushes it; `first` adds the history that marks a snapshot. */
export function makeUpdate(
  nodes: NodeStatus[],
  options: { at?: number; first?: boolean } & Partial<DashboardUpdate> = {},
): DashboardUpdate {
  const at = options.at ?? 1_700_000_000_000
  return {
    status: options.status ?? makeStatus(nodes),
    metrics: options.metrics ?? makeMetrics(at),
    events: options.events ?? [],
    tasks: options.tasks ?? [],
    history: options.history ?? (options.first ? [makeMetrics(at - 2000), makeMetrics(at - 1000)] : undefined),
    joinCommands: options.joinCommands ?? ['ARGON_TOKEN=t node-agent --join 10.0.0.1:8000 --fingerprint sha256:ab12'],
  }
}

/**
 * A jsdom global by name. These tests are also compiled by the project-wide typecheck, which has
 * no DOM library, so they never name `window` or `document` directly.
 */
export function browserGlobal<T>(name: 'window' | 'document' | 'navigator'): T {
  return Reflect.get(globalThis, name) as T
}

/** The current value of an input element. */
export function valueOf(element: object): string {
  return (element as { value?: string }).value ?? ''
}
