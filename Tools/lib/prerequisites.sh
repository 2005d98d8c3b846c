# Tools/lib/prerequisites.sh — what Tools/test and the walk-through scripts need on a fresh
# Debian machine, installed on first use. Source it from the repository root.

NATS_PY_VERSION=2.15.0

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() { # package...
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "Tools/$(basename "$0"): installing ${missing[*]} with apt-get" >&2
        as_root apt-get update -qq >/dev/null || true
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# Debian's nats-server (the reference, and the hub of the leafnode walk-throughs), without the
# system service the package enables: tests and demos start their own servers on loopback.
ensure_nats_server() {
    apt_install nats-server
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nats-server 2>/dev/null; then
        as_root systemctl stop nats-server || true
    fi
}

# .venv with the official Python client, nats-py.
ensure_python_client() {
    apt_install python3-venv
    if ! .venv/bin/python -c "import nats, nkeys, aiohttp, sys; from importlib.metadata import version; sys.exit(version('nats-py') != '$NATS_PY_VERSION')" 2>/dev/null; then
        echo "Tools/$(basename "$0"): creating .venv with nats-py $NATS_PY_VERSION" >&2
        python3 -m venv .venv
        .venv/bin/pip install -q --disable-pip-version-check "nats-py[nkeys]==$NATS_PY_VERSION" aiohttp
    fi
}
