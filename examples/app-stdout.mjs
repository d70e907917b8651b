// An app that logs with plain pino to stdout, for the logship-pino CLI:
//
//   node examples/app-stdout.mjs | npx logship-pino --service tls --topic-id "$VOLCENGINE_TLS_TOPIC_ID"
//
// (examples/cli-pipeline.sh runs exactly this against the configured service or the emulator.)
import pino from 'pino'

const count = Number(process.env.COUNT ?? 50)
const logger = pino({ base: { app: 'batch-job' } })   // NDJSON on stdout, synchronously

for (let seq = 0; seq < count - 1; seq++) logger.info({ example: 'cli', seq, step: 'import' }, 'rows imported')
// A stray non-JSON line on stdout is shipped as { msg: line }, not dropped.
console.log(`plain text line, seq ${count - 1}`)
