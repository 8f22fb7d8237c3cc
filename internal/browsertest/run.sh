#!/usr/bin/env bash
# Real-browser test of the sample notebooks: installs what is missing
# (Debian's chromium, playwright-core from the committed lock file) and runs
# lab_test.mjs. Exit status is the test's.
#
# Environment: GOLAB_VENV (virtualenv with jupyter-lab and the golab
# kernelspec; default <repo>/.venv), JUPYTER_PATH, TEST_OUT (screenshots go to
# $TEST_OUT/browsertest; default <repo>/bench/out), CHROMIUM (default
# /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")"

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "browsertest: $chromium is missing; install Debian's chromium package (apt-get install chromium)" >&2
		exit 1
	fi
	echo "browsertest: installing chromium from Debian"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
fi

# playwright-core drives the system browser and never downloads one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
want="$(node -p 'require("./package-lock.json").packages["node_modules/playwright-core"].version')"
have="$(node -p 'try { require("./node_modules/playwright-core/package.json").version } catch { "" }')"
if [ "$want" != "$have" ]; then
	npm ci --no-audit --no-fund
fi

exec node lab_test.mjs
