/**
 * Summarises V8 `.cpuprofile` files (from `npm run bench -- --profile DIR` or `node --cpu-prof`):
 * per profile, where the sampled time went by package / source file and the top functions by
 * self time. Idle and GC are shown separately, so "busy" means JavaScript and native work.
 *
 * Usage: node dist-bench/bench/profile-summary.js DIR_OR_FILE... [--top N]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { parseArgs } from 'node:util'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

/** Where a source URL belongs: a package in node_modules, a project file, or Node's internals. */
function area(url: string): string {
  if (url === '') return '(native / V8)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return `pkg:${pkg[1]}`
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/')
  const project = /\/dist(?:-bench)?\/(.+)$/.exec(url)
  return project ? project[1]! : basename(url)
}

function summarise(file: string, top: number): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfUs = new Map<number, number>()
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))

  let totalUs = 0
  let idleUs = 0
  const areas = new Map<string, number>()
  const functions = new Map<string, number>()
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame
    if (!frame) continue
    totalUs += us
    if (frame.functionName === '(idle)') {
      idleUs += us
      continue
    }
    const special = frame.functionName.startsWith('(') ? frame.functionName : undefined
    const where = special ?? area(frame.url)
    areas.set(where, (areas.get(where) ?? 0) + us)
    const name =
      `${frame.functionName || '(anonymous)'} ${frame.url ? `${area(frame.url)}:${frame.lineNumber + 1}` : ''}`.trim()
    functions.set(name, (functions.get(name) ?? 0) + us)
  }
  const busyUs = totalUs - idleUs
  const pct = (us: number): string => `${((us / busyUs) * 100).toFixed(1).padStart(5)}%`
  const ms = (us: number): string => `${(us / 1000).toFixed(0)} ms`
  const lines = [
    `${basename(file)}: ${ms(totalUs)} sampled, ${ms(busyUs)} busy (${((busyUs / totalUs) * 100).toFixed(0)}%)`,
  ]
  lines.push('  by area (share of busy time):')
  for (const [name, us] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`    ${pct(us)}  ${name}`)
  lines.push('  top functions by self time:')
  for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`    ${pct(us)}  ${name}`)
  return lines.join('\n')
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '15' } },
})
const top = Number(values.top)
const files = positionals.flatMap((path) =>
  statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((name) => name.endsWith('.cpuprofile'))
        .map((name) => join(path, name))
    : [path],
)
if (files.length === 0) {
  console.error('usage: profile-summary DIR_OR_FILE... [--top N]')
  process.exitCode = 2
}
for (const file of files) console.log(`${summarise(file, top)}\n`)
