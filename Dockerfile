# syntax=docker/dockerfile:1
# Hookflow: one image, one process per container. The command picks the role:
#   node dist/workers/api.js             HTTP ingress + management API (default)
#   node dist/workers/worker.js          Temporal worker (loads the prebuilt workflow bundle)
#   node dist/workers/migrate.js         applies the PostgreSQL migrations, then exits
#   node dist/workers/temporal-setup.js  registers the search attributes on the namespace, then exits
#   node dist/workers/cli.js …           the operator CLI (`hookflow`)
# See docs/deployment.md and temporal-compose.yml.
ARG NODE_IMAGE=node:20-bookworm-slim

# Build with the dev dependencies: tsc → dist/, then the workflow bundle and the migrations (npm run build).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
RUN npm run build

# Production dependencies only, installed apart so no dev dependency reaches the runtime image.
FROM ${NODE_IMAGE} AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# CA roots for TLS to Temporal Cloud / a private cluster and for https subscriber endpoints.
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# The image's built-in unprivileged user (uid 1000); the app only reads its files.
USER node
# 3000: the API (PORT); 9464: the worker's Prometheus endpoint (WORKER_METRICS_PORT).
EXPOSE 3000 9464
CMD ["node", "dist/workers/api.js"]
