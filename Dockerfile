# syntax=docker/dockerfile:1
# Build stage: full install (TypeScript) and compile.
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY core ./core
COPY src ./src
COPY routes ./routes
COPY adapters ./adapters
RUN npx tsc -p tsconfig.build.json

# Runtime stage: production dependencies and the compiled code only, as a non-root user.
FROM node:22-slim
ENV NODE_ENV=production LOG_FORMAT=json
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY deploy/lmrelay.example.json5 /etc/lmrelay/lmrelay.json5
USER node
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4000/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/lmrelay.js", "serve", "--config", "/etc/lmrelay/lmrelay.json5", "--host", "0.0.0.0", "--port", "4000"]
