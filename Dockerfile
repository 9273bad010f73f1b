# syntax=docker/dockerfile:1
# Multi-stage build: compile TypeScript with dev dependencies, ship dist/ and schema/ with production
# dependencies only, run as the unprivileged `node` user.

FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The gateway alone: the built-in explorer (npm run build:explorer) is for development, and
# production serves none.
RUN npm run build:server

FROM node:22-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Read at run time from ../schema relative to dist/.
COPY schema ./schema
# Captured webhook referrals when no REDIS_URL is set: mount a volume here to keep them.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data
USER node
EXPOSE 4000
# Liveness only; orchestrators should route traffic by GET /readyz.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node runs as PID 1 and handles SIGTERM itself: it drains in-flight operations, then exits 0.
CMD ["node", "dist/main.js"]
