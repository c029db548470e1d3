import { describe, expect, it } from 'vitest'
import { serialize } from 'node:v8'
import fc from 'fast-check'
import { OutcomeFrameWriter, readOutcomeFrame } from '../../../protocol/index.js'
import { Decoder, Encoder, PACKET_HEADROOM, finishForPacket } from '../../../protocol/packet-codec.js'

function decode(frame: unknown): unknown[] {
  const decoder = new Decoder()
  const out: unknown[] = []
  decoder.on('decoded', (packet) => out.push(packet))
  decoder.add(frame)
  return out
}

/** True when `packet` is a view that ends where `frame` ends, in the same memory (the frame was not copied). */
function endsWith(packet: Buffer, frame: Buffer): boolean {
  return packet.buffer === frame.buffer && packet.byteOffset + packet.length === frame.byteOffset + frame.length
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

  it('carries an event with one bytes argument as the bytes themselves, read back as a view', () => {
    const bytes = Buffer.from([7, 8, 9, 10])
    const [frame] = new Encoder().encode({ type: 2, nsp: '/node', data: ['task:run', bytes] })
    expect(frame![0]).toBe(1)
    expect(frame!.length).toBe(3 + '/node'.length + 'task:run'.length + bytes.length)
    const [packet] = decode(frame) as { type: number; nsp: string; data: [string, Uint8Array] }[]
    expect(packet).toMatchObject({ type: 2, nsp: '/node' })
    expect(packet!.data[0]).toBe('task:run')
    expect([...packet!.data[1]]).toEqual([7, 8, 9, 10])
    expect(packet!.data[1].buffer).toBe(frame!.buffer)
    // With an ack, or another shape, the packet takes the V8 path.
    const [withAck] = new Encoder().encode({ type: 2, nsp: '/node', id: 3, data: ['x', bytes] })
    expect(withAck![0]).toBe(0xff)
  })

  it('renames reserved event names on the bytes path too, and refuses truncated frames', () => {
    const [frame] = new Encoder().encode({ type: 2, nsp: '/client', data: ['disconnect', Buffer.from([1])] })
    const [packet] = decode(frame) as { data: [string, Uint8Array] }[]
    expect(packet!.data[0]).toBe('reserved:disconnect')
    expect(() => decode(Buffer.from([1, 200, 0x2f]))).toThrow()
    expect(() => decode(Buffer.from([1, 2, 0x2f, 0x61, 50, 0x78]))).toThrow()
    // A namespace that does not start with '/' is not a packet.
    expect(() => decode(Buffer.from([1, 1, 0x61, 1, 0x78]))).toThrow()
  })

  it('writes the header of a frame finished for a packet into the room left in front of it (no copy)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom('/client', '/node'),
        fc.constantFrom('task:settled', 'x'),
        (results, nsp, event) => {
          const writer = new OutcomeFrameWriter()
          results.forEach((result, i) => writer.addResult(`t${i}`, 1, 0, 'n', Buffer.from(result), 0, result.length))
          const frame = finishForPacket(writer)
          const copy = Buffer.from(frame)
          const encoder = new Encoder()
          const [packet] = encoder.encode({ type: 2, nsp, data: [event, frame] })
          expect(endsWith(packet!, frame)).toBe(true)
          const [decoded] = decode(packet) as { nsp: string; data: [string, Uint8Array] }[]
          expect([decoded!.nsp, decoded!.data[0]]).toEqual([nsp, event])
          expect(Buffer.compare(Buffer.from(decoded!.data[1]), copy)).toBe(0)
          const read = readOutcomeFrame(decoded!.data[1])
          expect(read.ok && read.count).toBe(results.length)
          // The room is used once: encoding the same frame again copies it, leaving the first packet intact.
          const before = Buffer.from(packet!)
          const [again] = encoder.encode({ type: 2, nsp: '/other-namespace', data: ['other', frame] })
          expect(endsWith(again!, frame)).toBe(false)
          expect(Buffer.compare(packet!, before)).toBe(0)
        },
      ),
    )
  })

  it('copies a frame whose header would not fit in the room in front of it', () => {
    const writer = new OutcomeFrameWriter()
    writer.addResult('t', 1, 0, undefined, Buffer.from([1]), 0, 1)
    const frame = finishForPacket(writer)
    const event = 'e'.repeat(PACKET_HEADROOM)
    const [packet] = new Encoder().encode({ type: 2, nsp: '/client', data: [event, frame] })
    expect(endsWith(packet!, frame)).toBe(false)
    expect((decode(packet) as { data: [string, Uint8Array] }[])[0]!.data[0]).toBe(event)
  })
})
