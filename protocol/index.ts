export { PROTOCOL_VERSION } from './version.js'
export { ERROR_CODES, RETRYABLE_CODES, isErrorCode, type ErrorCode } from './error-codes.js'
export { wireErrorSchema, wireError, type WireError, type Reply } from './wire-error.js'
export {
  ArgonError,
  TaskError,
  asArgonError,
  serializeError,
  restoreError,
  type ArgonErrorOptions,
} from './argon-error.js'
export { EXIT_CODES, EXIT_REFUSED, exitCodeOf } from './exit-codes.js'
export { replySchema, valueOfReply } from './reply.js'
export {
  DEFAULT_MAX_PAYLOAD_BYTES,
  MAX_FUNCTION_SOURCE_CHARS,
  MAX_BATCH_ITEMS,
  MAX_FRAME_BYTES,
  MAX_TASK_PAYLOAD_BYTES,
  MAX_CONTROL_FRAME_BYTES,
  MAX_ERROR_MESSAGE_CHARS,
  BATCH_FLUSH_BYTES,
  MAX_TASK_OUTPUT_BYTES,
} from './limits.js'
export {
  OUTPUT_STREAMS,
  taskOutputChunkSchema,
  taskOutputBatchSchema,
  clientOutputChunkSchema,
  clientOutputBatchSchema,
  type OutputStream,
  type TaskOutputChunk,
  type ClientOutputChunk,
} from './task-output.js'
export { cutText, describeForLog, LOG_TEXT_CHARS } from './log-text.js'
export {
  PROTOCOL_HEADER,
  UPGRADE_REFUSALS,
  connectErrorCause,
  machineUpgradeHeaders,
  refusalCode,
} from './machine-auth.js'
export {
  PRIORITIES,
  CANCEL_REASONS,
  taskIdSchema,
  bytesSchema,
  taskFunctionSchema,
  taskSubmissionSchema,
  cancelRequestSchema,
  taskOutcomeSchema,
  taskAssignmentSchema,
  nodeTaskOutcomeSchema,
  stealRequestSchema,
  returnedTasksSchema,
  type StealRequest,
  type Priority,
  type TaskFunction,
  type TaskSubmission,
  type CancelRequest,
  type TaskOutcome,
  type TaskAssignment,
  type NodeTaskOutcome,
} from './task.js'
export {
  NODE_STATES,
  CLUSTER_EVENT_KINDS,
  TASK_RECORD_STATUSES,
  nodeStatusSchema,
  clusterStatusSchema,
  nodeHeartbeatSchema,
  clusterEventSchema,
  taskRecordSchema,
  clusterMetricsSchema,
  dashboardUpdateSchema,
  nodeNameRequestSchema,
  taskQuerySchema,
  nodeScaleRequestSchema,
  type NodeScaleRequest,
  taskPageSchema,
  type TaskQuery,
  type TaskPage,
  type TaskRecordStatus,
  type NodeState,
  type NodeStatus,
  type ClusterStatus,
  type NodeHeartbeat,
  type ClusterEventKind,
  type ClusterEvent,
  type TaskRecord,
  type ClusterMetrics,
  type DashboardUpdate,
  type NodeNameRequest,
} from './cluster.js'
export {
  JOB_STATES,
  MAX_JOB_NAME_CHARS,
  MAX_JOBS_PER_CLIENT,
  jobKeySchema,
  jobTaskSuffix,
  jobReportSchema,
  jobReportsSchema,
  jobCancelOrderSchema,
  jobStatusSchema,
  jobCancelRequestSchema,
  type JobState,
  type JobReport,
  type JobCancelOrder,
  type JobStatus,
  type JobCancelRequest,
} from './jobs.js'
export {
  clientHandshakeSchema,
  nodeHandshakeSchema,
  controlHandshakeSchema,
  type ClientHandshake,
  type NodeHandshake,
  type ControlHandshake,
} from './handshake.js'
export { NAMESPACES, SOCKET_PATHS, HEALTH_ROUTE } from './namespaces.js'
export type {
  Ack,
  ClientToManagerEvents,
  ManagerToClientEvents,
  NodeToManagerEvents,
  ManagerToNodeEvents,
  ControlToManagerEvents,
  ManagerToControlEvents,
} from './events.js'
export { parseBatch, parseMessage, describeIssues, type ParsedBatch, type BatchRejection } from './validate.js'
export type { DesktopApi, DesktopSettings } from './desktop.js'
export {
  MAX_LINK_FUNCTIONS,
  FunctionCatalog,
  FunctionTable,
  FunctionRegistry,
  functionEntry,
  functionKey,
  type FunctionEntry,
} from './function-table.js'
export {
  MAX_TASK_ID_CHARS,
  MAX_TIMEOUT_MS,
  STATUS_OK,
  STATUS_ERROR,
  PRIORITY_CODE,
  TaskFrameWriter,
  OutcomeFrameWriter,
  isWellFormedTaskId,
  readTaskFrame,
  readOutcomeFrame,
  taskProblem,
  outcomeNode,
  outcomeResult,
  type TaskFrame,
  type OutcomeFrame,
  type UnreadableFrame,
} from './batch-frame.js'
export { outcomeError, readWireError } from './outcome-error.js'
export { taskFrameOf, outcomeFrameOfAnswers, answersOf, nodeOutcomeFrameOf, assignmentsOf } from './frame-objects.js'
export { FrameBatcher, FlushScheduler } from './frame-batcher.js'
export {
  prefetchWindow,
  nodeWindowPerWorker,
  windowHasRoom,
  refillPairHasRoom,
  childHasRoom,
  PREFETCH_HORIZON_MS,
  MAX_PREFETCH_PER_SLOT,
  LONG_TASK_MS,
  CHILD_PREFETCH_MAX_MS,
  STEAL_MIN_TASK_MS,
  REFILL_MS,
  type HeldWork,
} from './prefetch.js'
export {
  argonHome,
  tokenFilePath,
  readTokenFile,
  readOrCreateTokenFile,
  resolveToken,
  readTokenFrom,
} from './token-file.js'
export {
  fingerprintOfDer,
  fingerprintOfPem,
  parseFingerprint,
  managerCertificatePaths,
  readEndpointRecord,
  writeEndpointRecord,
  removeEndpointRecord,
  isLoopbackHost,
  isThisMachine,
  localAddresses,
  type Fingerprint,
  type EndpointRecord,
} from './tls-files.js'
export {
  resolveManagerEndpoint,
  describeTlsFailure,
  pinnedAgent,
  TlsMismatchError,
  TLS_REQUIRED_STATUS,
  type TlsTrustOptions,
  type ManagerEndpoint,
} from './tls-connect.js'
export { formatHost, parseAddress } from './address.js'
export { encodeValue, decodeValue } from './structured-bytes.js'
export { matchesTaskQuery } from './task-query-match.js'
