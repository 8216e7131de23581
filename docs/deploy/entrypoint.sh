#!/bin/sh
# Container entry point for mqttd: the broker runs in the foreground as PID 1's direct replacement
# (exec), so `docker stop` (SIGTERM) and Ctrl-C (SIGINT) reach it and it stops gracefully: MQTT 5
# clients get DISCONNECT 0x8B, the store is flushed, exit 0. Extra arguments go to
# `mqttctl start --foreground` (e.g. --config /etc/mqttd/broker.yaml).
#   MQTTD_HOME      where mqttd is installed (default /opt/mqttd)
#   MQTTD_DATA_DIR  its data directory (default /data: mount a volume there)
set -eu
MQTTD_HOME="${MQTTD_HOME:-/opt/mqttd}"
MQTTD_DATA_DIR="${MQTTD_DATA_DIR:-/data}"
exec node "$MQTTD_HOME/bin/run.js" start --foreground --data-dir "$MQTTD_DATA_DIR" "$@"
