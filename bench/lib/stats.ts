/** Medians and ranges of repeated runs. */
export function median (values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return NaN
  const mid = v.length >> 1
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

export function range (values: number[]): [number, number] {
  const v = values.filter((x) => Number.isFinite(x))
  return v.length === 0 ? [NaN, NaN] : [Math.min(...v), Math.max(...v)]
}

/** A number for the table: 3 significant digits, thousands separated. */
export function fmt (n: number): string {
  if (!Number.isFinite(n)) return '–'
  const abs = Math.abs(n)
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US')
  if (abs >= 100) return n.toFixed(0)
  if (abs >= 10) return n.toFixed(1)
  return n.toFixed(2)
}
