/**
 * Bare chain, first hop: a Socket.IO server that forwards every `run` event, with its ack, to
 * the upstream Socket.IO server. It stands where Argon's manager stands, doing nothing else:
 * the floor for what one extra hop costs.
 *
 * Usage: node relay.js UPSTREAM_PORT
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server } from 'socket.io'
import { io as connect } from 'socket.io-client'

const upstreamPort = Number(process.argv[2])
const upstream = connect(`http://127.0.0.1:${upstreamPort}`, { transports: ['websocket'] })

const http = createServer()
const io = new Server(http, { transports: ['websocket'], serveClient: false })
io.on('connection', (socket) => {
  socket.on('run', (request: unknown, ack: (result: unknown) => void) => {
    upstream.emit('run', request, ack)
  })
})

upstream.once('connect', () => {
  http.listen(0, '127.0.0.1', () => {
    console.log(`bare-relay listening on ${(http.address() as AddressInfo).port}`)
  })
})

process.on('SIGTERM', () => process.exit(0))
