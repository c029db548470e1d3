import { nodeNameProblem } from '../protocol/frame-layout.js'
import type { NodeHeartbeat, NodeTaskOutcome, OutcomeFrame, TaskOutputChunk } from '../protocol/index.js'
import type { Dispatcher } from './dispatcher.js'
import type { NodeIdentity, NodeLink } from './node-entry.js'
import type { TaskOutputs } from './output/task-outputs.js'

/** Handle for an in-process node (a stand-alone agent runs its own pool this way). */
export interface LocalNodeHandle {
  settled(outcomes: OutcomeFrame | NodeTaskOutcome[]): void
  heartbeat(beat: NodeHeartbeat): void
  leaving(returned: string[]): void
  /** What the node's tasks wrote to stdout/stderr, before their outcomes. */
  output(chunks: TaskOutputChunk[]): void
  detach(): void
}

/**
 * Attaches a node that lives in the manager's process: it reaches the dispatcher by calls where a
 * remote agent sends messages on the node namespace.
 *
 * @example
 * ```ts
 * const node = attachLocalNode(dispatcher, outputs, identity, link)
 * node.heartbeat(beat)     // eligible for work from here on
 * node.settled(outcomes)
 * node.detach()
 * ```
 * @throws TypeError when the node's name is not one a frame carries (nodeNameProblem).
 */
export function attachLocalNode(
  dispatcher: Dispatcher,
  outputs: TaskOutputs,
  identity: NodeIdentity,
  link: NodeLink,
): LocalNodeHandle {
  // A remote node's name is checked at its handshake; this one is checked here, before anything of
  // it is registered (an outcome frame cannot carry a longer name).
  const problem = nodeNameProblem(identity.name)
  if (problem !== undefined) throw new TypeError(problem)
  dispatcher.nodeConnected(identity, link)
  return {
    settled: (outcomes) => void dispatcher.nodeSettled(identity.id, outcomes),
    heartbeat: (beat) => dispatcher.heartbeat(identity.id, beat),
    leaving: (returned) => dispatcher.nodeLeaving(identity.id, returned),
    output: (chunks) => void outputs.fromNode(identity.id, identity.name, chunks),
    detach: () => dispatcher.nodeDisconnected(identity.id, 'detached'),
  }
}
