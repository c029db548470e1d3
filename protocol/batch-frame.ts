/**
 * Columnar batch frames: how tasks and their outcomes cross every machine hop (client → manager →
 * agent → child and back). One frame per batch, built once and read once. Per task the sender
 * appends a few numbers and one byte range, and the receiver reads a few numbers and slices one
 * range; the manager and the agent forward a task's bytes by range, never decoding them.
 *
 * The pieces: the byte layout (frame-layout.ts), the rows a writer gathers (frame-rows.ts), the
 * writers (frame-writers.ts), the structural checks (frame-shape.ts) and the readers
 * (frame-readers.ts). No schema library in any of them: child processes load them, and start
 * faster without one.
 */
export {
  MAX_TASK_ID_CHARS,
  MAX_TIMEOUT_MS,
  PRIORITY_CODE,
  STATUS_ERROR,
  STATUS_OK,
  isWellFormedTaskId,
} from './frame-layout.js'
export { OutcomeFrameWriter, TaskFrameWriter } from './frame-writers.js'
export {
  outcomeNode,
  outcomeResult,
  readOutcomeFrame,
  readTaskFrame,
  taskProblem,
  type OutcomeFrame,
  type TaskFrame,
  type UnreadableFrame,
} from './frame-readers.js'
