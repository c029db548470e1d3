/**
 * The agent ↔ child frame pipe: a stream socket (an extra stdio pipe of the child, fd 4) carrying
 * messages, each behind a 4-byte little-endian length and a 1-byte kind: task frames (down), one
 * outcome per message (up, child-outcome-message.ts) and what tasks wrote to stdout/stderr (up,
 * JSON, always ahead of the outcome it belongs to: one pipe keeps them in order). Node's IPC
 * channel would serialize every message with V8's serializer (a host-object callback per buffer,
 * both ways); a frame is bytes already, so here it is written as it is and read back as one view. Control messages (ready, stop) stay on
 * the IPC channel, which also tells the child when its agent is gone.
 */
import { writeSync } from 'node:fs'
import { Socket } from 'node:net'
import type { Readable, Writable } from 'node:stream'

/** The child's end of the frame pipe. */
export const CHILD_FRAME_FD = 4

const LENGTH_BYTES = 4

/** Kinds of message on the pipe. */
export const PIPE_FRAME = 1
export const PIPE_OUTPUT = 2
export const PIPE_OUTCOME = 3

/** Bytes a frame writer leaves free in front of a frame for its pipe header: `writer.finish(PIPE_HEADROOM)`. */
export const PIPE_HEADROOM = LENGTH_BYTES + 1

/** Writes a message finished with PIPE_HEADROOM bytes free in front: its header goes there, and it leaves in one write, uncopied. */
export function writeFinished(stream: Writable, message: Buffer, kind = PIPE_FRAME): void {
  message.writeUInt32LE(message.byteLength - LENGTH_BYTES, 0)
  message[LENGTH_BYTES] = kind
  stream.write(message)
}

/**
 * On Windows libuv drives a pipe with I/O of its own (overlapped, or a thread that waits in a read),
 * which a synchronous write on the same handle could wait behind: every write goes through the
 * stream there. Only POSIX pipes are written directly.
 */
const DIRECT_WRITES = process.platform !== 'win32'

/**
 * Writes `message` to `fd`, the descriptor under `stream`, with one system call when nothing waits
 * in `stream` ahead of it; what the pipe does not take at once (it is full) goes through `stream`,
 * behind nothing. A child writes one outcome per task: this spares each one the stream's own
 * bookkeeping (a write request and its completion callback). An error other than a full pipe (the
 * agent is gone) destroys `stream` with it, as a failed stream write would.
 */
export function writeNow(stream: Writable, fd: number, message: Buffer): void {
  let rest = message
  if (DIRECT_WRITES && stream.writableLength === 0 && !stream.destroyed) {
    try {
      const written = writeSync(fd, message)
      if (written === message.byteLength) return
      rest = message.subarray(written)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') {
        stream.destroy(error as Error)
        return
      }
    }
  }
  stream.write(rest)
}

/** Messages up to this size are copied behind their header and written once; bigger ones are not copied. */
const COPY_MAX_BYTES = 64 * 1024

/** Writes one message: its length, kind and bytes, in one system call. */
export function writeFrame(stream: Writable, frame: Uint8Array, kind = PIPE_FRAME): void {
  if (frame.byteLength <= COPY_MAX_BYTES) {
    // One buffer, one write: a stream write costs more than copying a small frame.
    const message = Buffer.allocUnsafe(LENGTH_BYTES + 1 + frame.byteLength)
    message.writeUInt32LE(frame.byteLength + 1, 0)
    message[LENGTH_BYTES] = kind
    message.set(frame, LENGTH_BYTES + 1)
    stream.write(message)
    return
  }
  const header = Buffer.allocUnsafe(LENGTH_BYTES + 1)
  header.writeUInt32LE(frame.byteLength + 1, 0)
  header[LENGTH_BYTES] = kind
  // Corked: header and frame leave in one writev.
  stream.cork()
  stream.write(header)
  stream.write(frame)
  stream.uncork()
}

/** A message longer than its reader accepts: the stream is read no further. */
export interface OversizeLimit {
  maxBytes: number
  onOversize: (announcedBytes: number) => void
}

/**
 * Calls `onFrame` with each whole message read from `stream` and its kind, in order. A message
 * that arrived in one chunk is a view of that chunk (no copy); one split over several chunks is
 * joined once. With `limit`, a message announced longer than `limit.maxBytes` is never buffered:
 * `onOversize` is called once and the rest of the stream is ignored (its writer is broken).
 */
export function readFrames(
  stream: Readable,
  onFrame: (frame: Buffer, kind: number) => void,
  limit?: OversizeLimit,
): void {
  let pending: Buffer[] = []
  let pendingBytes = 0
  let need = -1
  let broken = false
  stream.on('data', (chunk: Buffer) => {
    if (broken) return
    let data = chunk
    if (pendingBytes > 0) {
      pending.push(chunk)
      pendingBytes += chunk.byteLength
      // Wait for the rest before joining anything: a large frame is joined once.
      if (need >= 0 && pendingBytes < LENGTH_BYTES + need) return
      data = Buffer.concat(pending, pendingBytes)
      pending = []
      pendingBytes = 0
    }
    let at = 0
    while (data.byteLength - at >= LENGTH_BYTES) {
      const length = data.readUInt32LE(at)
      if (limit !== undefined && length - 1 > limit.maxBytes) {
        broken = true
        pending = []
        pendingBytes = 0
        limit.onOversize(length - 1)
        return
      }
      if (data.byteLength - at - LENGTH_BYTES < length) {
        need = length
        break
      }
      need = -1
      if (length > 0)
        onFrame(data.subarray(at + LENGTH_BYTES + 1, at + LENGTH_BYTES + length), data[at + LENGTH_BYTES]!)
      at += LENGTH_BYTES + length
    }
    if (at < data.byteLength) {
      const rest = data.subarray(at)
      pending = [rest]
      pendingBytes = rest.byteLength
      if (rest.byteLength < LENGTH_BYTES) need = -1
    } else need = -1
  })
}

/** The child's end of the frame pipe, as a socket. */
export function openChildFramePipe(): Socket {
  return new Socket({ fd: CHILD_FRAME_FD, readable: true, writable: true })
}
