/**
 * Credentials for signing: static ones, or a provider called at first use, again before
 * `expiresAt`, and once more after the service rejects them. Concurrent refreshes share one call.
 * Nothing here ever puts a secret or token into an error message.
 *
 * A provider call is waited for at most `timeoutMs` (requestTimeoutMs): one that has not settled by
 * then counts as a failed call (unexpired credentials are kept, else LOGSHIP_CREDENTIALS_ERROR,
 * retriable), and the next attempt calls the provider again. Its answer is not dropped when it comes
 * late: valid credentials are applied then, and also serve a later call still being waited for,
 * unless newer ones (a later call's answer, setCredentials()) were applied in the meantime; a late
 * failure is ignored (the time-out was already reported). The bounding timer is unref'd unless
 * someone waits for the batches (keepProcessAlive, as the sender's retry timer).
 */
import { CredentialsError } from '../errors.js'
import type { CredentialsListener } from '../transport.js'
import type { Credentials, CredentialsProvider } from '../types.js'

/** Refresh this long before expiry, or 10 % of the lifetime when that is shorter. */
export const REFRESH_MARGIN_MS = 5 * 60_000

export interface CurrentCredentials {
  accessKeyId: string
  accessKeySecret: string
  securityToken: string
}

export class CredentialsSource {
  private provider: CredentialsProvider | undefined
  /** A true private field: no inspect() or serializer that walks the producer comes upon it. */
  #current: CurrentCredentials | undefined
  private expiresAtMs = Infinity
  private refreshAtMs = Infinity
  /** The provider call being waited for, if any. */
  private wait: Wait | undefined
  /** Provider calls started, and the number of the call (or setCredentials) whose answer is current. */
  private calls = 0
  private appliedCall = 0
  private holdsProcess = false
  private destroyed = false
  private readonly timeoutMs: number
  private readonly now: () => number
  /** Told about each provider call (diagnostics). */
  listener: CredentialsListener | undefined

  constructor (source: Credentials | CredentialsProvider, now: () => number = Date.now, timeoutMs = Infinity) {
    this.now = now
    this.timeoutMs = timeoutMs
    if (typeof source === 'function') this.provider = source
    else this.set(source)
  }

  /** Credentials good for a request now; a promise only when the provider must be called. */
  get (): CurrentCredentials | Promise<CurrentCredentials> {
    const current = this.#current
    if (current !== undefined && this.now() < this.refreshAtMs) return current
    if (this.provider === undefined) {
      if (current === undefined) return Promise.reject(new CredentialsError('no credentials configured'))
      return current
    }
    return this.refresh()
  }

  /**
   * After an auth failure: call the provider again (once per failure, shared by concurrent callers).
   * True when that produced credentials different from `used`.
   */
  async renewAfterAuthFailure (used: CurrentCredentials): Promise<boolean> {
    if (this.provider === undefined) return false
    if (this.#current !== undefined && !sameCredentials(this.#current, used)) return true
    try {
      const fresh = await this.refresh(true)
      return !sameCredentials(fresh, used)
    } catch {
      return false
    }
  }

  /** Rotation at run time: used from the next request on. A provider, if any, takes over at expiry. */
  set (credentials: Credentials): void {
    this.store(validate(credentials))
    // Newer than the answer of any provider call started so far.
    this.appliedCall = ++this.calls
  }

  /** Whether the timer bounding a provider call keeps the process alive (see Sender.keepProcessAlive). */
  keepProcessAlive (on: boolean): void {
    this.holdsProcess = on
    const timer = this.wait?.timer
    if (timer !== undefined) {
      if (on) timer.ref()
      else timer.unref()
    }
  }

  /** The wire is destroyed: whoever waits for the provider gets an error now; later answers are ignored. */
  destroy (): void {
    this.destroyed = true
    const wait = this.wait
    if (wait !== undefined) this.endWait(wait, () => { throw new CredentialsError('the producer was destroyed while waiting for the credentials provider') })
  }

  /**
   * Values to scrub from any text that leaves the library (server messages may echo them): the
   * secret, the token, and the key id too (services echo it, e.g. "access key id … does not exist").
   */
  secrets (): string[] {
    return this.#current === undefined ? [] : secretsOf(this.#current)
  }

  private refresh (force = false): Promise<CurrentCredentials> {
    if (this.wait !== undefined) return this.wait.promise
    if (this.destroyed) return Promise.reject(new CredentialsError('the producer was destroyed'))
    const provider = this.provider as CredentialsProvider
    const call = ++this.calls
    let resolve!: (value: CurrentCredentials) => void
    let reject!: (error: unknown) => void
    const promise = new Promise<CurrentCredentials>((res, rej) => { resolve = res; reject = rej })
    const wait: Wait = { promise, resolve, reject, timer: undefined }
    // Cleared only after settling, so callers arriving meanwhile share this call.
    this.wait = wait
    if (Number.isFinite(this.timeoutMs)) {
      wait.timer = setTimeout(() => {
        wait.timer = undefined
        this.endWait(wait, () => this.fallback(force, `the credentials provider did not answer within ${this.timeoutMs} ms (requestTimeoutMs)`))
      }, this.timeoutMs)
      if (!this.holdsProcess) wait.timer.unref()
    }
    void this.callProvider(provider).then((answer) => {
      if (this.destroyed) return
      if (this.wait !== wait) {
        // Late (the wait timed out): only valid credentials newer than the current ones count.
        if ('credentials' in answer && call > this.appliedCall) {
          this.apply(answer.credentials, call, force)
          // A later call still waited for is served by this answer too.
          const later = this.wait
          if (later !== undefined) this.endWait(later, () => this.#current as CurrentCredentials)
        }
        return
      }
      if ('error' in answer) {
        this.endWait(wait, () => this.fallback(force, answer.error))
        return
      }
      if (call > this.appliedCall) this.apply(answer.credentials, call, force)
      this.endWait(wait, () => this.#current as CurrentCredentials)
    }).catch(() => {
      // Not expected (callProvider never rejects, listeners are guarded), but a rejection here
      // would be unhandled and end the user's process: the wait fails instead.
      if (this.wait === wait) this.endWait(wait, () => this.fallback(force, 'the credentials provider\'s answer could not be used'))
    })
    return promise
  }

  /** One provider call: valid credentials, or why not (never rejects). */
  private async callProvider (provider: CredentialsProvider): Promise<{ credentials: ValidCredentials } | { error: string }> {
    let result: Credentials
    try {
      result = await provider()
    } catch (error) {
      return { error: `the credentials provider failed: ${describe(error, this.secrets())}` }
    }
    try {
      return { credentials: validate(result) }
    } catch (error) {
      // validate()'s own errors name a field and never quote it; anything else was thrown by the
      // answer itself (a getter), which may quote a secret or have no message at all.
      return { error: error instanceof CredentialsError ? error.message : `the credentials provider's answer could not be read: ${describe(error, this.secrets())}` }
    }
  }

  private store (valid: ValidCredentials): void {
    this.#current = valid.credentials
    this.expiresAtMs = valid.expiresAtMs
    this.refreshAtMs = refreshTime(valid.expiresAtMs, this.now())
  }

  private apply (credentials: ValidCredentials, call: number, force: boolean): void {
    this.store(credentials)
    this.appliedCall = call
    this.tell({ ok: true, forced: force, ...(this.expiresAtMs === Infinity ? {} : { expiresAt: new Date(this.expiresAtMs).toISOString() }) })
  }

  /** Settles `wait` with what `value` returns or throws, and lets the next get() call the provider again. */
  private endWait (wait: Wait, value: () => CurrentCredentials): void {
    if (this.wait === wait) this.wait = undefined
    if (wait.timer !== undefined) {
      clearTimeout(wait.timer)
      wait.timer = undefined
    }
    try {
      wait.resolve(value())
    } catch (error) {
      wait.reject(error)
    }
  }

  /** A failed refresh keeps using credentials that have not expired yet. */
  private fallback (force: boolean, message: string): CurrentCredentials {
    this.tell({ ok: false, forced: force, error: message })
    const current = this.#current
    if (!force && current !== undefined && this.now() < this.expiresAtMs) return current
    throw new CredentialsError(message)
  }

  private tell (event: Parameters<CredentialsListener>[0]): void {
    try {
      this.listener?.(event)
    } catch {
      // Diagnostics never break signing.
    }
  }
}

interface Wait {
  promise: Promise<CurrentCredentials>
  resolve: (value: CurrentCredentials) => void
  reject: (error: unknown) => void
  timer: ReturnType<typeof setTimeout> | undefined
}

/**
 * Key ids, secrets and STS tokens are visible ASCII: no spaces, no line breaks. A value read from a
 * file or an env file often keeps its trailing newline; the key id and the token go into headers
 * (where CR/LF cannot be sent) and the secret into the signature, so every request would fail.
 */
const CREDENTIAL_TEXT = /^[\x21-\x7e]+$/

/**
 * The first credential field that is not visible ASCII, and what is wrong with it; undefined when
 * all are usable (an empty or absent token is). Never quotes the value: callers name the field only.
 */
export function credentialTextProblem (fields: { accessKeyId: string, accessKeySecret: string, securityToken?: string | null }): { field: string, problem: string } | undefined {
  for (const field of ['accessKeyId', 'accessKeySecret', 'securityToken'] as const) {
    const value = fields[field]
    if (value === undefined || value === null || value === '' || CREDENTIAL_TEXT.test(value)) continue
    const problem = /\s/.test(value)
      ? 'holds whitespace or a line break (a trailing newline from a file or an env file?)'
      : 'holds a character outside visible ASCII'
    return { field, problem }
  }
  return undefined
}

/**
 * Throws the CredentialsError `set()` (so setCredentials()) would for these credentials, and
 * nothing else: for adapters that hand credentials to a producer in another thread.
 */
export function checkCredentials (credentials: Credentials): void {
  validate(credentials)
}

interface ValidCredentials { credentials: CurrentCredentials, expiresAtMs: number }

function validate (credentials: Credentials): ValidCredentials {
  if (credentials === null || typeof credentials !== 'object') throw new CredentialsError('the provider returned no credentials object')
  const { accessKeyId, accessKeySecret, securityToken, expiresAt } = credentials
  if (typeof accessKeyId !== 'string' || accessKeyId === '') throw new CredentialsError('accessKeyId is missing or not a string')
  if (typeof accessKeySecret !== 'string' || accessKeySecret === '') throw new CredentialsError('accessKeySecret is missing or not a string')
  if (securityToken !== undefined && securityToken !== null && typeof securityToken !== 'string') throw new CredentialsError('securityToken is not a string')
  const bad = credentialTextProblem({ accessKeyId, accessKeySecret, securityToken })
  if (bad !== undefined) throw new CredentialsError(`${bad.field} ${bad.problem}`)
  let expiresAtMs = Infinity
  if (expiresAt !== undefined && expiresAt !== null) {
    expiresAtMs = expiresAt instanceof Date ? expiresAt.getTime() : expiresAt
    if (typeof expiresAtMs !== 'number' || Number.isNaN(expiresAtMs)) throw new CredentialsError('expiresAt is not a Date or epoch ms')
  }
  return { credentials: { accessKeyId, accessKeySecret, securityToken: securityToken ?? '' }, expiresAtMs }
}

function refreshTime (expiresAtMs: number, now: number): number {
  if (expiresAtMs === Infinity) return Infinity
  const margin = Math.min(REFRESH_MARGIN_MS, Math.max(0, (expiresAtMs - now) * 0.1))
  return expiresAtMs - margin
}

function sameCredentials (a: CurrentCredentials, b: CurrentCredentials): boolean {
  return a.accessKeyId === b.accessKeyId && a.accessKeySecret === b.accessKeySecret && a.securityToken === b.securityToken
}

/**
 * The provider's error, cut to 300 characters after the secrets are scrubbed (one straddling the
 * cut would escape). Never throws: an error whose name or message getter throws is described by its type.
 */
function describe (error: unknown, secrets: readonly string[]): string {
  try {
    if (error instanceof Error) return redact(`${String(error.name)}: ${String(error.message)}`, secrets).slice(0, 300)
  } catch {
    return 'an Error that could not be read'
  }
  return typeof error === 'string' ? redact(error, secrets).slice(0, 300) : typeof error
}

/** The values that give credentials away in text: the secret, the token, and the key id. */
export function secretsOf (credentials: CurrentCredentials): string[] {
  const { accessKeyId, accessKeySecret, securityToken } = credentials
  return securityToken === '' ? [accessKeySecret, accessKeyId] : [accessKeySecret, securityToken, accessKeyId]
}

/**
 * A request's signature, from its Authorization header (`… Signature=<hex>` for TLS and SLS v4,
 * `LOG <key id>:<base64>` for SLS v1): not a credential, but it must not leave the library either,
 * and a server or proxy that echoes the request's headers would show it.
 */
export function signatureOf (authorization: string | undefined): string[] {
  if (authorization === undefined) return []
  const signature = /Signature=([^,\s]+)/.exec(authorization)?.[1] ?? /^LOG [^:\s]+:(\S+)$/.exec(authorization)?.[1]
  return signature === undefined ? [] : [signature]
}

/** Replaces every occurrence of a secret (only those long enough to be one) with [redacted]. */
export function redact (text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) {
    if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join('[redacted]')
  }
  return out
}
