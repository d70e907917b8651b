/**
 * Compiles the scenarios to plain JavaScript in bench/dist (esbuild, one bundle per scenario with
 * packages left external), so the measured processes run without a TypeScript loader: tsx's loader
 * thread would add its own CPU and about 50 MiB to every process's RSS.
 */
import { build } from 'esbuild'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

export const BENCH_DIR = new URL('../', import.meta.url).pathname
export const DIST_DIR = join(BENCH_DIR, 'dist')

export async function buildScenarios (): Promise<void> {
  const entryPoints: string[] = []
  for (const sub of ['scenarios', 'targets']) {
    const dir = join(BENCH_DIR, sub)
    entryPoints.push(...readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)))
  }
  await build({
    entryPoints,
    outdir: DIST_DIR,
    outbase: BENCH_DIR,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning'
  })
}
