import { describe, expect, it } from 'vitest'
import { ActivityLog } from '../../../manager/activity-log.js'
import { ClusterControls } from '../../../manager/cluster-controls.js'
import { encodeValue } from '../../../protocol/index.js'
import { joinNode, RecordingLink, testDispatcher } from '../../helpers/dispatcher-harness.js'

/** A node whose pool can be resized; it records the sizes asked for. */
class ScalableLink extends RecordingLink {
  readonly scales: number[] = []
  scale(workers: number): void {
    this.scales.push(workers)
  }
}

function setup() {
  const activity = new ActivityLog()
  const dispatcher = testDispatcher(() => undefined, { activity })
  const controls = new ClusterControls(dispatcher, activity, () => dispatcher.status(0))
  const link = new ScalableLink()
  const { runs, scales } = link
  joinNode(dispatcher, link, 'id-a', 1, 'a')
  const submit = (count: number) =>
    dispatcher.submit(
      'client-1',
      Array.from({ length: count }, (_, i) => ({
        id: `t${runs.length}-${i}-${Math.random()}`,
        fn: { kind: 'source' as const, source: '(x) => x' },
        args: encodeValue([i]),
      })),
    )
  return { dispatcher, controls, activity, runs, scales, submit }
}

describe('ClusterControls', () => {
  it('pauses dispatch (tasks queue, none is sent) and resumes it with what queued', () => {
    const { controls, runs, submit, activity } = setup()
    expect(controls.pause().paused).toBe(true)
    submit(3)
    expect(runs).toHaveLength(0)
    expect(controls.pause().queued).toBe(3)
    const resumed = controls.resume()
    expect(resumed.paused).toBe(false)
    expect(runs.length).toBeGreaterThan(0)
    expect(activity.recentEvents().map((event) => event.kind)).toEqual([
      'node-joined',
      'cluster-paused',
      'cluster-resumed',
    ])
  })

  it('resizes a connected node: the agent is told, the window grows at once', () => {
    const { controls, runs, scales, submit } = setup()
    submit(4)
    const before = runs.length
    const node = controls.scale('a', 3)
    expect(node.workers).toBe(3)
    expect(scales).toEqual([3])
    expect(runs.length).toBeGreaterThan(before)
    // The same size again changes nothing; unknown names are NOT_FOUND.
    controls.scale('a', 3)
    expect(scales).toEqual([3])
    expect(() => controls.scale('nobody', 2)).toThrow(/no node named nobody/)
  })
})
