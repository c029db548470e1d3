import { describe, expect, it } from 'vitest'
import { encodeValue, type TaskSubmission } from '../../../protocol/index.js'
import { createMetricsExporter } from '../../../manager/metrics-exporter.js'
import { joinNode, RecordingLink, testDispatcher } from '../../helpers/dispatcher-harness.js'

const submission = (id: string): TaskSubmission => ({
  id,
  fn: { kind: 'source', source: '(a) => a' },
  args: encodeValue([1]),
})

describe('Prometheus metrics', () => {
  it('exposes every running total (_total) as a counter, with the dispatcher’s figures', async () => {
    const link = new RecordingLink()
    const { runs } = link
    const dispatcher = testDispatcher(() => undefined, { queueSize: 2 })
    joinNode(dispatcher, link, 'n1', 1, 'alpha')
    dispatcher.nodeConnected({ id: 'n2', name: 'beta', host: 'h', workers: 1, version: '0' }, link)
    // Two held (the limit), the third rejected.
    dispatcher.submit('c1', [submission('a'), submission('b'), submission('c')])
    const first = runs[0]!
    dispatcher.nodeSettled('n1', [{ id: first.id, attempt: first.attempt, ok: true, result: encodeValue(1), ms: 1 }])
    // An answer from a node for a task it was never given is refused and counted.
    dispatcher.nodeSettled('n2', [{ id: 'b', attempt: 1, ok: true, result: encodeValue(1), ms: 1 }])

    const metrics = createMetricsExporter(
      dispatcher,
      () => dispatcher.status(0),
      () => 3,
    )
    const { body } = await metrics()
    const totals = [...body.matchAll(/^# TYPE (\w+_total) (\w+)$/gm)]
    expect(totals.length).toBeGreaterThanOrEqual(5)
    for (const [, name, type] of totals) expect(`${name} ${type}`).toBe(`${name} counter`)
    expect(body).toMatch(/^argon_tasks_completed_total 1$/m)
    expect(body).toMatch(/^argon_tasks_rejected_total 1$/m)
    expect(body).toMatch(/^argon_tasks_failed_total 0$/m)
    expect(body).toMatch(/^argon_node_answers_refused_total 1$/m)
    expect(body).toMatch(/^argon_data_links 3$/m)
    // Scraped again, a counter reports the same total (it is not added twice).
    expect((await metrics()).body).toMatch(/^argon_tasks_completed_total 1$/m)
  })
})
