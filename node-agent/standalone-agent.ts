import {
  FrameBatcher,
  OutcomeFrameWriter,
  readOrCreateTokenFile,
  readOutcomeFrame,
  type TaskOutputChunk,
} from '../protocol/index.js'
import { createManager, type LocalNodeHandle, type Manager } from '../manager/index.js'
import type { PoolOutcome, PoolTask } from './child-pool.js'
import type { AgentBase, NodeAgent, NodeAgentOptions } from './node-agent.js'

/**
 * The stand-alone mode: the agent serves clients itself, with a manager endpoint in this process
 * whose one node is this agent's pool (tasks and outcomes take the same frame path as from a
 * remote agent).
 */
export async function startStandaloneAgent(
  base: AgentBase,
  standalone: NonNullable<NodeAgentOptions['standalone']>,
  options: NodeAgentOptions,
): Promise<NodeAgent> {
  const { nodeId, identity, pool, heartbeat } = base
  const manager: Manager = await createManager({
    host: standalone.host,
    port: standalone.port,
    token: options.token ?? readOrCreateTokenFile(),
    queueSize: standalone.queueSize,
    dashboard: true,
    ...(options.logger ? { logger: options.logger } : {}),
    tls: standalone.tls,
    tlsCert: standalone.tlsCert,
    tlsKey: standalone.tlsKey,
  }).catch((error: unknown) => {
    pool.destroy()
    throw error
  })
  // In process, outcomes take the same frame path as from a remote agent (one reader, one set of checks).
  const writer = new OutcomeFrameWriter()
  const output = new FrameBatcher<TaskOutputChunk>((chunks) => handle.output(chunks))
  const outcomes = new FrameBatcher<PoolOutcome>((batch) => {
    // As from a remote agent: a task's output before its outcome.
    output.flush()
    for (const outcome of batch) {
      if (outcome.ok)
        writer.addResult(outcome.id, outcome.attempt, outcome.ms, undefined, outcome.bytes, outcome.start, outcome.end)
      else writer.addError(outcome.id, outcome.attempt, outcome.ms, outcome.error)
    }
    const frame = readOutcomeFrame(writer.finish())
    if (frame.ok) handle.settled(frame)
    else options.log(`internal error: an outcome frame could not be read back (${frame.message})`)
  })
  // The dispatcher hands over one task at a time; gather them so children still get batches.
  const runs = new FrameBatcher<PoolTask>((tasks) => pool.run(tasks))
  const handle: LocalNodeHandle = manager.attachLocalNode(
    { id: nodeId, name: options.name, host: identity.host, workers: options.workers, version: identity.version },
    {
      run: (task, attempt) =>
        runs.push({
          id: task.id,
          attempt,
          fn: task.fn,
          timeout: task.timeout,
          bytes: task.bytes,
          start: task.start,
          end: task.end,
        }),
      cancel: (request) => pool.cancel(request),
      state: () => undefined,
      scale: (workers) => pool.resize(workers),
    },
  )
  base.onOutcome((outcome) => outcomes.push(outcome))
  base.onOutput((pid, chunks) => {
    for (const chunk of chunks) output.push({ ...chunk, pid }, chunk.text.length)
  })
  // A node gets work from its first heartbeat on.
  handle.heartbeat(heartbeat())
  const beat = setInterval(() => handle.heartbeat(heartbeat()), 1000)
  beat.unref()
  return {
    nodeId,
    name: options.name,
    port: manager.port,
    fingerprint: manager.fingerprint,
    async stop(graceMs) {
      clearInterval(beat)
      handle.leaving(pool.takeQueued().map((task) => task.id))
      await pool.close(graceMs)
      outcomes.flush()
      await manager.close()
    },
    destroy() {
      clearInterval(beat)
      pool.destroy()
      void manager.close()
    },
  }
}
