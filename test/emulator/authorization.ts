/**
 * Both services' v4-style Authorization headers read `ALGORITHM Key=value, Key=value` with a
 * `Credential=a/b/c/d/e` scope; this splits one into its parameters and credential parts.
 */
export function parseAuthorizationParams (value: string, algorithm: string): { params: Record<string, string>, credential: string[] } | null {
  const trimmed = value.trim()
  if (!trimmed.startsWith(algorithm) || !/\s/.test(trimmed.charAt(algorithm.length))) return null
  const params: Record<string, string> = {}
  for (const piece of trimmed.slice(algorithm.length).split(',')) {
    const eq = piece.indexOf('=')
    if (eq < 0) return null
    params[piece.slice(0, eq).trim()] = piece.slice(eq + 1).trim()
  }
  const credential = params.Credential?.split('/')
  if (credential === undefined || credential.length !== 5) return null
  return { params, credential }
}
