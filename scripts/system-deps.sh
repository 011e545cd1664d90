#!/usr/bin/env bash
# Installs the Debian packages ryoken's tests and reports need, only when they are missing.
# Chromium drives the browser tests (Playwright launches /usr/bin/chromium; it never downloads
# a browser). Noto CJK gives screens and PDFs their Japanese glyphs; gettext compiles the
# English translations. SoftHSM2 is the PKCS#11 token the HSM signer is tested against; Go
# and golang.org/x/mod (sumdb/note, sumdb/tlog) check our checkpoints and proofs in the
# interoperability test (tests/integration/test_go_interop.py).
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
command -v msgfmt >/dev/null || need+=(gettext)
command -v softhsm2-util >/dev/null || need+=(softhsm2)
command -v go >/dev/null || need+=(golang-go)
[ -e /usr/share/gocode/src/golang.org/x/mod/sumdb/note/note.go ] || need+=(golang-golang-x-mod-dev)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "ryoken needs Debian packages: ${need[*]} (run: sudo apt-get install -y ${need[*]})" >&2
  exit 1
fi
echo "installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
