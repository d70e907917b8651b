import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { rootCertificates } from 'node:tls'
import { test } from 'node:test'
import { InvalidOptionError, InvalidRecordError } from '../../packages/producer/src/errors.js'
import { DEFAULTS, resolveOptions } from '../../packages/producer/src/options.js'
import { toTimeParts } from '../../packages/producer/src/time.js'
import type { ProducerOptions } from '../../packages/producer/src/types.js'
import { ManualClock } from './helpers/manual-clock.js'

const clock = new ManualClock(1_700_000_000_123)
const parts = (time: unknown) => {
  const p = toTimeParts(time, clock, { ms: -1, subMsNs: -1 })
  return [p.ms, p.subMsNs]
}

test('time: number ms keeps its fraction as sub-ms ns', () => {
  assert.deepEqual(parts(1_700_000_000_000), [1_700_000_000_000, 0])
  assert.deepEqual(parts(1_700_000_000_000.5), [1_700_000_000_000, 500_000])
  assert.deepEqual(parts(1.000001), [1, 1])
  assert.deepEqual(parts(0), [0, 0])
  // Rounding up to a whole ms carries.
  assert.deepEqual(parts(1.9999999999), [2, 0])
})

test('time: bigint ns, Date, absent', () => {
  assert.deepEqual(parts(1_700_000_000_123_456_789n), [1_700_000_000_123, 456_789])
  assert.deepEqual(parts(0n), [0, 0])
  assert.deepEqual(parts(new Date(1_700_000_000_999)), [1_700_000_000_999, 0])
  assert.deepEqual(parts(undefined), [1_700_000_000_123, 0])
})

test('time: invalid values throw InvalidRecordError', () => {
  for (const bad of [Number.NaN, -1, -0.5, Infinity, -Infinity, -1n, new Date(Number.NaN), new Date(-1000), '1', null, {}, true]) {
    assert.throws(() => parts(bad), InvalidRecordError, String(bad))
  }
})

const base: ProducerOptions = { service: 'tls', endpoint: 'http://127.0.0.1:9', region: 'r', accessKeyId: 'a', accessKeySecret: 's', topicId: 't' }
const slsBase: ProducerOptions = { service: 'sls', endpoint: 'http://127.0.0.1:9', accessKeyId: 'a', accessKeySecret: 's', project: 'p', logstore: 'l' }

test('defaults match the Go producers', () => {
  const o = resolveOptions(base, {})
  assert.equal(o.totalSizeInBytes, 100 * 1024 * 1024)
  assert.equal(o.maxBlockMs, 60_000)
  assert.equal(o.maxSenderCount, 50)
  assert.equal(o.maxBatchSize, 512 * 1024)
  assert.equal(o.maxBatchCount, 4096)
  assert.equal(o.lingerMs, 2000)
  assert.equal(o.retries, 10)
  assert.equal(o.maxReservedAttempts, 11)
  assert.equal(o.baseRetryBackoffMs, 100)
  assert.equal(o.maxRetryBackoffMs, 50_000)
  assert.deepEqual([...o.noRetryStatusCodes], [400, 404])
  assert.equal(o.compression, 'lz4')
  assert.ok(Object.isFrozen(DEFAULTS))
})

test('invalid engine options are rejected naming the option, the value and what is allowed', () => {
  const cases: Array<[Partial<ProducerOptions> & Record<string, unknown>, string]> = [
    [{ totalSizeInBytes: -1 }, 'totalSizeInBytes'],
    [{ totalSizeInBytes: Number.NaN }, 'totalSizeInBytes'],
    [{ maxBatchSize: 0 }, 'maxBatchSize'],
    [{ maxBatchCount: 1.5 }, 'maxBatchCount'],
    [{ maxSenderCount: 0 }, 'maxSenderCount'],
    [{ lingerMs: 50 }, 'lingerMs'],
    [{ retries: -1 }, 'retries'],
    [{ maxReservedAttempts: 0 }, 'maxReservedAttempts'],
    [{ baseRetryBackoffMs: -5 }, 'baseRetryBackoffMs'],
    [{ maxRetryBackoffMs: 10, baseRetryBackoffMs: 100 }, 'maxRetryBackoffMs'],
    [{ maxBlockMs: Number.NaN }, 'maxBlockMs'],
    [{ noRetryStatusCodes: [600] as number[] }, 'noRetryStatusCodes'],
    [{ compression: 'gzip' as never }, 'compression'],
    [{ service: 'kafka' as never }, 'service'],
    [{ topicId: undefined }, 'topicId'],
    [{ closeTimeoutMs: 0 }, 'closeTimeoutMs'],
    [{ flushOnExit: 'yes' as never }, 'flushOnExit']
  ]
  for (const [override, option] of cases) {
    assert.throws(() => resolveOptions({ ...base, ...override } as ProducerOptions, {}), (e: unknown) => {
      assert.ok(e instanceof InvalidOptionError, option)
      assert.equal(e.option, option)
      assert.match(e.message, new RegExp(`invalid option ${option}: .+; expected .+`))
      return true
    })
  }
})

/** Asserts that resolveOptions refuses `override` with an InvalidOptionError naming `option`. */
function refused (override: Partial<ProducerOptions>, option: string): void {
  assert.throws(() => resolveOptions({ ...base, ...override } as ProducerOptions, {}), (e: unknown) => {
    assert.ok(e instanceof InvalidOptionError, `${JSON.stringify(override)}: ${String(e)}`)
    assert.equal(e.code, 'LOGSHIP_INVALID_OPTION')
    assert.equal(e.option, option)
    assert.match(e.message, new RegExp(`invalid option ${option}: .+; expected .+`))
    return true
  })
}

test('TLS hashKey: 32 hex digits or empty, else rejected at construction; SLS takes any route key', () => {
  for (const hashKey of ['h1', '8000', '8'.repeat(31), '8'.repeat(33), 'g' + '0'.repeat(31), ' ' + '0'.repeat(31), '0'.repeat(32) + '\n', '0123456789abcdef-0123456789abcde']) {
    refused({ hashKey }, 'hashKey')
  }
  refused({ hashKey: 42 as never }, 'hashKey')
  for (const hashKey of ['', '80000000000000000000000000000000', '0123456789abcdefABCDEF0123456789']) {
    assert.equal(resolveOptions({ ...base, hashKey }, {}).hashKey, hashKey)
  }
  assert.equal(resolveOptions({ ...slsBase, hashKey: 'user-42' }, {}).hashKey, 'user-42')
})

test('userAgent: CR, LF and other control characters (and text beyond U+00FF) are rejected at construction', () => {
  for (const userAgent of ['app/1.0\r\nX-Injected: 1', 'app/1.0\n', 'app/1.0\r', 'app\u0000', 'app\t1.0', 'app\u007f', 'app\u0085', 'app/日志']) {
    refused({ userAgent }, 'userAgent')
  }
  assert.throws(() => resolveOptions({ ...slsBase, userAgent: 'a\nb' }, {}), { code: 'LOGSHIP_INVALID_OPTION', option: 'userAgent' })
  for (const userAgent of ['', 'my-app/2.3 (linux; x64) logship/0.1.0', 'café/1.0']) {
    assert.equal(resolveOptions({ ...base, userAgent }, {}).userAgent, userAgent)
  }
  assert.equal(resolveOptions(base, {}).userAgent, 'logship/0.1.0')
})

test('tags: a plain object of strings; a Map, an array or a class instance is rejected rather than sent as no tags', () => {
  for (const tags of [new Map([['env', 'prod']]), [['env', 'prod']], new (class Tags { env = 'prod' })(), null, 'env=prod']) {
    assert.throws(() => resolveOptions({ ...base, tags: tags as never }, {}), { code: 'LOGSHIP_INVALID_OPTION', option: 'tags' })
  }
  assert.deepEqual(resolveOptions({ ...base, tags: { env: 'prod' } }, {}).tags, [['env', 'prod']])
  assert.deepEqual(resolveOptions({ ...base, tags: Object.assign(Object.create(null), { env: 'prod' }) }, {}).tags, [['env', 'prod']])
})

test('region: a line break, a space or a slash (it goes into the signature\'s scope) is rejected at construction, also from env', () => {
  for (const region of ['cn-beijing\n', 'cn-beijing\r\n', ' cn-beijing', 'cn beijing', 'cn/beijing', 'cn-beijing\t']) {
    refused({ region }, 'region')
  }
  assert.throws(() => resolveOptions({ ...base, region: undefined }, { VOLCENGINE_REGION: 'cn-beijing\n' }), (e: InvalidOptionError) => {
    assert.equal(e.option, 'region')
    assert.match(e.message, /VOLCENGINE_REGION/)
    return true
  })
  for (const region of ['cn-beijing', 'ap-southeast-1', 'cn_shanghai.internal']) assert.equal(resolveOptions({ ...base, region }, {}).region, region)
})

test('tags: SLS refuses a whole request for an empty tag key, so one is rejected at construction; TLS takes it', () => {
  assert.throws(() => resolveOptions({ ...slsBase, tags: { '': 'v' } }, {}), { code: 'LOGSHIP_INVALID_OPTION', option: 'tags' })
  assert.deepEqual(resolveOptions({ ...base, tags: { '': 'v' } }, {}).tags, [['', 'v']])
})

test('endpoint: a path, query or fragment is rejected (requests would ignore it); a trailing slash, a port or no scheme is fine', () => {
  for (const endpoint of ['https://proxy.example.com/prefix/', 'https://proxy.example.com/prefix', 'https://tls.example.com/?a=1', 'https://tls.example.com/#x', 'tls.example.com/path']) {
    refused({ endpoint }, 'endpoint')
  }
  for (const [endpoint, origin] of [['https://tls.example.com/', 'https://tls.example.com'], ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'], ['tls.example.com', 'https://tls.example.com']]) {
    assert.equal(resolveOptions({ ...base, endpoint }, {}).endpoint.origin, origin)
  }
})

test('topicId, logstore and hashKey with an unpaired surrogate are rejected at construction (they go into the URL); well-formed non-ASCII is fine', () => {
  for (const bad of ['t\uD800', '\uDC00t', 'a\uDBFFb']) {
    refused({ topicId: bad }, 'topicId')
    assert.throws(() => resolveOptions({ ...slsBase, logstore: bad }, {}), { code: 'LOGSHIP_INVALID_OPTION', option: 'logstore' })
    assert.throws(() => resolveOptions({ ...slsBase, hashKey: bad, adjustShardHash: false }, {}), { code: 'LOGSHIP_INVALID_OPTION', option: 'hashKey' })
  }
  assert.equal(resolveOptions({ ...base, topicId: '日志-😀' }, {}).topicId, '日志-😀')
  assert.equal(resolveOptions({ ...slsBase, logstore: 'store-😀', hashKey: 'user-😀' }, {}).logstore, 'store-😀')
})

test('credentials with whitespace, a line break or non-ASCII are rejected at construction, and never quoted', () => {
  const cases: Array<[Partial<ProducerOptions>, string, string]> = [
    [{ accessKeyId: 'AKID-from-file\n' }, 'accessKeyId', 'AKID-from-file'],
    [{ accessKeySecret: 'the-secret-value\r\n' }, 'accessKeySecret', 'the-secret-value'],
    [{ accessKeySecret: ' the-secret-value' }, 'accessKeySecret', 'the-secret-value'],
    [{ securityToken: 'STS-token-value\n' }, 'securityToken', 'STS-token-value'],
    [{ securityToken: 'STS-token-välue' }, 'securityToken', 'STS-token-v']
  ]
  for (const [override, option, value] of cases) {
    assert.throws(() => resolveOptions({ ...base, ...override }, {}), (error: InvalidOptionError) => {
      assert.equal(error.code, 'LOGSHIP_INVALID_OPTION')
      assert.equal(error.option, option)
      assert.ok(!error.message.includes(value), error.message)
      // Said in full, as a description rather than a quoted value.
      assert.match(error.message, new RegExp(`^invalid option ${option}: a value that holds (whitespace or a line break \\(a trailing newline from a file or an env file\\?\\)|a character outside visible ASCII); expected visible ASCII characters only$`))
      return true
    })
  }
  // From the environment too (a value exported from a file with its newline).
  assert.throws(() => resolveOptions({ service: 'sls', endpoint: 'http://127.0.0.1:9', project: 'p', logstore: 'l' }, {
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'AKID', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret\n'
  }), { code: 'LOGSHIP_INVALID_OPTION', option: 'accessKeySecret' })
  const ok = resolveOptions({ ...base, accessKeyId: 'AKLT-abc_123', accessKeySecret: 'Zm9v/YmFy+base64==', securityToken: 'STS2eyJ4Ijoi.x~y' }, {})
  assert.deepEqual(ok.credentials, { accessKeyId: 'AKLT-abc_123', accessKeySecret: 'Zm9v/YmFy+base64==', securityToken: 'STS2eyJ4Ijoi.x~y' })
})

test('SLS project: a host-name label (it is the first label of the request host), else rejected at construction', () => {
  for (const project of ['my_project', 'a.b', 'bad project', '-x', 'x-', 'x'.repeat(64), 'proj\n', 'projé']) {
    assert.throws(() => resolveOptions({ ...slsBase, project }, {}), { code: 'LOGSHIP_INVALID_OPTION', option: 'project' }, project)
  }
  for (const project of ['p', 'my-project-1', 'Demo', 'x'.repeat(63)]) assert.equal(resolveOptions({ ...slsBase, project }, {}).project, project)
})

test('service limits cap maxBatchSize and maxBatchCount', () => {
  const o = resolveOptions({ ...base, maxBatchSize: 64 * 1024 * 1024, maxBatchCount: 1_000_000 }, {})
  // Compressed, an incompressible batch grows by up to 1/255 + 16 bytes: the cap leaves that room.
  assert.equal(o.maxBatchSize, 5 * 1024 * 1024 - Math.floor(5 * 1024 * 1024 / 255) - 16)
  assert.equal(o.maxBatchCount, 10_000)
  const uncompressed = resolveOptions({ ...base, maxBatchSize: 64 * 1024 * 1024, compression: 'none' }, {})
  assert.equal(uncompressed.maxBatchSize, 5 * 1024 * 1024)
  assert.equal(resolveOptions({ ...base, maxBatchSize: 100_000, compression: 'deflate' }, {}).maxBatchSize, 100_000)
})

const servicesLanded = existsSync(new URL('../../packages/producer/src/services/index.ts', import.meta.url))

test('createProducer() validates options before building anything', { skip: servicesLanded ? false : 'services/index.ts has not landed yet' }, async () => {
  const { createProducer } = await import('../../packages/producer/src/producer.js')
  assert.throws(() => createProducer({ ...base, totalSizeInBytes: -1 }), (e: unknown) => e instanceof InvalidOptionError && e.option === 'totalSizeInBytes')
  assert.throws(() => createProducer({ ...base, service: 'nope' as never }), (e: unknown) => e instanceof InvalidOptionError && e.option === 'service')
  const producer = createProducer({ ...base, flushOnExit: false })
  assert.equal(typeof producer.send, 'function')
  producer.destroy()
})

const CERT = readFileSync(new URL('../fixtures/wire-selfsigned-cert.pem', import.meta.url))
const KEY = readFileSync(new URL('../fixtures/wire-selfsigned-key.pem', import.meta.url))

test('ca given as a Buffer still resolves after a structured clone (how worker threads get their options)', () => {
  const pem = CERT
  const cloned = structuredClone({ ca: pem, list: [pem, rootCertificates[0]] })
  const clonedCa: unknown = cloned.ca
  assert.ok(!Buffer.isBuffer(clonedCa) && clonedCa instanceof Uint8Array, 'the clone is a plain Uint8Array')
  const one = resolveOptions({ ...base, ca: cloned.ca as Buffer }, {}).ca
  assert.ok(one !== undefined && Buffer.isBuffer(one[0]) && one[0].equals(pem))
  const many = resolveOptions({ ...base, ca: cloned.list as Buffer[] }, {}).ca
  assert.deepEqual(many?.map((item) => item.toString()), [pem.toString(), rootCertificates[0]])
  assert.throws(() => resolveOptions({ ...base, ca: 42 as never }, {}), (e: unknown) => e instanceof InvalidOptionError && e.option === 'ca')
})

test('ca: every entry must hold PEM certificates that parse (a key, garbage or DER is refused at construction, never quoted); bundles and text around them are fine', () => {
  const cert = CERT.toString()
  const bundle = `# a bundle, as in a ca-certificates file\n${rootCertificates[0]}\n# ours\n${cert}`
  for (const ca of [cert, CERT, new Uint8Array(CERT), bundle, Buffer.from(bundle), [cert, CERT, bundle], [], cert.replace(/\n/g, '\r\n'), `${cert}${KEY.toString()}`]) {
    assert.doesNotThrow(() => resolveOptions({ ...base, ca: ca as never }, {}), `${typeof ca}: ${String(ca).slice(0, 40)}`)
  }
  const body = (pem: string): string => pem.split('\n')[1]
  const refused: Array<[unknown, RegExp]> = [
    [KEY, /ca: a PEM private key, not a certificate;/],
    [KEY.toString(), /ca: a PEM private key, not a certificate;/],
    ['garbage-not-pem', /ca: not a PEM certificate;/],
    ['', /ca: not a PEM certificate;/],
    [Buffer.from([1, 2, 3]), /ca: not a PEM certificate;/],
    [Buffer.from(cert.replace(/-----[^\n]*-----|\s/g, ''), 'base64'), /ca: not a PEM certificate;/], // DER
    ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', /ca: a PEM certificate that does not parse;/],
    [`${cert}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`, /ca: certificate 2 of 2 does not parse;/],
    [`${cert}-----BEGIN CERTIFICATE-----\n${body(cert)}\n`, /ca: a PEM certificate without its END line;/],
    [[cert, KEY], /ca: entry 1: a PEM private key, not a certificate;/]
  ]
  for (const [ca, message] of refused) {
    assert.throws(() => resolveOptions({ ...base, ca: ca as never }, {}), (e: unknown) => {
      assert.ok(e instanceof InvalidOptionError && e.option === 'ca', String(e))
      assert.match(e.message, message)
      assert.match(e.message, /expected PEM CA certificates/)
      for (const secret of [body(KEY.toString()), 'garbage-not-pem', body(cert)]) assert.ok(!e.message.includes(secret), e.message)
      return true
    })
  }
})
