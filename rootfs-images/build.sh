#!/usr/bin/env bash
# Builds the tutorial's images (nginx, bprashanth/nginxhttps:1.0, radial/busyboxplus:curl) as OCI archives in OUTDIR.
set -euo pipefail
exec python3 "$(dirname "$0")/build.py" "$@"
