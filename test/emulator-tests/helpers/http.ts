// Raw loopback HTTP with full control of headers (including Host) for the emulator tests.
import { request } from 'node:http'

export interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: any
}

export function send (baseUrl: string, o: { method?: string, path: string, headers?: Record<string, string>, body?: Buffer | string, timeoutMs?: number }): Promise<Reply> {
  const u = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const req = request({
      host: u.hostname,
      port: u.port,
      method: o.method ?? 'POST',
      path: o.path,
      headers: o.headers,
      agent: false,
      timeout: o.timeoutMs ?? 5000
    }, res => {
      const chunks: Buffer[] = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json: unknown
        try { json = text ? JSON.parse(text) : undefined } catch { json = undefined }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
      })
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })))
    req.on('error', reject)
    req.end(o.body)
  })
}

export async function getJson (baseUrl: string, path: string, method = 'GET', body?: unknown): Promise<any> {
  const r = await send(baseUrl, {
    method,
    path,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  if (r.status !== 200) throw new Error(`${method} ${path} → ${r.status} ${r.text}`)
  return r.json
}
