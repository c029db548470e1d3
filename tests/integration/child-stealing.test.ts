/**
 * Taking back tasks that wait in a child: a task measured as short that turns out long holds the
 * task queued behind it in the same child; an idle child of the same agent, or an idle node, takes
 * that one back and runs it. Asserts where tasks ran and the order they finished in, never speed.
 */
import { describe, expect, it } from 'vitest'
import { fixture, markerDir, openClient, startCluster, withTimeout } from './support.js'

interface Ran {
  tag: string
  pid: number
  node: string
}

/**
 * Submits one long task then six short ones of the same (measured) function at once, and waits for
 * all: the long one, estimated short, is placed first and the short ones queue behind it.
 */
async function longThenShorts(
  client: ReturnType<typeof openClient>,
  dir: string,
): Promise<{ ranLong: Ran; ranShort: Ran[]; finished: string[] }> {
  const finished: string[] = []
  const submit = (tag: string, ms: number): Promise<Ran> =>
    client.process<[string, string, number], Ran>(fixture('markAndSleep'), [dir, tag, ms]).then((ran) => {
      finished.push(ran.tag)
      return ran
    })
  const long = submit('long', 4000)
  const shorts = Array.from({ length: 6 }, (_, i) => submit(`short-${i}`, 10))
  const ranShort = await withTimeout(Promise.all(shorts), 30_000, 'the short tasks')
  const ranLong = await withTimeout(long, 30_000, 'the long task')
  return { ranLong, ranShort, finished }
}

describe('stealing from a child', () => {
  it('an idle child takes the short tasks held behind a long one in its sibling', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha', workers: 2 }] })
    const client = openClient(manager)
    const dir = markerDir()
    // Measured at about 10 ms: the agent then queues one more such task behind a running one in a child.
    for (let i = 0; i < 4; i++) await client.process(fixture('markAndSleep'), [dir, `warm-${i}`, 10])
    // Submitted together: the long one (same function, so estimated short) goes first to an idle child.
    const { ranLong, ranShort, finished } = await longThenShorts(client, dir)
    for (const ran of ranShort)
      expect(ran.pid, `${ran.tag} ran in the child busy with the long task`).not.toBe(ranLong.pid)
    expect(finished.at(-1)).toBe('long')
  })

  it('an idle node steals a task held in a child of another node behind a long one; it runs once', async () => {
    const { manager } = await startCluster({
      agents: [
        { name: 'alpha', workers: 1 },
        { name: 'beta', workers: 1 },
      ],
    })
    const client = openClient(manager)
    const dir = markerDir()
    await Promise.all(
      Array.from({ length: 4 }, (_, i) => client.process(fixture('markAndSleep'), [dir, `warm-${i}`, 10])),
    )
    const { ranLong, ranShort, finished } = await longThenShorts(client, dir)
    for (const ran of ranShort) expect(ran.node, `${ran.tag} waited for the long task`).not.toBe(ranLong.node)
    expect(finished.at(-1)).toBe('long')
    // The manager counts what a node handed back for another to run.
    const status = await client.status()
    expect(status.completed).toBeGreaterThanOrEqual(11)
    const stolen = status.nodes.reduce((sum, node) => sum + node.stolen, 0)
    expect(stolen).toBeGreaterThanOrEqual(1)
  })
})
