import type { NodeTrends } from './node-trends.js'
import type { Zone } from './node-view.js'

/** MIME type a dragged node card carries its node name in. */
export const NODE_DRAG_TYPE = 'application/x-argon-node'

/**
 * What every card of the node map shares, passed down as one object (NodeMap → RotationZone →
 * NodeGrid → each NodeCard): the operator's actions and the map's state they depend on.
 */
export interface SharedCardProps {
  /** Names of nodes with a move or dismiss awaiting the manager's answer. */
  readonly pendingNames: ReadonlySet<string>
  readonly onMove: (name: string, zone: Zone) => void
  readonly onDismiss: (name: string) => void
  readonly onDragStart: (name: string, zone: Zone) => void
  readonly onDragEnd: () => void
  /** Per-node history for the cards' sparklines. */
  readonly trends?: NodeTrends
  readonly trendsVersion: number
  /** Resizes a node's pool (absent: no resize control). */
  readonly onScale?: (name: string, workers: number) => void
}
