#!/usr/bin/env node
// @ts-check
/**
 * The README's examples are the files in examples/, which the tests run against a real cluster.
 * Each one appears in the README after a marker line `<!-- example: examples/NAME -->` as the
 * code block that follows it. This checks that every such block equals its file (run by
 * `npm run lint`, so by `npm test`); `--write` copies the files into the README.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const README = join(ROOT, 'README.md')
const BLOCK = /<!-- example: (\S+) -->\n```(\w+)\n([\s\S]*?)```\n/g

const readme = readFileSync(README, 'utf8')
const stale = []
let count = 0
const updated = readme.replace(BLOCK, (_whole, path, language, shown) => {
  count += 1
  const source = readFileSync(join(ROOT, path), 'utf8')
  if (shown !== source) stale.push(path)
  return `<!-- example: ${path} -->\n\`\`\`${language}\n${source}\`\`\`\n`
})

if (count === 0) {
  console.error('readme-examples: the README has no `<!-- example: … -->` blocks')
  process.exit(1)
}
if (process.argv.includes('--write')) {
  writeFileSync(README, updated)
  console.log(`readme-examples: ${count} examples copied into README.md`)
} else if (stale.length > 0) {
  console.error(
    `readme-examples: README.md differs from ${stale.join(', ')}; run \`node scripts/readme-examples.mjs --write\``,
  )
  process.exit(1)
} else {
  console.log(`readme-examples: the README's ${count} examples match examples/`)
}
