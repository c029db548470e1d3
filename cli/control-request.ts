/**
 * How a control command talks to the manager: connect to its control namespace with the token and
 * trust the flags give, send the request, check the reply, print it, and turn a failure into
 * `argon: CODE: message` on stderr with the exit code of that error.
 */
import type { Command } from 'commander'
import { io, type Socket } from 'socket.io-client'
import type { z } from 'zod'
import {
  ArgonError,
  NAMESPACES,
  PROTOCOL_VERSION,
  SOCKET_PATHS,
  connectErrorCause,
  describeTlsFailure,
  exitCodeOf,
  isErrorCode,
  parseAddress,
  resolveManagerEndpoint,
  resolveToken,
  valueOfReply,
  type ControlToManagerEvents,
  type ManagerToControlEvents,
} from '../protocol/index.js'
import { tokenFromFlags, trustFromFlags } from '../cli-options/connection-options.js'

/** The flags every control command has. */
export interface ControlFlags {
  manager: string
  json?: boolean
  fingerprint?: string
  ca?: string
  tls?: boolean
}

export type ControlSocket = Socket<ManagerToControlEvents, ControlToManagerEvents>

/** How long a control request may wait for its answer, ms. */
export const CONTROL_REPLY_MS = 5000

/** Connects to the manager's control namespace, runs `use`, and disconnects. */
export async function withControl<T>(command: Command, use: (socket: ControlSocket) => Promise<T>): Promise<T> {
  const flags = command.opts<ControlFlags>()
  const { host, port } = parseAddress(flags.manager, 8000)
  let token: string | undefined
  let endpoint: ReturnType<typeof resolveManagerEndpoint>
  try {
    token = resolveToken(tokenFromFlags(command))
    endpoint = resolveManagerEndpoint(host, port, trustFromFlags(flags))
  } catch (error) {
    throw new ArgonError('BAD_REQUEST', (error as Error).message)
  }
  if (!token)
    throw new ArgonError(
      'UNAUTHORIZED',
      "no token: pass --token-file or --token, set ARGON_TOKEN, or run on the manager's machine (it shares the token file)",
    )
  const socket: ControlSocket = io(`${endpoint.origin}${NAMESPACES.control}`, {
    ...endpoint.socketOptions,
    path: SOCKET_PATHS.control,
    transports: ['websocket'],
    auth: { token, protocol: PROTOCOL_VERSION },
    reconnection: false,
    timeout: 5000,
  })
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve())
      socket.once('connect_error', (error: Error & { data?: { code?: string } }) => {
        const tlsFailure = describeTlsFailure(error, endpoint)
        reject(
          tlsFailure
            ? new ArgonError(tlsFailure.code, tlsFailure.message)
            : describeConnectError(error, `${host}:${port}`),
        )
      })
    })
    return await use(socket)
  } finally {
    socket.disconnect()
  }
}

/** Says what happened (reached or not, refused why) and what to do next. */
function describeConnectError(
  error: Error & { data?: { code?: string }; description?: unknown },
  where: string,
): ArgonError {
  const code = error.data?.code
  if (code === 'UNAUTHORIZED') {
    return new ArgonError(
      code,
      `reached the manager at ${where}; it refused the token: pass the manager's token with --token or ARGON_TOKEN, or --token-file PATH (it is in the manager's token file and in the dashboard URL it prints)`,
    )
  }
  if (code !== undefined)
    return new ArgonError(
      isErrorCode(code) ? code : 'CONNECTION_FAILED',
      `reached the manager at ${where}; it refused the connection: ${error.message}`,
    )
  return new ArgonError(
    'CONNECTION_FAILED',
    `cannot reach the manager at ${where} (${connectErrorCause(error)}): start it with \`argon manager\`, or point to it with --manager HOST:PORT`,
  )
}

/** Runs a command's work; a failure is printed as `argon: CODE: message` and sets its exit code. */
export async function runCommand(action: () => Promise<void>): Promise<void> {
  try {
    await action()
  } catch (error) {
    const code = error instanceof ArgonError ? error.code : 'ERROR'
    console.error(`argon: ${code}: ${(error as Error).message}`)
    process.exitCode = exitCodeOf(error)
  }
}

/**
 * The shape of most control commands: send one request (`send` emits it with its ack), check the
 * reply against `reply`, and print it: as JSON with `--json`, else as `print` writes it.
 */
export function runControlCommand<Reply extends z.ZodType>(
  command: Command,
  reply: Reply,
  send: (socket: ControlSocket) => Promise<unknown>,
  print: (value: z.infer<Reply>) => string,
): Promise<void> {
  return runCommand(async () => {
    const value = await withControl(command, async (socket) => valueOfReply(reply, await send(socket)))
    console.log(command.opts<ControlFlags>().json ? JSON.stringify(value, null, 2) : print(value))
  })
}
