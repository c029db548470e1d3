import type { OutcomeFrame } from './batch-frame.js'
import { wireErrorSchema, type WireError } from './wire-error.js'

/**
 * The WireError whose JSON is `bytes[start .. end)`, or undefined when it is not a valid one.
 * Errors are the rare path, so they get the full schema check.
 */
export function readWireError(bytes: Buffer, start: number, end: number): WireError | undefined {
  try {
    const parsed = wireErrorSchema.safeParse(JSON.parse(bytes.toString('utf8', start, end)))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/** The error of outcome i of an outcome frame (STATUS_ERROR), or undefined when its JSON is not a valid WireError. */
export function outcomeError(frame: OutcomeFrame, i: number): WireError | undefined {
  return readWireError(frame.bytes, frame.offsets[i]!, frame.offsets[i + 1]!)
}
