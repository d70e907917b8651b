import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CIRCULAR, contentToString, INVALID_DATE, mapContents, MAX_FLATTEN_DEPTH, UNSERIALIZABLE } from '../../packages/producer/src/contents.js'
import { InvalidRecordError } from '../../packages/producer/src/errors.js'

test('scalars', () => {
  assert.equal(contentToString('a'), 'a')
  assert.equal(contentToString(''), '')
  assert.equal(contentToString(1.5), '1.5')
  assert.equal(contentToString(NaN), 'NaN')
  assert.equal(contentToString(true), 'true')
  assert.equal(contentToString(12345678901234567890n), '12345678901234567890')
  assert.equal(contentToString(null), 'null')
  assert.equal(contentToString(undefined), undefined)
  assert.equal(contentToString(() => 1), undefined)
  assert.equal(contentToString(Symbol('s')), undefined)
})

test('dates, bytes, typed arrays, Map, Set', () => {
  assert.equal(contentToString(new Date(0)), '1970-01-01T00:00:00.000Z')
  assert.equal(contentToString(new Date(NaN)), INVALID_DATE)
  assert.equal(contentToString(Buffer.from('hi')), 'aGk=')
  assert.equal(contentToString(new Uint8Array([104, 105])), 'aGk=')
  assert.equal(contentToString(new Uint8Array([104, 105]).buffer), 'aGk=')
  assert.equal(contentToString(new Float64Array([1.5, NaN])), '[1.5,null]')
  assert.equal(contentToString(new BigInt64Array([1n])), '["1"]')
  assert.equal(contentToString(new Map<unknown, unknown>([['a', 1], [2, { b: true }]])), '{"a":1,"2":{"b":true}}')
  assert.equal(contentToString(new Set([1, 'x'])), '[1,"x"]')
})

test('objects and arrays become compact JSON; nested Buffers, bigints and Dates follow the rules', () => {
  assert.equal(contentToString({ a: 1, b: [1, 'x', null, undefined], c: undefined, d: { e: 2n } }), '{"a":1,"b":[1,"x",null,null],"d":{"e":"2"}}')
  assert.equal(contentToString({ buf: Buffer.from('hi'), at: new Date(0) }), '{"buf":"aGk=","at":"1970-01-01T00:00:00.000Z"}')
  assert.equal(contentToString({ url: new URL('https://x.test/a') }), '{"url":"https://x.test/a"}')
  assert.equal(contentToString(new URL('https://x.test/a')), 'https://x.test/a')
})

test('Error: name, message, stack, own props and cause', () => {
  const err = Object.assign(new TypeError('boom', { cause: new Error('root') }), { code: 'E_X' })
  const parsed = JSON.parse(contentToString(err)!)
  assert.equal(parsed.name, 'TypeError')
  assert.equal(parsed.message, 'boom')
  assert.match(parsed.stack, /TypeError: boom/)
  assert.equal(parsed.code, 'E_X')
  assert.equal(parsed.cause.message, 'root')
})

test('circular references become [Circular]; shared (non-circular) ones are repeated', () => {
  const a: Record<string, unknown> = { x: 1 }
  a.self = a
  assert.equal(contentToString(a), `{"x":1,"self":"${CIRCULAR}"}`)
  const shared = { v: 1 }
  assert.equal(contentToString({ p: shared, q: shared }), '{"p":{"v":1},"q":{"v":1}}')
  const arr: unknown[] = [1]
  arr.push(arr)
  assert.equal(contentToString(arr), `[1,"${CIRCULAR}"]`)
})

test('throwing getters, toJSON and Proxies never throw out', () => {
  const getter = { ok: 1, get bad () { throw new Error('nope') } }
  assert.equal(contentToString(getter), `{"ok":1,"bad":"${UNSERIALIZABLE}"}`)
  const toJSON = { toJSON () { throw new Error('nope') } }
  assert.equal(contentToString(toJSON), UNSERIALIZABLE)
  assert.equal(contentToString({ inner: toJSON }), `{"inner":"${UNSERIALIZABLE}"}`)
  const proxy = new Proxy({}, { ownKeys () { throw new Error('trap') }, getPrototypeOf () { throw new Error('trap') } })
  assert.equal(contentToString(proxy), UNSERIALIZABLE)
  const { proxy: revoked, revoke } = Proxy.revocable({}, {})
  revoke()
  assert.equal(contentToString(revoked), UNSERIALIZABLE)
})

test('mapContents: objects, pairs, skipping undefined, throwing getters at top level', () => {
  assert.deepEqual(mapContents({ a: 'x', b: 2, c: undefined, d: null }), [['a', 'x'], ['b', '2'], ['d', 'null']])
  assert.deepEqual(mapContents([['a', 1], ['a', 'dup']]), [['a', '1'], ['a', 'dup']])
  const rec = { ok: 'y', get bad (): string { throw new Error('x') } }
  assert.deepEqual(mapContents(rec), [['ok', 'y'], ['bad', UNSERIALIZABLE]])
  assert.throws(() => mapContents(null as never), { code: 'LOGSHIP_INVALID_RECORD' })
})

test('mapContents pairs: a value read that throws is UNSERIALIZABLE; an unreadable pair array, pair or key is an InvalidRecordError', () => {
  const getterAt = (index: number, pair: unknown[]): unknown[] => Object.defineProperty(pair, index, { get () { throw new Error('getter') } })
  const { proxy: revoked, revoke } = Proxy.revocable([], {})
  revoke()
  assert.deepEqual(mapContents([['a', 'x'], getterAt(1, ['b'])] as never), [['a', 'x'], ['b', UNSERIALIZABLE]])
  assert.deepEqual(mapContents([['a', 'x'], getterAt(1, ['b'])] as never, { nested: 'flatten' }), [['a', 'x'], ['b', UNSERIALIZABLE]])
  assert.deepEqual(mapContents([[42, 'n'], [null, 'z']] as never), [['42', 'n'], ['null', 'z']])
  const refused: unknown[] = [
    new Proxy([], { get () { throw new Error('trap') } }),
    revoked,
    new Proxy([], { get: (t, k) => k === 'length' ? { valueOf () { throw new Error('length') } } : Reflect.get(t, k) }),
    getterAt(0, [['a', 'x']]),
    [new Proxy(['k', 'v'], { get () { throw new Error('trap') } })],
    [getterAt(0, [undefined, 'v'])],
    [[Object.create(null), 'v']],
    [[{ toString () { throw new Error('toString') } }, 'v']],
    [, ['a', 'b']], // eslint-disable-line no-sparse-arrays
    ['not a pair']
  ]
  for (const [i, input] of refused.entries()) {
    assert.throws(() => mapContents(input as never), (error: unknown) => error instanceof InvalidRecordError && error.code === 'LOGSHIP_INVALID_RECORD', `case ${i}`)
  }
})

test('mapContents flatten: dotted keys, arrays by index, empty containers, circular', () => {
  const obj: Record<string, unknown> = { req: { method: 'GET', headers: { host: 'x' }, tags: ['a', 'b'], empty: {}, none: [] }, at: new Date(0), n: 1 }
  ;(obj.req as Record<string, unknown>).loop = obj.req
  assert.deepEqual(mapContents(obj, { nested: 'flatten' }), [
    ['req.method', 'GET'], ['req.headers.host', 'x'], ['req.tags.0', 'a'], ['req.tags.1', 'b'],
    ['req.empty', '{}'], ['req.none', '[]'], ['req.loop', CIRCULAR], ['at', '1970-01-01T00:00:00.000Z'], ['n', '1']
  ])
  assert.deepEqual(mapContents({ req: { method: 'GET' } }), [['req', '{"method":"GET"}']])
})

test('mapContents flatten: deeper than MAX_FLATTEN_DEPTH levels, the rest is compact JSON under the deepest dotted key; a chain thousands deep maps without overflowing the stack', () => {
  const chain = (depth: number): Record<string, unknown> => {
    let value: Record<string, unknown> = { leaf: 1 }
    for (let i = 0; i < depth; i++) value = { a: value }
    return value
  }
  // Within the bound: dotted all the way down.
  const shallow = mapContents({ id: '7', c: chain(MAX_FLATTEN_DEPTH - 1) }, { nested: 'flatten' })
  assert.deepEqual(shallow, [['id', '7'], [['c', ...Array(MAX_FLATTEN_DEPTH - 1).fill('a'), 'leaf'].join('.'), '1']])
  // One level more: the innermost object is JSON under its dotted key.
  const deeper = mapContents({ id: '7', c: chain(MAX_FLATTEN_DEPTH) }, { nested: 'flatten' })
  assert.deepEqual(deeper, [['id', '7'], [['c', ...Array(MAX_FLATTEN_DEPTH).fill('a')].join('.'), '{"leaf":1}']])
  const hundreds = mapContents({ c: chain(300) }, { nested: 'flatten' })
  assert.deepEqual(hundreds, [[['c', ...Array(MAX_FLATTEN_DEPTH).fill('a')].join('.'), contentToString(chain(300 - MAX_FLATTEN_DEPTH))]])
  // 20,000 levels overflowed the stack before (a RangeError that cost the whole record): now the
  // other fields stay, and the deep value is what the JSON rule makes of it (cut where its own
  // recursion gives up, as `nested: 'json'` does).
  const deep = mapContents({ id: '7', c: chain(20_000), after: 'x' }, { nested: 'flatten' })
  assert.deepEqual(deep.map(([k]) => k), ['id', ['c', ...Array(MAX_FLATTEN_DEPTH).fill('a')].join('.'), 'after'])
  assert.ok(deep[1][1].startsWith('{"a":{"a":') && deep[1][1].endsWith('}}'), 'the deep value as JSON')
  // A cycle that closes below the bound is still [Circular].
  const loop: Record<string, unknown> = { b: {} }
  ;(loop.b as Record<string, unknown>).back = loop
  const cyclic = chain(MAX_FLATTEN_DEPTH + 5)
  let node = cyclic
  for (let i = 0; i < MAX_FLATTEN_DEPTH + 5; i++) node = node.a as Record<string, unknown>
  node.loop = loop
  const [[key, text]] = mapContents({ c: cyclic }, { nested: 'flatten' }).slice(-1)
  assert.equal(key, ['c', ...Array(MAX_FLATTEN_DEPTH).fill('a')].join('.'))
  assert.match(text, /"loop":\{"b":\{"back":"\[Circular\]"\}\}/)
})
