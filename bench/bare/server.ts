/**
 * Bare chain, second hop: a Socket.IO server that forks N children and hands each `run` event to
 * the next child in turn (round robin). No queue, no scheduling, no batching: a child that is
 * busy simply has the message waiting on its IPC channel.
 *
 * Usage: node server.js WORKERS
 */
import { fork, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Server } from 'socket.io'

interface RunRequest {
  source: string
  args: unknown[]
}
type Ack = (result: unknown) => void

const workers = Number(process.argv[2] ?? '1')
const childScript = fileURLToPath(new URL('./child.js', import.meta.url))

const pending = new Map<number, Ack>()
let nextId = 0
let turn = 0

const children: ChildProcess[] = Array.from({ length: workers }, () => {
  const child = fork(childScript, [], { stdio: 'inherit' })
  child.on('message', (reply: { id: number; result: unknown }) => {
    const ack = pending.get(reply.id)
    pending.delete(reply.id)
    ack?.(reply.result)
  })
  child.on('exit', () => process.exit(1))
  return child
})

const http = createServer()
const io = new Server(http, { transports: ['websocket'], serveClient: false })
io.on('connection', (socket) => {
  socket.on('run', (request: RunRequest, ack: Ack) => {
    const id = nextId++
    pending.set(id, ack)
    const child = children[turn++ % children.length]!
    child.send({ id, source: request.source, args: request.args })
  })
})

http.listen(0, '127.0.0.1', () => {
  console.log(`bare-server listening on ${(http.address() as AddressInfo).port}`)
})

process.on('SIGTERM', () => {
  for (const child of children) child.kill('SIGKILL')
  process.exit(0)
})
