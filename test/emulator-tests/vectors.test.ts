// Byte-exact vectors from the protocol notes, checked against the emulator's verifiers,
// both as pure functions and end to end (with the emulator's clock pinned to the vector time).
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { startEmulator, slsSignature, tlsSignature } from '../emulator/index.js'
import { send } from './helpers/http.js'

const sha = (d: string | Buffer): string => createHash('sha256').update(d).digest('hex')

// ---- TLS §2.4 -------------------------------------------------------------------------------
const TLS_AK = 'AKLTexampleAccessKeyId'
const TLS_SK = 'exampleSecretAccessKey=='
const TLS_TOPIC = '0fd2bd7e-1234-4f6a-9abc-0123456789ab'
const TLS_PB = Buffer.from('0a3a0a240888b183c1cc31120d0a056c6576656c1204494e464f120c0a036d7367120568656c6c6f12093132372e302e302e3122076170702e6c6f67', 'hex')
const TLS_BODY = Buffer.concat([Buffer.from('f02d', 'hex'), TLS_PB])
const TLS_XDATE = '20240102T030405Z'
const TLS_NOW = Date.UTC(2024, 0, 2, 3, 4, 5)
const GO_SIGNED = 'content-md5;content-type;host;x-content-sha256;x-date;x-tls-apiversion;x-tls-bodyrawsize;x-tls-compresstype;x-tls-hashkey'
const GO_HEADERS: Record<string, string> = {
  Host: 'tls-cn-beijing.volces.com',
  'Content-Md5': 'D0634C5000047501D21C17EB4F6D0896',
  'Content-Type': 'application/x-protobuf',
  'X-Tls-Apiversion': '0.3.0',
  'X-Tls-Bodyrawsize': '60',
  'X-Tls-Compresstype': 'lz4',
  'X-Tls-Hashkey': '',
  'Log-Count': '1',
  'Earliest-Log-Time': '1704164645000',
  'Latest-Log-Time': '1704164645000',
  'X-Date': TLS_XDATE,
  'X-Content-Sha256': 'b7cb1ce3bceb6bb01b580125fcdedd042612768ab878f8d9dc4773d7a403dbeb',
  'User-Agent': 'volc-sdk-golang/v1.0.253'
}
const lower = (h: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]))
const NODE_SHA = sha(JSON.stringify(TLS_BODY))
const NODE_HEADERS: Record<string, string> = {
  'x-tls-apiversion': '0.2.0',
  'Content-Type': 'application/x-protobuf',
  'x-tls-bodyrawsize': '60',
  'Content-MD5': 'd0634c5000047501d21c17eb4f6d0896',
  'x-tls-compresstype': 'lz4',
  'X-Date': TLS_XDATE,
  'X-Content-Sha256': NODE_SHA
}
const NODE_SIGNED = 'content-md5;x-content-sha256;x-date;x-tls-apiversion;x-tls-bodyrawsize;x-tls-compresstype'

describe('TLS signature vectors (§2.4)', () => {
  const canonical = (headers: Record<string, string>, signed: string, payload: string): string => tlsSignature.buildTlsCanonicalRequest({
    method: 'POST', path: '/PutLogs', query: new URLSearchParams(`TopicId=${TLS_TOPIC}`), headers: lower(headers), signedHeaders: signed.split(';'), payloadHash: payload
  })

  it('Go request: body hash, canonical request hash and signature', () => {
    assert.equal(sha(TLS_BODY), GO_HEADERS['X-Content-Sha256'])
    assert.equal(createHash('md5').update(TLS_BODY).digest('hex').toUpperCase(), GO_HEADERS['Content-Md5'])
    const cr = canonical(GO_HEADERS, GO_SIGNED, GO_HEADERS['X-Content-Sha256']!)
    assert.equal(cr.split('\n')[12], '')
    assert.equal(sha(cr), '4f446b1b0e30858551358b9d1bf9b58c82b7a35242509abf4f7db2f6c28cf8af')
    assert.equal(tlsSignature.tlsSignature(TLS_SK, TLS_XDATE, 'cn-beijing', 'TLS', cr), '03e49e1d14e6b206ac0004ef979151ebc62c259b284a0aee3860db00c2c20959')
  })

  it('STS variant signs x-security-token', () => {
    const h = { ...GO_HEADERS, 'X-Security-Token': 'exampleSessionToken' }
    const signed = GO_SIGNED.replace('x-date;', 'x-date;x-security-token;')
    const cr = canonical(h, signed, GO_HEADERS['X-Content-Sha256']!)
    assert.equal(tlsSignature.tlsSignature(TLS_SK, TLS_XDATE, 'cn-beijing', 'TLS', cr), 'ca4313e8d2bbc697998a4e45c76be07a7c8ad9973420796d63f00df7e2a49091')
  })

  it('Node SDK request (JSON-stringified body hash, host/content-type unsigned)', () => {
    assert.ok(NODE_SHA.startsWith('4bff73a9') && NODE_SHA.endsWith('6c39'))
    const cr = canonical(NODE_HEADERS, NODE_SIGNED, NODE_SHA)
    assert.equal(tlsSignature.tlsSignature(TLS_SK, TLS_XDATE, 'cn-beijing', 'TLS', cr), '9ef730aed9a06756355b1bb47420b01b306cb079bede5fa7633abeb157bd6f78')
  })

  it('all three requests are accepted end to end at the vector time', async () => {
    const em = await startEmulator({ clock: () => TLS_NOW, credentials: [{ accessKeyId: TLS_AK, accessKeySecret: TLS_SK }], tls: { topics: [TLS_TOPIC] } })
    try {
      const scope = `20240102/cn-beijing/TLS/request`
      const path = `/PutLogs?TopicId=${TLS_TOPIC}`
      let r = await send(em.url, { path, body: TLS_BODY, headers: { ...GO_HEADERS, Authorization: `HMAC-SHA256 Credential=${TLS_AK}/${scope}, SignedHeaders=${GO_SIGNED}, Signature=03e49e1d14e6b206ac0004ef979151ebc62c259b284a0aee3860db00c2c20959` } })
      assert.equal(r.status, 200, r.text)
      r = await send(em.url, { path, body: TLS_BODY, headers: { ...NODE_HEADERS, Authorization: `HMAC-SHA256 Credential=${TLS_AK}/${scope}, SignedHeaders=${NODE_SIGNED}, Signature=9ef730aed9a06756355b1bb47420b01b306cb079bede5fa7633abeb157bd6f78` } })
      assert.equal(r.status, 200, r.text)
      em.configure({ credentials: [{ accessKeyId: TLS_AK, accessKeySecret: TLS_SK, securityToken: 'exampleSessionToken' }] })
      r = await send(em.url, {
        path,
        body: TLS_BODY,
        headers: {
          ...GO_HEADERS,
          'X-Security-Token': 'exampleSessionToken',
          Authorization: `HMAC-SHA256 Credential=${TLS_AK}/${scope}, SignedHeaders=${GO_SIGNED.replace('x-date;', 'x-date;x-security-token;')}, Signature=ca4313e8d2bbc697998a4e45c76be07a7c8ad9973420796d63f00df7e2a49091`
        }
      })
      assert.equal(r.status, 200, r.text)
      const logs = em.logs({ topicId: TLS_TOPIC })
      assert.equal(logs.length, 3)
      assert.deepEqual(logs[0]!.contents, [['level', 'INFO'], ['msg', 'hello']])
      assert.equal(logs[0]!.time, 1704164645000)
      assert.equal(logs[0]!.source, '127.0.0.1')
      assert.equal(logs[0]!.filename, 'app.log')
      // one byte changed in the signature is refused
      r = await send(em.url, { path, body: TLS_BODY, headers: { ...NODE_HEADERS, Authorization: `HMAC-SHA256 Credential=${TLS_AK}/${scope}, SignedHeaders=${NODE_SIGNED}, Signature=9ef730aed9a06756355b1bb47420b01b306cb079bede5fa7633abeb157bd6f79` } })
      assert.equal(r.status, 401)
    } finally {
      await em.close()
    }
  })
})

// ---- SLS v1 vectors A–E and the derived route vector -----------------------------------------
describe('SLS v1 vectors', () => {
  const v1 = (o: { method: string, md5?: string, ct?: string, date: string, headers: Record<string, string>, path: string, query?: string }): string =>
    slsSignature.slsV1StringToSign({ method: o.method, contentMd5: o.md5 ?? '', contentType: o.ct ?? '', date: o.date, headers: o.headers, path: o.path, query: new URLSearchParams(o.query ?? '') })

  it('A (Go TestSignatureGet)', () => {
    const s = v1({ method: 'GET', date: 'Mon, 3 Jan 2010 08:33:47 GMT', headers: { 'x-log-apiversion': '0.6.0', 'x-log-bodyrawsize': '0', 'x-log-signaturemethod': 'hmac-sha1' }, path: '/logstores' })
    assert.equal(s, 'GET\n\n\nMon, 3 Jan 2010 08:33:47 GMT\nx-log-apiversion:0.6.0\nx-log-bodyrawsize:0\nx-log-signaturemethod:hmac-sha1\n/logstores')
    assert.equal(slsSignature.slsV1Signature('mockAccessKeySecret', s), 'Rwm6cTKzoti4HWoe+GKcb6Kv07E=')
  })

  it('B (Go TestSignaturePost, 52-byte LogGroupList body)', () => {
    const body = Buffer.concat([Buffer.from('0a32', 'hex'), Buffer.from('0a1e08f8b2939e0512160a07546573744b6579120b54657374436f6e74656e741a00220e31302e3233302e3230312e313137', 'hex')])
    const md5 = createHash('md5').update(body).digest('hex').toUpperCase()
    assert.equal(md5, '8D6881250FF5559F59BBDF04100F6E59')
    const s = v1({ method: 'GET', md5, ct: 'application/x-protobuf', date: 'Mon, 3 Jan 2010 08:33:47 GMT', headers: { 'x-log-apiversion': '0.6.0', 'x-log-bodyrawsize': '50', 'x-log-signaturemethod': 'hmac-sha1', 'content-length': '50' }, path: '/logstores/app_log' })
    assert.equal(s, 'GET\n8D6881250FF5559F59BBDF04100F6E59\napplication/x-protobuf\nMon, 3 Jan 2010 08:33:47 GMT\nx-log-apiversion:0.6.0\nx-log-bodyrawsize:50\nx-log-signaturemethod:hmac-sha1\n/logstores/app_log')
    assert.equal(slsSignature.slsV1Signature('mockAccessKeySecret', s), '87xQWqFaOSewqRIma8kPjGYlXHc=')
  })

  it('C (official example 1, query with an empty value)', () => {
    const s = v1({ method: 'GET', date: 'Mon, 09 Nov 2015 06:11:16 GMT', headers: { 'x-log-apiversion': '0.6.0', 'x-log-signaturemethod': 'hmac-sha1' }, path: '/logstores', query: 'size=1000&offset=0&logstoreName=' })
    assert.equal(s, 'GET\n\n\nMon, 09 Nov 2015 06:11:16 GMT\nx-log-apiversion:0.6.0\nx-log-signaturemethod:hmac-sha1\n/logstores?logstoreName=&offset=0&size=1000')
    assert.equal(slsSignature.slsV1Signature('4fdO2fTDDnZPU/L7CHNdemB2Nsk=', s), 'jEYOTCJs2e88o+y5F4/S5IsnBJQ=')
  })

  const D_HEADERS = { 'x-log-apiversion': '0.6.0', 'x-log-signaturemethod': 'hmac-sha1', 'content-length': '52', 'x-log-bodyrawsize': '50', 'x-log-compresstype': 'lz4' }
  it('D (official example 2, lz4)', () => {
    const s = v1({ method: 'POST', md5: '1DD45FA4A70A9300CC9FE7305AF2C494', ct: 'application/x-protobuf', date: 'Mon, 09 Nov 2015 06:03:03 GMT', headers: D_HEADERS, path: '/logstores/test-logstore' })
    assert.equal(s, 'POST\n1DD45FA4A70A9300CC9FE7305AF2C494\napplication/x-protobuf\nMon, 09 Nov 2015 06:03:03 GMT\nx-log-apiversion:0.6.0\nx-log-bodyrawsize:50\nx-log-compresstype:lz4\nx-log-signaturemethod:hmac-sha1\n/logstores/test-logstore')
    assert.equal(slsSignature.slsV1Signature('4fdO2fTDDnZPU/L7CHNdemB2Nsk=', s), 'XWLGYHGg2F2hcfxWxMLiNkGki6g=')
  })

  it('E (STS token header sorts first)', () => {
    const token = 'CAISiwJ1q6Ft5B2yfSjIr5D7Et3+35R02JuKR1P1lk40dt1giPfK1Dz2IHhLdXNrAuEXs/w0mmBQ7v8TlqZdVplOWU3Da+B364xK7Q75jHw5B0zwv9I+k5SANTW5KXyShb3/AYjQSNfaZY3eCTTtnTNyxr3XbCirW0ffX7SClZ9gaKZ8PGD6F00kYu1bPQx/ssQXGGLMPPK2SH7Qj3HXEVBjt3gX6wo9y9zmnZHNukGH3QOqkbVM9t6rGPX+MZkwZqUYesyuwel7epDG1CNt8BVQ/M909vccpmad5YrMUgQJuEvWa7KNo8caKgJmI7M3AbBFp/WlyKMn5raOydSrkE8cePtSVynP+g0hR0dZ+YgagAEFdb+5rO1e+OZ3kcmPKF5Zh2Sni+vF1qzKA/SElND5koQQV6uvVCweKnfzCPMKjY0OXWmfgtcwOTyJ4ABGsTGnILzBNRD/+Gdqe7wclZrj0aDUkTdFf8k7SudZuO9KOPBe8mS3pJoMs1p67mWA/J4Wn0dottbprb5EQOBRxUC6bw=='
    const s = v1({ method: 'POST', md5: '1DD45FA4A70A9300CC9FE7305AF2C494', ct: 'application/x-protobuf', date: 'Mon, 09 Nov 2015 06:03:03 GMT', headers: { ...D_HEADERS, 'x-acs-security-token': token }, path: '/logstores/test-logstore' })
    assert.ok(s.split('\n')[4]!.startsWith('x-acs-security-token:CAIS'))
    assert.equal(slsSignature.slsV1Signature('56Xqw2THF5vTHTNkGWR6uGRKXToKWMi2eLFjppPNV8RR', s), 'G3R03b6PwVI+zUaLtqezsBDL/j8=')
  })

  it('x-log-date is never a canonical header', () => {
    const h = { 'x-log-apiversion': '0.6.0', 'x-log-date': 'whatever', 'X-Log-Bodyrawsize': ' 5 ' }
    assert.equal(slsSignature.slsV1CanonicalHeaders(h), 'x-log-apiversion:0.6.0\nx-log-bodyrawsize:5')
  })

  it('derived route vector is accepted end to end at its Date', async () => {
    const body = Buffer.from('0a1e08f8b2939e0512160a07546573744b6579120b54657374436f6e74656e741a00220e31302e3233302e3230312e313137', 'hex')
    const em = await startEmulator({
      clock: () => Date.UTC(2010, 0, 3, 8, 33, 47),
      credentials: [{ accessKeyId: 'mockAccessKeyID', accessKeySecret: 'mockAccessKeySecret' }],
      sls: { projects: { demo: ['app_log'] }, timeWindow: null }
    })
    try {
      const r = await send(em.url, {
        path: '/logstores/app_log/shards/route?key=80000000000000000000000000000000',
        body,
        headers: {
          Host: `demo.${new URL(em.url).host}`,
          Date: 'Mon, 03 Jan 2010 08:33:47 GMT',
          'Content-Type': 'application/x-protobuf',
          'Content-MD5': '875264590688CA6171F6228AF5BBB3D2',
          'x-log-apiversion': '0.6.0',
          'x-log-bodyrawsize': '50',
          'x-log-signaturemethod': 'hmac-sha1',
          Authorization: 'LOG mockAccessKeyID:uL5tjDWdEc7gVi5sLitsg4ULpNc='
        }
      })
      assert.equal(r.status, 200, r.text)
      const [log] = em.logs({ project: 'demo', logstore: 'app_log' })
      assert.deepEqual(log!.contents, [['TestKey', 'TestContent']])
      assert.equal(log!.time, 1405409656)
      assert.equal(log!.topic, '')
      assert.equal(log!.source, '10.230.201.117')
      assert.equal(log!.hashKey, '80000000000000000000000000000000')
    } finally {
      await em.close()
    }
  })
})

// ---- SLS v4 (Go signature_v4_test.go) --------------------------------------------------------
describe('SLS v4 vectors', () => {
  const BODY = 'adasd= -asd zcas'
  const DT = '20220808T032330Z'
  const odd = (): { headers: Record<string, string>, query: URLSearchParams } => {
    const query = new URLSearchParams()
    query.append(' abc', 'efg'); query.append(' agc ', ''); query.append('', 'efg'); query.append('A-bc', 'eFg')
    return {
      headers: { hello: 'world', 'hello-Text': 'a12X- ', ' Ko ': '', '': 'AA', 'x-log-test': 'het123', 'x-acs-ppp': 'dds', 'x-log-date': DT },
      query
    }
  }
  const sig = (method: string, path: string, query: URLSearchParams, headers: Record<string, string>, body: string, region: string): string => {
    const payloadHash = body.length ? sha(body) : slsSignature.EMPTY_SHA256
    const { canonicalRequest } = slsSignature.buildSlsV4CanonicalRequest({ method, path, query, headers: { ...headers, 'x-log-content-sha256': payloadHash }, payloadHash })
    return slsSignature.slsV4Signature('zxasdasdasw2', DT, region, canonicalRequest)
  }

  it('case 2: POST /logstores, no extra headers, cn-shanghai', () => {
    const payloadHash = sha(BODY)
    const { canonicalRequest } = slsSignature.buildSlsV4CanonicalRequest({ method: 'POST', path: '/logstores', query: new URLSearchParams(), headers: { 'x-log-date': DT, 'x-log-content-sha256': payloadHash }, payloadHash })
    assert.equal(canonicalRequest, `POST\n/logstores\n\nx-log-content-sha256:${payloadHash}\nx-log-date:${DT}\n\nx-log-content-sha256;x-log-date\n${payloadHash}`)
    assert.equal(slsSignature.slsV4Signature('zxasdasdasw2', DT, 'cn-shanghai', canonicalRequest), '8a10a5e723cb2e75964816de660b2c16a58af8bc0261f7f0722d832468c76ce8')
  })

  it('cases 1, 3, 4: odd headers and params', () => {
    const { headers, query } = odd()
    assert.equal(slsSignature.slsV4CanonicalQuery(query), '=efg& abc=efg& agc &A-bc=eFg')
    assert.equal(sig('POST', '/logstores', query, headers, BODY, 'cn-hangzhou'), 'a98f5632e93836e63839cd836a54055f480020a9364ca944e2d34f2eb9bf1bed')
    assert.equal(sig('POST', '/logstores', query, headers, '', 'cn-hangzhou'), '5a66d8f8051983e0e9d08e0f960ef9252ef971eead5bb5c7acec8617a2eb2701')
    assert.equal(sig('GET', '/logstores', query, headers, '', 'cn-hangzhou'), 'd92741852500791d662a8d469ff61627c0559ecd86c3f59b7bf6772b6c62666a')
  })

  it('case 5: complex path and params', () => {
    const { headers, query } = odd()
    query.append('abs-ij*asd/vc', 'a~js+d ada')
    query.append('a abAas123/vc', 'a~jdad a2ADFs+d ada')
    assert.equal(sig('POST', '/logstores/hello/a+*~bb/cc', query, headers, BODY, 'cn-hangzhou'), '2c204068e961a8813a6bcf7ac422f7fa6e9bf9a5da493e0165dfe100854d18ff')
  })

  it('case 6: percent-encoding', () => {
    assert.equal(slsSignature.slsPercentEncode('123abc!@#$%^&*()-=_+ ~|\\/'), '123abc%21%40%23%24%25%5E%26%2A%28%29-%3D_%2B%20~%7C%5C%2F')
    assert.equal(slsSignature.slsPercentEncode('!@#$%^&*()=-+ ~./_[()]%20你好\u0000\u0111❤😓'), '%21%40%23%24%25%5E%26%2A%28%29%3D-%2B%20~.%2F_%5B%28%29%5D%2520%E4%BD%A0%E5%A5%BD%00%C4%91%E2%9D%A4%F0%9F%98%93')
  })
})
