/** The machine a run happened on: CPU model, cores, memory, load, Node and OS. */
import { readFileSync } from 'node:fs'
import os from 'node:os'

export function machineInfo (): string {
  let model = os.cpus()[0]?.model ?? 'unknown CPU'
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'))
    if (line !== undefined) model = line.split(':')[1].trim()
  } catch {
    // not Linux
  }
  const mhz = os.cpus()[0]?.speed
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ')
  return `${model}${mhz ? ` @ ${mhz} MHz` : ''}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
    `Node ${process.version}, ${os.type()} ${os.release()} ${os.arch()}, load average at start ${load}`
}
