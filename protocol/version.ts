/**
 * Version of the wire protocol spoken by manager, node-agent, client and dashboard.
 * Peers send it in the Socket.IO handshake; a mismatch is refused with `PROTOCOL_MISMATCH`.
 */
export const PROTOCOL_VERSION = 1
