#!/bin/sh
# Container entry point for mqttd: the broker runs in the foreground as PID 1's direct replacement
# (exec), so `docker stop` (SIGTERM) and Ctrl-C (SIGINT) reach it and it stops gracefully: MQTT 5
# clients get DISCONNECT 0x8B, the store is flushed, exit 0. Extra arguments go to
# `mqttctl start --foreground` (e.g. --config /data/broker.yaml, which replaces MQTTD_CONFIG).
#   MQTTD_HOME      where mqttd is installed (default /opt/mqttd)
#   MQTTD_DATA_DIR  its data directory (default /data: mount a volume there)
#   MQTTD_CONFIG    the config file (default docs/deploy/broker.yaml of MQTTD_HOME: mqtt on
#                   0.0.0.0:1883, clients need an account; see that file)
set -eu
MQTTD_HOME="${MQTTD_HOME:-/opt/mqttd}"
MQTTD_DATA_DIR="${MQTTD_DATA_DIR:-/data}"
MQTTD_CONFIG="${MQTTD_CONFIG:-$MQTTD_HOME/docs/deploy/broker.yaml}"
for arg in "$@"; do
  case "$arg" in
    --config|--config=*|-c|-c=*) MQTTD_CONFIG="" ;;
  esac
done
if [ -n "$MQTTD_CONFIG" ]; then set -- --config "$MQTTD_CONFIG" "$@"; fi
exec node "$MQTTD_HOME/bin/run.js" start --foreground --data-dir "$MQTTD_DATA_DIR" "$@"
