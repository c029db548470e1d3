/**
 * Version of the wire protocol spoken by manager, node-agent, client and dashboard.
 * Peers send it in the Socket.IO handshake; a mismatch is refused with `PROTOCOL_MISMATCH`.
 * 2: tasks and outcomes travel as columnar batch frames (protocol/batch-frame.ts).
 * 3: machine connections move their packets to a data link (protocol/data-link.ts).
 */
export const PROTOCOL_VERSION = 3
