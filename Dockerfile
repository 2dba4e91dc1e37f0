# syntax=docker/dockerfile:1
#
# key-rotator container image. By default it runs the daemon, `key-rotator schedule --port 8080`:
# it ticks on the config's schedule.cron (and once at start-up) and serves GET /healthz and /metrics
# on 8080. Any other command works too: `docker run … key-rotator run` for a one-shot run.
#
#   docker build -t key-rotator .
#   docker run -d --name key-rotator --stop-timeout 45 -p 127.0.0.1:8080:8080 \
#     -v "$PWD/key-rotator.yaml:/config/key-rotator.yaml:ro" \
#     -v key-rotator-state:/var/lib/key-rotator \
#     --env-file key-rotator.env \
#     key-rotator
#
# - The config is read from $KEY_ROTATOR_CONFIG (/config/key-rotator.yaml): mount it there.
# - With `state.type: file`, set `state.path: /var/lib/key-rotator/state.json`. That directory is a
#   VOLUME owned by uid 1000: the journal on it is what lets a restarted container resume or roll back
#   a rotation in flight. A bind mount there must be writable by uid 1000.
# - Secrets (MGA_ADMIN_KEY, KEY_ROTATOR_SEAL_KEY, tokens) come from the environment, never the image.
# - SIGTERM lets the running tick finish for up to --shutdown-timeout (default 30s) and exits 0:
#   give `docker stop` more than that (--stop-timeout 45 above; Docker's default is 10 s).
#
# test/deploy/dockerfile.test.ts rehearses this file without Docker: it parses it, runs each stage's
# RUN steps in a temporary copy of the build context, starts ENTRYPOINT + CMD as uid 1000 and waits
# for HEALTHCHECK to pass. Keep to the instructions its parser knows (it fails loudly on others).

# ---- build: every dependency (esbuild), then dist/ ----------------------------------------------
FROM node:22-bookworm-slim AS build
WORKDIR /app
# --ignore-scripts: no install script is needed. esbuild's binary comes from its optional platform
# package (@esbuild/linux-x64 or -arm64); the others are protobufjs's version notice and classic-level
# (dynalite, tests only), which loads a prebuilt binary. npm 11 blocks such scripts by default anyway;
# the flag makes npm 10 (bundled with Node 22) behave the same.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
COPY providers ./providers
# dist/lambda.mjs (the Lambda's self-contained bundle) and its map are 18 of dist's 20 MB: not for the image.
RUN npm run build && rm dist/lambda.mjs dist/lambda.mjs.map

# ---- runtime: production dependencies, dist/ and config/, as uid 1000 ---------------------------
FROM node:22-bookworm-slim AS runtime
# Stack traces in logs point at the TypeScript sources (dist/ ships its source maps).
ENV NODE_ENV=production NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY package.json package-lock.json ./
# The npm cache lives in a build cache mount, so none of it lands in the image.
RUN --mount=type=cache,target=/root/.npm,sharing=locked npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY config ./config
RUN mkdir -p /var/lib/key-rotator && chown 1000:1000 /var/lib/key-rotator
# The image's `node` user, by number so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
ENV KEY_ROTATOR_CONFIG=/config/key-rotator.yaml
VOLUME /var/lib/key-rotator
EXPOSE 8080
# Slim images have no curl: node's fetch. 200 while the scheduler runs; 503 once a tick crashed or
# while it stops.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["schedule", "--port", "8080"]
