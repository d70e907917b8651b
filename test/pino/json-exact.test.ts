/**
 * parseJsonExact: JSON.parse's values, except integers beyond 2^53, which come back as bigint to
 * the last digit (pino writes a BigInt as a bare number).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseJsonExact } from '../../packages/pino/src/json-exact.js'

describe('parseJsonExact', () => {
  it('makes what JSON.parse makes, for text without long integers and with them inside strings', () => {
    for (const text of [
      '{"a":1,"b":-0,"c":1.5,"d":1e21,"e":-1.5e-7,"f":true,"g":false,"h":null,"i":"x","j":[],"k":{}}',
      '{ "spaced" : [ 1 , { "x" : "y" } ] , "z" : "\\u00e9\\n\\"" }',
      '{"id":"12345678901234567890","s":"tab\\there 1234567890123456789012"}',
      '{"a":1,"a":2,"b":3}',
      '{"10":1,"2":2,"x":3}',
      '[1,"2",[3,[4]],{"k":[]}]',
      '"just a string"',
      '9007199254740991'
    ]) {
      assert.deepEqual(parseJsonExact(text), JSON.parse(text), text)
      assert.deepEqual(Object.keys(parseJsonExact(text) as object), Object.keys(JSON.parse(text) as object), `key order: ${text}`)
    }
  })

  it('reads integers beyond 2^53 exactly, anywhere, with or without spaces around them', () => {
    const value = parseJsonExact('{"id": 12345678901234567890, "neg":-9007199254740993, "n":{"deep":[1180591620717411303424]}, "safe":9007199254740991, "f":12345678901234567890.5}') as Record<string, unknown>
    assert.equal(value.id, 12345678901234567890n)
    assert.equal(value.neg, -9007199254740993n)
    assert.deepEqual(value.n, { deep: [1180591620717411303424n] })
    assert.equal(value.safe, 9007199254740991, 'a safe integer stays a number')
    assert.equal(typeof value.f, 'number', 'a fraction is a number, as JSON.parse reads it')
  })

  it('keeps "__proto__" an own property, as JSON.parse does', () => {
    const value = parseJsonExact('{"__proto__":{"polluted":12345678901234567890},"id":1}') as Record<string, unknown>
    assert.equal(Object.getPrototypeOf(value), Object.prototype)
    assert.ok(Object.hasOwn(value, '__proto__'))
    assert.deepEqual(Object.keys(value), ['__proto__', 'id'])
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  it('throws where JSON.parse throws', () => {
    for (const text of ['{"id":12345678901234567890', '{"id":012345678901234567890}', '{"a":1,}', '']) {
      assert.throws(() => parseJsonExact(text), SyntaxError, text)
    }
  })
})
