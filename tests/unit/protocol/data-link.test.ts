import fc from 'fast-check'
import { serialize } from 'node:v8'
import { describe, expect, it, vi } from 'vitest'
import { DATA_LINK_LENGTH_BYTES, DataLinkError, LinkFrameReader, writeLinkLength } from '../../../protocol/data-link.js'
import {
  DATA_LINK_OFFER_TAG,
  DATA_LINK_SWITCH,
  Decoder,
  encodeBytesEvent,
  finishForPacket,
} from '../../../protocol/packet-codec.js'

/** `message` with its length in front, as a data link sends it. */
function framed(message: Buffer): Buffer {
  const out = Buffer.alloc(DATA_LINK_LENGTH_BYTES + message.length)
  out.writeUInt32BE(message.length, 0)
  message.copy(out, DATA_LINK_LENGTH_BYTES)
  return out
}

function readAll(reader: LinkFrameReader, chunks: Buffer[]): Buffer[] {
  const messages: Buffer[] = []
  for (const chunk of chunks) reader.push(chunk, (message) => messages.push(Buffer.from(message)))
  return messages
}

describe('data-link frame reader', () => {
  it('reads the messages of a stream cut anywhere, in order and intact', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (messages, cuts) => {
          const stream = Buffer.concat(messages.map((message) => framed(Buffer.from(message))))
          const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b)
          const chunks: Buffer[] = []
          let from = 0
          for (const point of [...points, stream.length]) {
            if (point > from) chunks.push(stream.subarray(from, point))
            from = Math.max(from, point)
          }
          const reader = new LinkFrameReader(1000)
          const read = readAll(reader, chunks)
          expect(read.map((message) => [...message])).toEqual(messages.map((message) => [...message]))
          expect(reader.partial).toBe(false)
        },
      ),
    )
  })

  it('hands a message inside one chunk as a view of it, and joins one spread over chunks', () => {
    const reader = new LinkFrameReader(1000)
    const chunk = Buffer.concat([framed(Buffer.from('one')), framed(Buffer.from('two'))])
    const views: Buffer[] = []
    reader.push(chunk, (message) => views.push(message))
    expect(views.map((view) => view.buffer === chunk.buffer)).toEqual([true, true])

    const long = framed(Buffer.from('spread over three chunks'))
    const parts = [long.subarray(0, 2), long.subarray(2, 10), long.subarray(10)]
    reader.push(parts[0]!, () => undefined)
    expect(reader.partial).toBe(true)
    expect(readAll(reader, parts.slice(1)).map(String)).toEqual(['spread over three chunks'])
  })

  it('refuses an empty message and one above the limit', () => {
    expect(() => new LinkFrameReader(10).push(Buffer.alloc(4), () => undefined)).toThrow(DataLinkError)
    const tooLong = Buffer.alloc(4)
    tooLong.writeUInt32BE(11, 0)
    expect(() => new LinkFrameReader(10).push(tooLong, () => undefined)).toThrow(/11 bytes \(at most 10\)/)
    // The length itself may come split: the check waits for all four bytes.
    const reader = new LinkFrameReader(10)
    reader.push(tooLong.subarray(0, 3), () => undefined)
    expect(() => reader.push(tooLong.subarray(3), () => undefined)).toThrow(DataLinkError)
  })

  it('leaves room for the length in front of a bytes event, in the frame headroom when there is some', () => {
    const decoder = new Decoder()
    const packets: unknown[] = []
    decoder.on('decoded', (packet) => packets.push(packet))
    decoder.attachDataLink(() => undefined)
    decoder.add(DATA_LINK_SWITCH)
    const reader = new LinkFrameReader(100)
    // Not from Buffer's shared pool, so a copy is never in the same memory by chance.
    const bytes = Buffer.alloc(3, 7)
    const inHeadroom = finishForPacket({ finish: (headroom) => Buffer.concat([Buffer.alloc(headroom), bytes]) })
    for (const frame of [bytes, inHeadroom]) {
      const out = writeLinkLength(encodeBytesEvent('/client', 'task:submit', frame, DATA_LINK_LENGTH_BYTES)!)
      expect(out.buffer === frame.buffer).toBe(frame === inHeadroom)
      reader.push(out, (message) => decoder.addFromDataLink(message))
    }
    expect(packets).toEqual([
      { type: 2, nsp: '/client', data: ['task:submit', bytes] },
      { type: 2, nsp: '/client', data: ['task:submit', bytes] },
    ])
  })
})

/** A V8-serialized event packet, as the codec sends every packet that is not a bytes event. */
function eventPacket(seq: number): Buffer {
  return serialize({ type: 2, nsp: '/lane', data: ['note', { seq }] })
}

function recordingDecoder(): { decoder: Decoder; seqs: number[] } {
  const decoder = new Decoder()
  const seqs: number[] = []
  decoder.on('decoded', (packet: { data: [string, { seq: number }] }) => seqs.push(packet.data[1].seq))
  return { decoder, seqs }
}

describe('decoder on a data link', () => {
  it('holds link frames until the switch, then hands them over after what the WebSocket carried, and resumes reading', () => {
    const { decoder, seqs } = recordingDecoder()
    const resume = vi.fn()
    decoder.attachDataLink(resume)
    expect(decoder.addFromDataLink(eventPacket(3))).toBe(false)
    expect(decoder.addFromDataLink(eventPacket(4))).toBe(false)
    decoder.add(eventPacket(1))
    decoder.add(eventPacket(2))
    expect(seqs).toEqual([1, 2])
    expect(resume).not.toHaveBeenCalled()
    decoder.add(DATA_LINK_SWITCH)
    expect(seqs).toEqual([1, 2, 3, 4])
    expect(resume).toHaveBeenCalledOnce()
    expect(decoder.addFromDataLink(eventPacket(5))).toBe(true)
    expect(seqs).toEqual([1, 2, 3, 4, 5])
  })

  it('refuses a packet on the WebSocket after the switch', () => {
    const { decoder } = recordingDecoder()
    decoder.attachDataLink(() => undefined)
    decoder.add(DATA_LINK_SWITCH)
    expect(() => decoder.add(eventPacket(1))).toThrow(/after the switch/)
  })

  it('refuses a switch where no link was offered or attached (a peer cannot switch the manager by itself)', () => {
    const { decoder } = recordingDecoder()
    expect(() => decoder.add(DATA_LINK_SWITCH)).toThrow(/unexpected data link switch/)
    const offered = new Decoder()
    offered.onDataLinkOffer = () => undefined
    offered.add(Buffer.concat([Buffer.from([DATA_LINK_OFFER_TAG]), Buffer.from('a'.repeat(32))]))
    // The manager's switch may reach a peer before the link's 101 does.
    expect(() => offered.add(DATA_LINK_SWITCH)).not.toThrow()
  })

  it('passes an offer to its handler once, ignores it without one, and refuses a malformed one', () => {
    const offer = Buffer.concat([Buffer.from([DATA_LINK_OFFER_TAG]), Buffer.from('ticket_-0123456789abcdef')])
    const { decoder, seqs } = recordingDecoder()
    decoder.add(offer)
    decoder.add(eventPacket(1))
    expect(seqs).toEqual([1])

    const peer = new Decoder()
    const tickets: string[] = []
    peer.onDataLinkOffer = (ticket) => tickets.push(ticket)
    peer.add(offer)
    expect(tickets).toEqual(['ticket_-0123456789abcdef'])
    expect(() => peer.add(offer)).toThrow(/unexpected data link offer/)

    const malformed = new Decoder()
    malformed.onDataLinkOffer = () => undefined
    expect(() => malformed.add(Buffer.from([DATA_LINK_OFFER_TAG, 0x20, 0x0a]))).toThrow(/malformed/)
  })

  it('refuses link messages on the link and frames before a link is attached', () => {
    const { decoder } = recordingDecoder()
    expect(() => decoder.addFromDataLink(eventPacket(1))).toThrow(/no data link/)
    decoder.attachDataLink(() => undefined)
    expect(() => decoder.addFromDataLink(DATA_LINK_SWITCH)).toThrow(/link message/)
    expect(() => decoder.attachDataLink(() => undefined)).toThrow(/already attached/)
  })

  it('starts each new connection on its WebSocket (socket.io-client reuses its decoder)', () => {
    const { decoder, seqs } = recordingDecoder()
    decoder.attachDataLink(() => undefined)
    decoder.add(DATA_LINK_SWITCH)
    decoder.destroy()
    decoder.on('decoded', (packet: { data: [string, { seq: number }] }) => seqs.push(packet.data[1].seq))
    decoder.add(eventPacket(7))
    expect(seqs).toEqual([7])
    expect(decoder.onDataLinkOffer).toBeUndefined()
  })
})
