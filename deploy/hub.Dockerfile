# The hub image used by deploy/k8s and docker-compose.yml (build from the repository root:
#   docker build -f deploy/hub.Dockerfile -t ghcr.io/fleettune/hub:0.1.0 .).
# Prisma's client is generated with no native engine (driver adapter + wasm), so nothing is
# downloaded at build or run time beyond npm packages.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN npm ci && npm run db:generate && npx tsc -b apps/hub tools/db && npm prune --omit=dev

FROM node:20-bookworm-slim
# Listening on every interface means gRPC needs GRPC_TLS_CERT_FILE/GRPC_TLS_KEY_FILE: the hub refuses a
# non-loopback plaintext bind unless FLEETTUNE_ALLOW_PLAINTEXT_GRPC=1 (deploy/k8s and docker-compose.yml wire TLS).
ENV NODE_ENV=production BIND_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/libs ./libs
COPY --from=build /src/apps/hub ./apps/hub
COPY --from=build /src/tools/db ./tools/db
COPY --from=build /src/prisma ./prisma
USER 10001:10001
EXPOSE 50051 8080
CMD ["node", "apps/hub/dist/main.js"]
