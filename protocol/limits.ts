/** Largest serialized argument or result list accepted for one task. Configurable on the manager. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024
/** Largest function source accepted (a function travels as text). */
export const MAX_FUNCTION_SOURCE_CHARS = 256 * 1024
/** Largest number of items in one batched frame. */
export const MAX_BATCH_ITEMS = 10_000
/** Largest Socket.IO frame the manager reads; a batch is flushed before it grows past this. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024
/**
 * Largest payload (arguments or result) one task may carry: what fits in one frame next to its
 * id, function and the packet's own fields. `--max-payload` above this is refused at start-up, and
 * a bigger result fails its task with PAYLOAD_TOO_LARGE where it is made.
 */
export const MAX_TASK_PAYLOAD_BYTES = MAX_FRAME_BYTES - 1024 * 1024
/** Largest frame on the operators' path (dashboard, CLI): control messages are small. */
export const MAX_CONTROL_FRAME_BYTES = 256 * 1024
/** A sender flushes its batch early once it holds this many payload bytes. */
export const BATCH_FLUSH_BYTES = 1024 * 1024
/** Longest error message and stack a task's error keeps; longer ones are cut with a marker. */
export const MAX_ERROR_MESSAGE_CHARS = 64 * 1024
/** Most output (stdout and stderr, UTF-8 bytes) kept per task; the rest is dropped, with a marker. */
export const MAX_TASK_OUTPUT_BYTES = 64 * 1024
