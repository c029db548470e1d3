import { render } from '@testing-library/svelte'
import { vi } from 'vitest'
import Dashboard from '../../../renderer/src/components/Dashboard.svelte'
import type { ClusterStore } from '../../../renderer/src/lib/cluster-store.svelte.js'

/** jsdom has no ResizeObserver: one that never calls back (call in beforeEach; unstub after). */
export function stubResizeObserver(): void {
  vi.stubGlobal(
    'ResizeObserver',
    class {
      observe() {}
      disconnect() {}
    },
  )
}

/** The connected dashboard for `store`, with a spy for every callback; `overrides` replace props. */
export function renderDashboard(store: ClusterStore, overrides: Record<string, unknown> = {}) {
  const props = {
    store,
    phase: 'connected' as const,
    managerHost: '10.0.0.1:8000',
    notices: [],
    onMove: vi.fn(),
    onDismissNode: vi.fn(),
    onDismissNotice: vi.fn(),
    onSignOut: vi.fn(),
    ...overrides,
  }
  render(Dashboard, props)
  return props
}
