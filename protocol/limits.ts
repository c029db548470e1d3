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
/**
 * Function source (UTF-16 characters, 1–2 bytes each in memory) one link's function table holds
 * before its sender starts it over. A program runs a handful of task functions, mostly small: this
 * is 64 of the largest allowed (MAX_FUNCTION_SOURCE_CHARS), so honest links seldom reach it, and
 * reaching it only costs sending definitions again. Without it a peer could fill a receiver with
 * thousands of maximal functions (gigabytes) before the count bound (MAX_LINK_FUNCTIONS) applied.
 */
export const MAX_LINK_FUNCTION_CHARS = 16 * 1024 * 1024
/**
 * Most function source a receiving table holds; a definition past it is refused like one past the
 * count bound. The sender starts over only between frames, so one frame's definitions may come on
 * top of MAX_LINK_FUNCTION_CHARS; they fit in the frame (each character is at least a byte of it).
 */
export const MAX_HELD_FUNCTION_CHARS = MAX_LINK_FUNCTION_CHARS + MAX_FRAME_BYTES
/**
 * Function source the manager's shared catalog keeps before it starts over. Links hold their own
 * entries, so this bounds only what no link holds any more; starting over costs only sharing.
 */
export const MAX_CATALOG_FUNCTION_CHARS = 64 * 1024 * 1024
