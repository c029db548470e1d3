#!/usr/bin/env node
// @ts-check
/**
 * `npm test` must leave the working tree as it found it: no tracked file rewritten, no stray
 * file left where git would see it. `save` records `git status --porcelain` before the test steps,
 * `check` fails (naming the files) if it differs afterwards.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const SNAPSHOT = join(ROOT, 'node_modules', '.cache', 'argon', 'tree-status.txt')

function status() {
  try {
    return execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: ROOT, encoding: 'utf8' })
  } catch {
    return null // not a git checkout (an unpacked tarball): nothing to compare
  }
}

const [mode] = process.argv.slice(2)
const now = status()
if (now === null) {
  console.log('clean-tree: not a git checkout; skipped')
} else if (mode === 'save') {
  mkdirSync(dirname(SNAPSHOT), { recursive: true })
  writeFileSync(SNAPSHOT, now)
} else if (mode === 'check') {
  const before = existsSync(SNAPSHOT) ? readFileSync(SNAPSHOT, 'utf8') : ''
  if (now !== before) {
    const was = new Set(before.split('\n'))
    const changed = now.split('\n').filter((line) => line && !was.has(line))
    const undone = before.split('\n').filter((line) => line && !now.split('\n').includes(line))
    console.error('clean-tree: the test run changed the working tree (git status differs):')
    for (const line of changed) console.error(`  now:    ${line}`)
    for (const line of undone) console.error(`  before: ${line}`)
    process.exit(1)
  }
  console.log('clean-tree: the test run left git status as it found it')
} else {
  console.error('usage: clean-tree.mjs save|check')
  process.exit(2)
}
