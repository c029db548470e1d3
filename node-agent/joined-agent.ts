import type { TlsTrustOptions } from '../protocol/index.js'
import { ManagerLink } from './manager-link.js'
import type { AgentBase, NodeAgent, NodeAgentOptions } from './node-agent.js'

/**
 * The joined mode: the agent's pool works for a manager elsewhere, over one link that joins,
 * takes assignments, reports outcomes and heartbeats, and reconnects forever.
 */
export async function startJoinedAgent(
  base: AgentBase,
  join: { host: string; port: number; trust?: TlsTrustOptions },
  options: NodeAgentOptions,
): Promise<NodeAgent> {
  const { nodeId, identity, pool, heartbeat } = base
  if (!options.token) {
    pool.destroy()
    throw new TypeError(
      "no token: pass --token, set ARGON_TOKEN, or run on the manager's machine (it shares the token file)",
    )
  }
  await pool.whenReady(10_000)
  const link = new ManagerLink({
    host: join.host,
    port: join.port,
    trust: join.trust ?? {},
    identity: { ...identity, token: options.token },
    pool,
    heartbeat,
    log: options.log,
    onFatal: options.onFatal,
  })
  base.onOutcome((outcome) => link.report(outcome))
  base.onOutput((pid, chunks) => link.output(pid, chunks))
  return {
    nodeId,
    name: options.name,
    port: undefined,
    fingerprint: undefined,
    async stop(graceMs) {
      link.leaving(pool.takeQueued().map((task) => task.id))
      await pool.close(graceMs)
      await link.close()
    },
    destroy() {
      pool.destroy()
      void link.close()
    },
  }
}
