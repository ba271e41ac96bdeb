# syntax=docker/dockerfile:1
#
# One image for every process: the API is the default command, the Temporal
# workers run the same image with `node dist/src/main/worker.js` and a role:
# `--role steps` (every activity but rendering; the one that signs) or
# `--role render` (Chromium; no signing key, no master key). The render
# worker's Chromium sandbox needs user namespaces (see "The render worker" in
# docs/production.md), or CHROMIUM_SANDBOX=off.

# The same Node.js line the scripts install and the tests run on (NODE_VERSION in
# scripts/lib.sh, `engines` in package.json). Bookworm, for its chromium package.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------
# build: compile TypeScript, then drop dev dependencies so the runtime stage
# can take node_modules as it is.
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build

# playwright-core never downloads a browser, but the variable also stops any
# other package's install script from trying.
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    npm_config_fund=false \
    npm_config_audit=false \
    npm_config_update_notifier=false

WORKDIR /app

# Dependencies first so that source edits reuse the cached install layer.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci

COPY . .
RUN npm run build \
 && npm prune --omit=dev

# ---------------------------------------------------------------------------
# runtime
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

# chromium renders the PDFs (driven by playwright-core through CHROMIUM_PATH);
# fonts-dejavu-core gives it glyphs to lay text out with; poppler-utils brings
# pdfsig/pdfinfo for verifying signed artifacts from inside the container;
# tini reaps the Chromium helper processes that Node, as PID 1, would not.
# Versions are left to the bookworm archive on purpose: Chromium security
# updates replace the old package there, so an exact pin stops building.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      chromium \
      fonts-dejavu-core \
      poppler-utils \
      tini \
 && rm -rf /var/lib/apt/lists/*

# NODE_ENV=production is read by the configuration: each process refuses to
# start, naming every problem, without the secrets its role needs
# (DOWNLOAD_URL_SECRET, SIGNING_P12_PATH and SIGNING_P12_PASSWORD,
# JWS_KEYS_DIR, ARTIFACT_MASTER_KEY with the fs store, STAGING_KEY for the
# workers, an https:// PUBLIC_BASE_URL), with a key file inside DATA_DIR, or
# as a worker without --role. Nothing is generated: mount the keys read-only
# from elsewhere, and give secret values as files (DOWNLOAD_URL_SECRET_FILE
# and the like).
ENV NODE_ENV=production \
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    CHROMIUM_PATH=/usr/bin/chromium \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=3000 \
    OPS_PORT=9400 \
    DATA_DIR=/var/lib/evidence-reports

WORKDIR /app

# Application files stay root-owned: the service account can read and run
# them but not rewrite them. Only DATA_DIR is writable.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/templates ./templates

# The node image ships an unprivileged `node` user (uid 1000). A fresh named
# volume mounted here copies this ownership.
RUN mkdir -p "$DATA_DIR" && chown node:node "$DATA_DIR"

# Numeric, so orchestrators that enforce non-root can verify it (uid of `node`).
USER 1000:1000

EXPOSE 3000

# Only meaningful for the API; the workers' compose services disable it.
# The slim image has no curl, so Node's own fetch does the probe.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.OPS_PORT || 9400) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main/server.js"]
