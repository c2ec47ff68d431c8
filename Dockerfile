# syntax=docker/dockerfile:1.7
# One image for every service: `docker run notify <service> [args]`, e.g. `notify ingest`,
# `notify sender` (with SENDER_PROVIDER) or `notify sender-twilio`, `notify admin-tasks topics create`.
#
#   docker build -t notify .

ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: install everything, compile every workspace ------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV CI=true \
    TURBO_TELEMETRY_DISABLED=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
COPY . .
# Some npm releases refuse a lockfile that records platform-specific optional packages differently from
# their own resolution; `npm install` still installs the locked versions then (as scripts/lib/deps.mjs does).
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund \
    || { echo 'npm ci refused the lockfile; installing the locked versions with npm install' >&2; \
         npm install --no-audit --no-fund; }
RUN npx turbo run build --env-mode=loose --output-logs=errors-only

# --- prune: production dependencies and build output only ---------------------------------------
FROM build AS prune
RUN --mount=type=cache,target=/root/.npm \
    npm prune --omit=dev --no-audit --no-fund
# Copy, per workspace, its package.json, what its "files" field names (dist/ when it names none) and its own
# node_modules (versions that could not be hoisted), plus the root manifests and the pruned root
# node_modules; the test workspace stays behind.
RUN node --input-type=module -e "\
import fs from 'node:fs'; import path from 'node:path'; \
const out = '/out'; \
const root = JSON.parse(fs.readFileSync('package.json', 'utf8')); \
fs.mkdirSync(out, { recursive: true }); \
for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(f, path.join(out, f)); \
fs.cpSync('node_modules', path.join(out, 'node_modules'), { recursive: true, verbatimSymlinks: true }); \
const dirs = root.workspaces.flatMap((w) => w.endsWith('/*') ? fs.readdirSync(w.slice(0, -2)).map((d) => path.join(w.slice(0, -2), d)) : [w]); \
for (const dir of dirs) { \
  const manifest = path.join(dir, 'package.json'); \
  if (!fs.existsSync(manifest)) continue; \
  const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8')); \
  const link = path.join(out, 'node_modules', pkg.name); \
  if (pkg.name === '@notify/system-tests') { fs.rmSync(link, { force: true }); continue; } \
  fs.mkdirSync(path.join(out, dir), { recursive: true }); \
  fs.copyFileSync(manifest, path.join(out, manifest)); \
  for (const entry of [...(pkg.files ?? ['dist']), 'node_modules']) { \
    if (fs.existsSync(path.join(dir, entry))) fs.cpSync(path.join(dir, entry), path.join(out, dir, entry), { recursive: true, verbatimSymlinks: true }); \
  } \
}"

# --- runtime --------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# Heap sized for the chart's default 512 MiB memory limit: old space 128 MiB; 32 MiB semi-spaces, so that
# records held for a provider call or a transaction die young instead of filling the old space between
# full collections. Raise --max-old-space-size with the limit (NODE_OPTIONS in the component's env).
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NODE_OPTIONS="--max-old-space-size=128 --max-semi-space-size=32"
RUN groupadd --system --gid 10001 notify \
 && useradd --system --uid 10001 --gid notify --home-dir /app --no-create-home --shell /usr/sbin/nologin notify
WORKDIR /app
COPY --from=prune --chown=root:root /out/ /app/
COPY --chmod=0755 <<'EOF' /usr/local/bin/notify-service
#!/bin/sh
# Runs services/<name>/dist/main.js. `sender-<provider>` is `sender` with SENDER_PROVIDER=<provider>.
set -eu
name="${1:-}"
[ "$#" -gt 0 ] && shift
case "$name" in
  sender-*) SENDER_PROVIDER="${name#sender-}"; export SENDER_PROVIDER; name=sender ;;
esac
main="/app/services/$name/dist/main.js"
if [ -z "$name" ] || [ ! -f "$main" ]; then
  echo "usage: <service> [args...]; services in this image:" >&2
  for dir in /app/services/*/; do
    [ -f "${dir}dist/main.js" ] && echo "  $(basename "$dir")" >&2
  done
  exit 64
fi
exec node --enable-source-maps "$main" "$@"
EOF
USER 10001:10001
EXPOSE 8080 9464
ENTRYPOINT ["/usr/local/bin/notify-service"]
CMD []
