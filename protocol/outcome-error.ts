import type { OutcomeFrame } from './batch-frame.js'
import { wireErrorSchema, type WireError } from './wire-error.js'

/**
 * The error of outcome i of an outcome frame (STATUS_ERROR), or undefined when its JSON is not a
 * valid WireError. Errors are the rare path, so they get the full schema check.
 */
export function outcomeError(frame: OutcomeFrame, i: number): WireError | undefined {
  try {
    const parsed = wireErrorSchema.safeParse(
      JSON.parse(frame.bytes.toString('utf8', frame.offsets[i], frame.offsets[i + 1])),
    )
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}
