import { LogshipTransport } from './transport.js'

export { LogshipTransport }
export type { LogshipTransportOptions } from './options.js'
export type { AdapterDropEvent, TransportEventName } from './sink.js'
export { mapInfo } from './mapping.js'
export type { MappedRecord, MappingOptions, NestedMode } from './mapping.js'
export default LogshipTransport
