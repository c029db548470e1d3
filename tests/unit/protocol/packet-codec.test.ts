import { describe, expect, it } from 'vitest'
import { serialize } from 'node:v8'
import { Decoder, Encoder } from '../../../protocol/packet-codec.js'

function decode(frame: unknown): unknown[] {
  const decoder = new Decoder()
  const out: unknown[] = []
  decoder.on('decoded', (packet) => out.push(packet))
  decoder.add(frame)
  return out
}

describe('packet codec', () => {
  it('carries a whole batch with its bytes in one frame', () => {
    const tasks = Array.from({ length: 1000 }, (_, i) => ({ id: `t${i}`, args: Buffer.from([i % 256]) }))
    const frames = new Encoder().encode({ type: 2, nsp: '/client', data: ['task:submit', tasks] })
    expect(frames).toHaveLength(1)
    const [packet] = decode(frames[0]) as { data: [string, { id: string; args: Uint8Array }[]] }[]
    expect(packet!.data[0]).toBe('task:submit')
    expect(packet!.data[1]).toHaveLength(1000)
    expect([...packet!.data[1][999]!.args]).toEqual([999 % 256])
  })

  it('round-trips connect, ack and error packets', () => {
    const encoder = new Encoder()
    for (const packet of [
      { type: 0, nsp: '/node', data: { token: 't' } },
      { type: 3, nsp: '/client', id: 7, data: [{ ok: true }] },
      { type: 4, nsp: '/client', data: { message: 'no', data: { code: 'UNAUTHORIZED' } } },
      { type: 1, nsp: '/client' },
    ]) {
      expect(decode(encoder.encode(packet)[0])).toEqual([packet])
    }
  })

  it('throws on frames that are not packets (Socket.IO then closes that connection only)', () => {
    expect(() => decode('2["text"]')).toThrow()
    expect(() => decode(Buffer.from([1, 2, 3]))).toThrow()
    expect(() => decode(serialize({ type: 2, nsp: '/client', data: 'not an array' }))).toThrow()
    expect(() => decode(serialize({ type: 9, nsp: '/client' }))).toThrow()
    expect(() => decode(serialize({ type: 2, nsp: 'client', data: ['x'] }))).toThrow()
    expect(() => decode(serialize({ type: 3, nsp: '/client', data: [] }))).toThrow()
  })
})
