import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import NodeMap from '../../../renderer/src/components/NodeMap.svelte'
import Sparkline from '../../../renderer/src/components/Sparkline.svelte'
import SummaryStrip from '../../../renderer/src/components/SummaryStrip.svelte'
import ThroughputChart from '../../../renderer/src/components/ThroughputChart.svelte'
import { summarize } from '../../../renderer/src/lib/cluster-store.svelte.js'
import { formatRate } from '../../../renderer/src/lib/format.js'
import { MetricSeries } from '../../../renderer/src/lib/metric-series.js'
import { NodeTrends } from '../../../renderer/src/lib/node-trends.js'
import { partitionNodes } from '../../../renderer/src/lib/node-view.js'
import { makeMetrics, makeNode, makeStatus } from './fixtures.js'
import { stubResizeObserver } from './render-dashboard.js'

// jsdom has no canvas; the chart is drawn in real Chromium by the e2e tests.
const setData = vi.fn()
vi.mock('uplot', () => ({
  default: class {
    setData(...args: unknown[]) {
      setData(...args)
    }
    setSize() {}
    destroy() {}
  },
}))

beforeEach(stubResizeObserver)

describe('figures that are true now', () => {
  it('shows no latency when no task finished in the last seconds', () => {
    render(SummaryStrip, { summary: summarize(makeStatus([makeNode()]), makeMetrics(1, { p50Ms: null, p99Ms: null })) })
    expect(screen.getByTestId('summary-latency').textContent).toContain('— / —')
    expect(screen.getByTestId('summary-latency').textContent).toContain('idle')
  })

  it('counts offline nodes in neither zone: they are a group of their own', () => {
    const nodes = [
      makeNode({ name: 'up' }),
      makeNode({ name: 'gone', state: 'offline' }),
      makeNode({ name: 'gone-drained', state: 'offline', drained: true }),
    ]
    render(NodeMap, {
      zones: partitionNodes(nodes),
      pendingNames: new Set<string>(),
      onMove: vi.fn(),
      onDismiss: vi.fn(),
    })
    expect(within(screen.getByTestId('zone-in-rotation')).getAllByTestId('node-card')).toHaveLength(1)
    const offline = screen.getByTestId('zone-offline')
    expect(
      within(offline)
        .getAllByTestId('node-card')
        .map((card) => card.getAttribute('data-node-name')),
    ).toEqual(['gone', 'gone-drained'])
    expect(within(offline).getByTestId('zone-count').textContent).toBe('2')
    const summary = summarize(makeStatus(nodes), null)
    expect([summary.nodesActive, summary.nodesOffline]).toEqual([1, 2])
  })

  it('keeps a short per-node history, one sample a second, and draws it as sparklines', () => {
    const trends = new NodeTrends()
    expect(trends.add([makeNode({ id: 'a', tasksPerSecond: 2 })], 1000)).toBe(true)
    expect(trends.add([makeNode({ id: 'a', tasksPerSecond: 9 })], 1500)).toBe(false)
    trends.add([makeNode({ id: 'a', tasksPerSecond: 4 })], 2000)
    expect(trends.get('a')?.tasksPerSecond).toEqual([2, 4])
    // Older than the window falls off; a node that is gone takes its history with it.
    trends.add([makeNode({ id: 'a', tasksPerSecond: 6 })], 1000 + 5 * 60 * 1000 + 1)
    expect(trends.get('a')?.tasksPerSecond).toEqual([4, 6])
    trends.add([], 400_000)
    expect(trends.get('a')).toBeUndefined()

    render(Sparkline, { values: [1, 3, 2], version: 1, label: 'tasks/s', format: formatRate })
    const line = screen.getByTestId('sparkline')
    expect(line.querySelector('polyline')?.getAttribute('points')?.trim().split(' ')).toHaveLength(3)
    expect(line.getAttribute('title')).toContain('now 2.0, peak 3.0')
  })

  it('offers 1/5/15/60-minute ranges and shows the newest figures without hovering', async () => {
    const series = new MetricSeries()
    series.seed([makeMetrics(1_700_000_000_000, { tasksPerSecond: 12, queued: 3, p99Ms: 42 })])
    render(ThroughputChart, { series, version: 1 })
    const legend = screen.getByTestId('chart-legend').textContent ?? ''
    expect(legend).toContain('12')
    expect(legend).toContain('3')
    expect(legend).toContain('42 ms')
    for (const minutes of [1, 5, 15, 60]) expect(screen.getByTestId(`chart-range-${minutes}`)).toBeTruthy()
    expect(screen.getByTestId('chart-range-15').getAttribute('aria-pressed')).toBe('true')
    setData.mockClear()
    await fireEvent.click(screen.getByTestId('chart-range-60'))
    expect(screen.getByTestId('chart-range-60').getAttribute('aria-pressed')).toBe('true')
    // A new range redraws the chart.
    expect(setData).toHaveBeenCalled()
  })
})
