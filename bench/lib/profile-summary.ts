/**
 * Summarises a .cpuprofile (node --cpu-prof): self time per function, top N, as a share of samples.
 *   node --import tsx bench/lib/profile-summary.ts file.cpuprofile [N]
 */
import { readFileSync } from 'node:fs'

interface Node { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, hitCount?: number }
interface Profile { nodes: Node[], samples: number[], timeDeltas: number[] }

const file = process.argv[2]
const top = Number(process.argv[3] ?? 30)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const self = new Map<string, number>()
let total = 0
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i])!
  const dt = profile.timeDeltas[i] ?? 0
  const f = node.callFrame
  const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|packages)\//, '$1/')}:${f.lineNumber + 1}`
  self.set(key, (self.get(key) ?? 0) + dt)
  total += dt
}
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
console.log(`total ${(total / 1000).toFixed(0)} ms`)
for (const [k, v] of rows) console.log(`${(100 * v / total).toFixed(1).padStart(5)}%  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`)
