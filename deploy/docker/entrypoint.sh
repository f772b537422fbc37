#!/bin/sh
# Container entrypoint. With DEV_SECRETS_DIR set (docker-compose.yml does, for a first start without any .env) and
# TOKEN_ENCRYPTION_KEYS or API_TOKENS empty, it generates them once into that directory (a volume), says so, and
# reuses them on later starts. Secrets are written to files, never to the log. Production sets both variables and
# leaves DEV_SECRETS_DIR unset. Then it execs the command, so node is PID 1 and receives SIGTERM itself.
set -eu

# Replicas started together (--scale) share the volume: the hard link makes exactly one generated value win.
generate() { # generate FILE NODE_EXPRESSION
  if [ ! -s "$1" ]; then
    candidate="$1.$$.tmp"
    (umask 077 && node -e "process.stdout.write($2)" > "$candidate")
    if ln "$candidate" "$1" 2>/dev/null; then
      echo "lark-card-auth entrypoint: generated $1 (development only; set the variable itself in production)" >&2
    fi
    rm -f "$candidate"
  fi
}

if [ -n "${DEV_SECRETS_DIR:-}" ]; then
  mkdir -p "$DEV_SECRETS_DIR"
  if [ -z "${TOKEN_ENCRYPTION_KEYS:-}" ]; then
    generate "$DEV_SECRETS_DIR/token-encryption-keys" "'dev1:' + require('crypto').randomBytes(32).toString('base64')"
    TOKEN_ENCRYPTION_KEYS="$(cat "$DEV_SECRETS_DIR/token-encryption-keys")"
    export TOKEN_ENCRYPTION_KEYS
    echo "lark-card-auth entrypoint: TOKEN_ENCRYPTION_KEYS read from $DEV_SECRETS_DIR/token-encryption-keys" >&2
  fi
  if [ -z "${API_TOKENS:-}" ]; then
    generate "$DEV_SECRETS_DIR/api-token" "require('crypto').randomBytes(24).toString('base64url')"
    API_TOKENS="$(cat "$DEV_SECRETS_DIR/api-token")"
    export API_TOKENS
    echo "lark-card-auth entrypoint: API_TOKENS read from $DEV_SECRETS_DIR/api-token (docker compose exec lark-card-auth cat $DEV_SECRETS_DIR/api-token)" >&2
  fi
fi

exec "$@"
