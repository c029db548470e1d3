import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, Socket, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PIPE_HEADROOM, readFrames, writeFinished, writeFrame, writeNow } from '../../../node-agent/child-frames.js'

/** Writes `frames` with writeFrame, re-cut into chunks at `cuts`, and returns what readFrames reads back. */
async function roundTrip(frames: Uint8Array[], cuts: number[], withHeadroom = false): Promise<Buffer[]> {
  const written = new PassThrough()
  const parts: Buffer[] = []
  written.on('data', (chunk: Buffer) => parts.push(chunk))
  for (const frame of frames) {
    // As a frame writer leaves it with finish(PIPE_HEADROOM): free bytes, then the frame.
    if (withHeadroom) writeFinished(written, Buffer.concat([Buffer.alloc(PIPE_HEADROOM, 0xee), frame]))
    else writeFrame(written, frame)
  }
  written.end()
  await new Promise((resolve) => written.once('end', resolve))
  const all = Buffer.concat(parts)
  const read = new PassThrough()
  const got: Buffer[] = []
  readFrames(read, (frame) => got.push(Buffer.from(frame)))
  let at = 0
  for (const cut of [...cuts.map((c) => c % (all.length + 1)).sort((a, b) => a - b), all.length]) {
    if (cut > at) read.write(all.subarray(at, cut))
    at = Math.max(at, cut)
  }
  read.end()
  await new Promise((resolve) => read.once('end', resolve).resume())
  return got
}

describe('the child frame pipe', () => {
  it('reads back every frame whole and in order, however the stream cuts them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        async (frames, cuts) => {
          const got = await roundTrip(frames, cuts)
          expect(got.map((frame) => [...frame])).toEqual(frames.map((frame) => [...frame]))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('reads back frames written into the room left in front of them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        async (frames, cuts) => {
          const got = await roundTrip(frames, cuts, true)
          expect(got.map((frame) => [...frame])).toEqual(frames.map((frame) => [...frame]))
        },
      ),
      { numRuns: 100 },
    )
  })

  it('joins a large frame that arrives in many small chunks once it is whole', async () => {
    const big = new Uint8Array(1_000_000).map((_, i) => i % 251)
    const got = await roundTrip(
      [big, new Uint8Array([7])],
      Array.from({ length: 300 }, (_, i) => i * 3331 + 1),
    )
    expect(got).toHaveLength(2)
    expect(Buffer.compare(got[0]!, Buffer.from(big))).toBe(0)
    expect([...got[1]!]).toEqual([7])
  })

  it('reads no further than a message announced past its limit, and says so once', () => {
    const read = new PassThrough()
    const got: number[][] = []
    const oversize: number[] = []
    readFrames(read, (frame) => got.push([...frame]), { maxBytes: 1024, onOversize: (bytes) => oversize.push(bytes) })
    writeFrame(read, Uint8Array.of(1, 2))
    // A writer that claims a 1 GiB frame: nothing of it is buffered, and what follows is ignored.
    const bogus = Buffer.alloc(5)
    bogus.writeUInt32LE(2 ** 30 + 1, 0)
    read.write(bogus)
    read.write(Buffer.alloc(4096, 9))
    writeFrame(read, Uint8Array.of(3))
    expect(got).toEqual([[1, 2]])
    expect(oversize).toEqual([2 ** 30])
  })
})

describe('writeNow', () => {
  /** The descriptor under a connected socket (what the child's pipe socket wraps). */
  const fdOf = (socket: Socket): number => (socket as unknown as { _handle: { fd: number } })._handle.fd

  /** Runs `use` with both ends of a loopback TCP connection, and closes them whatever happens. */
  async function withConnection(use: (writer: Socket, reader: Socket) => Promise<void>): Promise<void> {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve))
    const writer = new Socket()
    try {
      await new Promise<void>((resolve) => writer.connect((server.address() as AddressInfo).port, '127.0.0.1', resolve))
      const reader = await accepted
      try {
        await use(writer, reader)
      } finally {
        reader.destroy()
      }
    } finally {
      writer.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  }

  /** Everything `reader` receives until it has `total` bytes. */
  function receive(reader: Socket, total: number): Promise<Buffer> {
    const received: Buffer[] = []
    let bytes = 0
    return new Promise((resolve) => {
      reader.on('data', (chunk: Buffer) => {
        received.push(chunk)
        bytes += chunk.length
        if (bytes >= total) resolve(Buffer.concat(received))
      })
      reader.resume()
    })
  }

  it('keeps every byte in order when the pipe fills: what it does not take queues in the stream, and later writes behind it', () =>
    withConnection(async (writer, reader) => {
      reader.pause()
      const sent: Buffer[] = []
      const message = (n: number) => Buffer.alloc(64 * 1024, n % 256)
      // Unread, the connection fills within a few megabytes; bounded in case it never does.
      for (let n = 0; n < 2000 && writer.writableLength === 0; n++) {
        sent.push(message(n))
        writeNow(writer, fdOf(writer), sent.at(-1)!)
      }
      expect(writer.writableLength).toBeGreaterThan(0)
      // The stream holds bytes now: these must not jump ahead of them.
      for (const n of [sent.length, sent.length + 1, sent.length + 2]) {
        sent.push(message(n))
        writeNow(writer, fdOf(writer), sent.at(-1)!)
      }
      const all = Buffer.concat(sent)
      expect(Buffer.compare(await receive(reader, all.length), all)).toBe(0)
    }))

  it('never writes ahead of bytes the stream still holds', () =>
    withConnection(async (writer, reader) => {
      const received = receive(reader, 6)
      // Corked, the stream holds 'one' unsent, as it holds what a full pipe did not take.
      writer.cork()
      writer.write('one')
      writeNow(writer, fdOf(writer), Buffer.from('two'))
      writer.uncork()
      expect((await received).toString()).toBe('onetwo')
    }))

  it('destroys the stream with the error when the descriptor cannot be written (the agent is gone)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'argon-write-now-'))
    try {
      // Open for reading only: a write fails with EBADF. (A closed descriptor's number could be
      // reused meanwhile by anything else this process opens.)
      writeFileSync(join(dir, 'read-only'), '')
      const fd = openSync(join(dir, 'read-only'), 'r')
      try {
        const stream = new PassThrough()
        const failed = new Promise<NodeJS.ErrnoException>((resolve) => stream.once('error', resolve))
        writeNow(stream, fd, Buffer.from('lost'))
        expect((await failed).code).toBe('EBADF')
        expect(stream.readableLength).toBe(0)
      } finally {
        closeSync(fd)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
