# syntax=docker/dockerfile:1
# Build stage: compiles dist/ with the dev dependencies; also the base of the simulator image (target "simulator").
FROM node:24-bookworm-slim AS build
WORKDIR /app
# .npmrc: no dependency install scripts (see README, "Install scripts").
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json .swcrc ./
COPY src ./src
RUN npm run build

# The Feishu simulator, for `docker compose --profile demo up` only; runs from TypeScript sources like `npm run simulator`.
FROM build AS simulator
COPY test/simulator ./test/simulator
USER node
EXPOSE 9000
CMD ["node", "-r", "@swc-node/register", "test/simulator/main.ts"]

# Runtime: production dependencies only, the compiled service, a non-root user owning its data directory.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PGLITE_DATA_DIR=/app/data/pglite
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY deploy/docker/entrypoint.sh /usr/local/bin/lark-card-auth-entrypoint
# Embedded mode (no DATABASE_URL) writes its database and generated key file under /app/data; compose writes
# development secrets to /app/secrets. Both belong to the user the service runs as.
RUN mkdir -p /app/data /app/secrets && chown node:node /app/data /app/secrets
VOLUME ["/app/data"]
USER node
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.CALLBACK_SERVER_PORT || 8000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# main.ts stops gracefully on SIGTERM within 10 s; the entrypoint execs node so the signal reaches it.
STOPSIGNAL SIGTERM
ENTRYPOINT ["lark-card-auth-entrypoint"]
CMD ["node", "dist/main.js"]
