/**
 * Separate hosts on one Linux machine: a network namespace per host, each with one `eth0` plugged
 * into a bridge that lives in a namespace of its own (the switch). Nothing is added to the
 * machine's own network: every link lives inside a namespace this run made, so deleting the
 * namespaces removes everything, and two runs at once never meet (names carry the pid).
 *
 * A partition pulls a host's cable: its port on the switch goes down, the host keeps its address.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { platform } from 'node:os'

/** Every namespace of a run is called `argon-mh-<pid>-<host>`. */
const PREFIX = 'argon-mh-'
const SUBNET = '10.213.0'

export interface HostSpec {
  /** Short name: `mgr`, `agent-1`, `client` (also the host name its programs see). */
  name: string
  /** Last octet of its address in 10.213.0.0/24. */
  octet: number
}

export interface Host {
  name: string
  /** The namespace's name, for `ip netns exec`. */
  namespace: string
  address: string
}

export interface TestNetwork {
  hosts: Map<string, Host>
  host(name: string): Host
  /** Pulls (down) or plugs back (up) the host's cable at the switch. */
  setLink(name: string, state: 'up' | 'down'): void
  /** Kills every process still inside the namespaces and deletes them, with all their links. */
  destroy(): void
}

/** Can this process make namespaces (root on Linux, with `ip`)? The reason when it cannot. */
export function networkUnavailableReason(): string | null {
  if (platform() !== 'linux') return `needs Linux network namespaces (this is ${platform()})`
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces (run as root, as CI does)'
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' })
  } catch {
    return 'needs `ip` from iproute2 (apt-get install iproute2)'
  }
  return null
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

function namespaces(): string[] {
  try {
    return readdirSync('/run/netns')
  } catch {
    return []
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Kills what runs inside `namespace` (by pid) and deletes it. */
function removeNamespace(namespace: string): void {
  let pids: number[] = []
  try {
    pids = ip('netns', 'pids', namespace).split(/\s+/).filter(Boolean).map(Number)
  } catch {
    // already gone
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // exited meanwhile
    }
  }
  try {
    ip('netns', 'del', namespace)
  } catch {
    // already gone
  }
}

/**
 * Removes what a killed run left behind: namespaces of ours whose creating process is gone.
 * Another run that is still alive keeps its namespaces.
 */
export function removeLeftovers(): string[] {
  const removed: string[] = []
  for (const namespace of namespaces()) {
    const match = /^argon-mh-(\d+)-/.exec(namespace)
    if (!match) continue
    const owner = Number(match[1])
    if (owner !== process.pid && isAlive(owner)) continue
    removeNamespace(namespace)
    removed.push(namespace)
  }
  return removed
}

/**
 * Builds the switch and one namespace per host in 10.213.0.0/24. Anything that fails half-way is
 * torn down before the error is thrown.
 */
export function createNetwork(specs: HostSpec[]): TestNetwork {
  const runPrefix = `${PREFIX}${process.pid}-`
  const switchNs = `${runPrefix}switch`
  const made: string[] = []
  const hosts = new Map<string, Host>()
  const destroy = () => {
    for (const namespace of made.splice(0).reverse()) removeNamespace(namespace)
  }
  try {
    ip('netns', 'add', switchNs)
    made.push(switchNs)
    ip('-n', switchNs, 'link', 'add', 'br0', 'type', 'bridge')
    ip('-n', switchNs, 'link', 'set', 'br0', 'up')
    for (const spec of specs) {
      const namespace = `${runPrefix}${spec.name}`
      const address = `${SUBNET}.${spec.octet}`
      ip('netns', 'add', namespace)
      made.push(namespace)
      // The host's end is eth0; the switch's end is named after the host (≤ 15 characters).
      const port = `p-${spec.name}`.slice(0, 15)
      ip('-n', namespace, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', port, 'netns', switchNs)
      ip('-n', switchNs, 'link', 'set', port, 'master', 'br0')
      ip('-n', switchNs, 'link', 'set', port, 'up')
      ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', 'eth0')
      ip('-n', namespace, 'link', 'set', 'eth0', 'up')
      ip('-n', namespace, 'link', 'set', 'lo', 'up')
      hosts.set(spec.name, { name: spec.name, namespace, address })
    }
  } catch (error) {
    destroy()
    throw error
  }
  return {
    hosts,
    host(name) {
      const host = hosts.get(name)
      if (!host) throw new Error(`no host ${name} in the test network`)
      return host
    },
    setLink(name, state) {
      this.host(name)
      ip('-n', switchNs, 'link', 'set', `p-${name}`.slice(0, 15), state)
    },
    destroy,
  }
}

/**
 * The command line that runs `argv` on `host`, as a process of its own with the host's name
 * (a UTS namespace, so `os.hostname()` is the host's name, as on a real machine). Everything
 * execs, so the pid a test gets is the program's own.
 */
export function onHost(host: Host, argv: string[]): { command: string; args: string[] } {
  const script = 'hostname "$1" && shift && exec "$@"'
  return {
    command: 'ip',
    args: ['netns', 'exec', host.namespace, 'unshare', '--uts', 'sh', '-c', script, 'sh', host.name, ...argv],
  }
}
