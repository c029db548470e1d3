/**
 * A user's program on the client host: the real `Client`, driven by the test over stdin/stdout
 * (one JSON object a line each way), since the test itself runs outside the host's namespace.
 *
 * It also taps Socket.IO below the Client, to count the answers for each task id that actually
 * arrive on the wire (the Client would hide a duplicate) and to report connects and disconnects.
 *
 *   in:  {"id":1,"op":"submit","batch":"a","dir":"/tmp/x","count":20,"ms":300}
 *   out: {"id":1,"ok":true,"value":{...}}        or  {"event":"disconnect","reason":"ping timeout"}
 */
import { get as httpsGet } from 'node:https'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Socket } from 'socket.io-client'
import { Client } from '../../client/index.js'
import { parseFingerprint, pinnedAgent } from '../../protocol/index.js'

const TASKS = fileURLToPath(new URL('./tasks.mjs', import.meta.url))

type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string }

const answersOnWire = new Map<string, number>()
const say = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`)

// Socket.IO's internal hooks, wrapped for counting only; behaviour is unchanged.
const socketInternals = Socket.prototype as unknown as {
  onevent: (this: Socket, packet: { data: unknown[] }) => void
  emitReserved: (this: Socket, event: string, ...args: unknown[]) => void
}
const onevent = socketInternals.onevent
socketInternals.onevent = function (packet) {
  const [event, outcomes] = packet.data
  if (event === 'task:settled' && Array.isArray(outcomes)) {
    for (const outcome of outcomes as { id?: unknown }[]) {
      if (typeof outcome?.id === 'string') answersOnWire.set(outcome.id, (answersOnWire.get(outcome.id) ?? 0) + 1)
    }
  }
  return onevent.call(this, packet)
}
const emitReserved = socketInternals.emitReserved
socketInternals.emitReserved = function (event, ...args) {
  if (event === 'connect') say({ event: 'connect', at: Date.now() })
  if (event === 'disconnect') say({ event: 'disconnect', reason: String(args[0]), at: Date.now() })
  return emitReserved.call(this, event, ...args)
}

const [host = '127.0.0.1', port = '8000', token = '', fingerprint] = process.argv.slice(2)
const client = new Client({ host, port: Number(port), token, fingerprint, connectTimeout: 60_000 })

/** GET over https with the manager's certificate pinned, as the Client does. */
function getPinned(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpsGet(
      url,
      { agent: pinnedAgent(parseFingerprint(fingerprint ?? '')), timeout: 10_000 },
      (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (body += chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: body.slice(0, 4000) }))
      },
    )
    request.on('timeout', () => request.destroy(new Error('timed out')))
    request.on('error', reject)
  })
}
const batches = new Map<string, Promise<Outcome[]>>()

async function handle(op: string, request: Record<string, unknown>): Promise<unknown> {
  switch (op) {
    case 'submit': {
      const { batch, dir, count, ms } = request as { batch: string; dir: string; count: number; ms: number }
      const calls = Array.from({ length: count }, (_, index) =>
        client
          .process<[string, string, number], unknown>({ module: TASKS, export: 'recordRun' }, [
            dir,
            `${batch}-${index}`,
            ms,
          ])
          .then(
            (value): Outcome => ({ ok: true, value }),
            (error: { code?: string; message?: string }): Outcome => ({
              ok: false,
              code: String(error.code),
              message: String(error.message),
            }),
          ),
      )
      batches.set(batch, Promise.all(calls))
      return { submitted: count }
    }
    case 'settle': {
      const outcomes = await batches.get(String(request.batch))
      if (!outcomes) throw new Error(`no batch ${String(request.batch)}`)
      return outcomes
    }
    case 'answers': {
      const duplicates = [...answersOnWire].filter(([, count]) => count > 1).map(([id, count]) => ({ id, count }))
      return { ids: answersOnWire.size, duplicates }
    }
    case 'status':
      return client.status()
    case 'fetch': {
      if (String(request.url).startsWith('https:')) return getPinned(String(request.url))
      const response = await fetch(String(request.url), { signal: AbortSignal.timeout(10_000) })
      return { status: response.status, body: (await response.text()).slice(0, 4000) }
    }
    case 'close':
      await client.close()
      return null
    default:
      throw new Error(`unknown op ${op}`)
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const request = JSON.parse(line) as { id: number; op: string } & Record<string, unknown>
  handle(request.op, request).then(
    (value) => say({ id: request.id, ok: true, value }),
    (error: Error) => say({ id: request.id, ok: false, error: error.message }),
  )
})
say({ event: 'ready' })
