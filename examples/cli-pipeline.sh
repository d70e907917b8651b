#!/bin/sh
# The logship-pino CLI in a shell pipeline: any app that writes pino NDJSON to stdout ships it
# without code changes. The CLI delivers what is buffered when stdin ends and exits 0 when
# everything arrived (1: bad configuration, 2: some records were not delivered).
#
#   sh examples/cli-pipeline.sh
#
# With VOLCENGINE_* + VOLCENGINE_TLS_TOPIC_ID set it ships to TLS; else with ALIBABA_CLOUD_* +
# ALIBABA_CLOUD_SLS_PROJECT/_LOGSTORE to SLS; else it starts the local emulator first.
# In an installed project the CLI is `npx logship-pino` or `pnpm exec logship-pino`; here it is
# the workspace build, packages/pino/dist/cli.js.
set -eu
cd "$(dirname "$0")/.."
CLI="node packages/pino/dist/cli.js"

if [ -n "${VOLCENGINE_ACCESS_KEY_ID:-}" ] && [ -n "${VOLCENGINE_TLS_TOPIC_ID:-}" ]; then
  echo "shipping to TLS topic $VOLCENGINE_TLS_TOPIC_ID at ${VOLCENGINE_ENDPOINT:-?}" >&2
  node examples/app-stdout.mjs | $CLI --service tls --topic-id "$VOLCENGINE_TLS_TOPIC_ID" --linger-ms 200
elif [ -n "${ALIBABA_CLOUD_ACCESS_KEY_ID:-}" ] && [ -n "${ALIBABA_CLOUD_SLS_PROJECT:-}" ]; then
  echo "shipping to SLS $ALIBABA_CLOUD_SLS_PROJECT/${ALIBABA_CLOUD_SLS_LOGSTORE:-?} at ${ALIBABA_CLOUD_SLS_ENDPOINT:-?}" >&2
  node examples/app-stdout.mjs | $CLI --service sls --project "$ALIBABA_CLOUD_SLS_PROJECT" \
    --logstore "${ALIBABA_CLOUD_SLS_LOGSTORE:-}" --linger-ms 200
else
  # No credentials: start the emulator in the background and point the CLI at it.
  out=$(mktemp)
  node --import tsx test/emulator/cli.ts --port 0 --access-key-id example-access-key \
    --access-key-secret example-secret-key > "$out" < /dev/null &
  emulator=$!
  trap 'kill $emulator 2>/dev/null; rm -f "$out"' EXIT
  tries=0
  while [ ! -s "$out" ]; do
    tries=$((tries + 1))
    if [ "$tries" -gt 300 ] || ! kill -0 "$emulator" 2>/dev/null; then echo "the emulator did not start" >&2; exit 1; fi
    sleep 0.1
  done
  url=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$out")
  echo "no credentials set: shipping to the local emulator at $url" >&2

  # Credentials and endpoint through the environment, as you would for the real service.
  node examples/app-stdout.mjs | VOLCENGINE_ACCESS_KEY_ID=example-access-key \
    VOLCENGINE_ACCESS_KEY_SECRET=example-secret-key VOLCENGINE_ENDPOINT="$url" VOLCENGINE_REGION=cn-beijing \
    $CLI --service tls --topic-id example-topic --linger-ms 200

  node -e "fetch('$url/__emulator/logs').then(r => r.json()).then(({ count, logs }) => {
    console.log('the emulator stored ' + count + ' records, for example:')
    const all = logs.map((log) => Object.fromEntries(log.contents))
    console.log(JSON.stringify(all.find((c) => c.level)))
    console.log(JSON.stringify(all.find((c) => !c.level)) + '   <- the stray text line')
  })"
fi
