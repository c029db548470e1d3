/**
 * Socket.IO's disconnect reasons in words an operator reads, and whether the agent left on
 * purpose (`node-left`) or was lost (`node-lost`).
 */
const PLAIN: Record<string, string> = {
  'transport close': 'its connection closed (the agent process or its machine stopped, or the network dropped)',
  'transport error': 'a network error broke its connection',
  'ping timeout': 'it stopped answering heartbeats',
  'parse error': 'it sent a frame that could not be read',
  'forced close': 'its connection was closed',
  'server shutting down': 'the manager is shutting down',
  'server namespace disconnect': 'the manager closed its link',
  'forced server close': 'the manager closed its link',
  'client namespace disconnect': 'the agent closed its link',
  'replaced by a new connection': 'it reconnected on a new link',
  detached: 'the local pool was detached',
}

export function plainDisconnectReason(reason: string): string {
  return PLAIN[reason] ?? reason
}

/** The event a node's disconnection makes: `left` when it said goodbye first, `lost` otherwise. */
export function describeDisconnect(
  name: string,
  reason: string,
  saidGoodbye: boolean,
  requeued: number,
): { kind: 'node-left' | 'node-lost'; message: string } {
  const graceful = saidGoodbye || reason === 'client namespace disconnect'
  const tasks = requeued > 0 ? `; ${requeued} unfinished task(s) went back to the queue` : ''
  return graceful
    ? { kind: 'node-left', message: `${name} left: the agent stopped${tasks}` }
    : { kind: 'node-lost', message: `${name} lost: ${plainDisconnectReason(reason)}${tasks}` }
}
