# syntax=docker/dockerfile:1
# Build stage: full install (TypeScript) and compile.
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY core ./core
COPY dialects ./dialects
COPY src ./src
COPY routes ./routes
COPY adapters ./adapters
RUN npx tsc -p tsconfig.build.json

# Runtime stage: production dependencies and the compiled code only, as a non-root user.
FROM node:22-slim
# LMRELAY_HOST: the address when the config does not set server.host; inside a container,
# loopback would be unreachable from outside it.
ENV NODE_ENV=production LOG_FORMAT=json LMRELAY_HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The status page's files (/ui), served as they are.
COPY static ./static
# Serves with no arguments; mount your own config over this one.
COPY deploy/lmrelay.container.json5 /etc/lmrelay/lmrelay.json5
USER node
EXPOSE 4000
# A config with another server.port: set LMRELAY_PORT to it too, for this check.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.LMRELAY_PORT || 4000) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Host and port come from the config (server.host, else LMRELAY_HOST; server.port).
CMD ["node", "bin/lmrelay.js", "serve", "--config", "/etc/lmrelay/lmrelay.json5"]
