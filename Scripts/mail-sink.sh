#!/usr/bin/env bash
# A real MTA client sending to a local SMTP sink, for the end-to-end mail test (Documentation/Operations.md, Mail).
#
#   eval "$(bash Scripts/mail-sink.sh start DIR)"   # installs msmtp (Debian) and aiosmtpd (PyPI) if missing, starts
#                                                   # the sink on a free loopback port, prints the test's variables
#   swift test --filter EndToEndMailTests
#   bash Scripts/mail-sink.sh stop DIR              # stops the sink started in DIR
#
# The sink writes every message it receives, exactly as it came over SMTP, to DIR/received/<n>.eml (and the envelope
# recipients to <n>.rcpt). msmtp is configured by DIR/msmtprc to send there, with no TLS and no authentication: for
# this test only. Everything it prints on standard output is `export` lines; progress goes to standard error.
set -euo pipefail

command=${1:-}
dir=${2:-}
if [[ -z "$command" || -z "$dir" ]]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 64
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

stop() {
  if [[ -f "$dir/sink.pid" ]]; then
    kill "$(cat "$dir/sink.pid")" 2>/dev/null || true
    rm -f "$dir/sink.pid"
  fi
}

case "$command" in
stop)
  stop
  exit 0
  ;;
start) ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 64
  ;;
esac

if ! command -v msmtp >/dev/null 2>&1; then
  echo "mail-sink: installing msmtp (Debian)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq msmtp >&2
fi
if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
  echo "mail-sink: installing aiosmtpd (PyPI)" >&2
  python3 -m pip install -q 'aiosmtpd==1.4.6' >&2
fi

stop
mkdir -p "$dir/received"
rm -f "$dir"/received/* "$dir/sink.ready"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# A port nothing listens on, for the test's failure case.
dead_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cat >"$dir/sink.py" <<'PY'
"""An SMTP sink: every message as received (original_content) into a folder, one file each."""
import itertools, os, signal, sys, threading, time

from aiosmtpd.controller import Controller

folder, port, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
counter = itertools.count()


class Sink:
    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns()}-{next(counter):06d}"
        with open(os.path.join(folder, name + ".rcpt"), "w") as f:
            f.write("\n".join(envelope.rcpt_tos) + "\n")
        temporary = os.path.join(folder, name + ".tmp")
        with open(temporary, "wb") as f:
            f.write(envelope.original_content)
        os.replace(temporary, os.path.join(folder, name + ".eml"))  # written before the 250 reply
        return "250 Message accepted for delivery"


controller = Controller(Sink(), hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
controller.start()
open(ready, "w").close()
stopped = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stopped.set())
stopped.wait()
controller.stop()
PY

nohup python3 "$dir/sink.py" "$dir/received" "$port" "$dir/sink.ready" >"$dir/sink.log" 2>&1 &
echo $! >"$dir/sink.pid"
for _ in $(seq 1 300); do
  [[ -f "$dir/sink.ready" ]] && break
  if ! kill -0 "$(cat "$dir/sink.pid")" 2>/dev/null; then
    echo "mail-sink: the sink did not start:" >&2
    cat "$dir/sink.log" >&2
    exit 1
  fi
  sleep 0.1
done
[[ -f "$dir/sink.ready" ]] || { echo "mail-sink: the sink did not start within 30 s" >&2; exit 1; }

write_config() { # FILE PORT
  cat >"$1" <<CONF
defaults
auth off
tls off
account default
host 127.0.0.1
port $2
from noreply@portal.example.gov
CONF
  chmod 600 "$1"
}
write_config "$dir/msmtprc" "$port"
write_config "$dir/msmtprc-unreachable" "$dead_port"

echo "mail-sink: SMTP sink on 127.0.0.1:$port, messages in $dir/received" >&2
echo "export TAXPAYER_ACCESS_SENDMAIL=$(command -v msmtp)"
echo "export TAXPAYER_ACCESS_SENDMAIL_ARGS='-C $dir/msmtprc'"
echo "export TAXPAYER_ACCESS_SENDMAIL_UNREACHABLE_ARGS='-C $dir/msmtprc-unreachable'"
echo "export TAXPAYER_ACCESS_MAIL_SINK='$dir/received'"
