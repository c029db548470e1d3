# syntax=docker/dockerfile:1
# The Argon manager (headless, with the dashboard). Build from the repository root:
#   docker build -f deploy/container/manager.Dockerfile -t argon-manager .
#   docker run -p 8000:8000 -v /etc/argon/token:/etc/argon/token:ro argon-manager

# Build the package once, as npm would ship it.
FROM node:20-bookworm-slim AS build
WORKDIR /src
# The desktop app is not part of the image; its binary is not needed to build the rest.
ENV ELECTRON_SKIP_BINARY_DOWNLOAD=1
COPY package.json package-lock.json ./
COPY tools ./tools
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm pack --ignore-scripts --pack-destination /pkg

FROM node:20-bookworm-slim
COPY --from=build /pkg/*.tgz /tmp/
RUN npm install --global --omit=dev --no-audit --no-fund /tmp/argon-cluster-*.tgz && rm /tmp/*.tgz && npm cache clean --force
# The token is read from $ARGON_HOME/token: mount it there (a file, a secret, a Kubernetes Secret).
ENV ARGON_HOME=/etc/argon NODE_ENV=production
USER node
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM closes every link cleanly; clients and agents reconnect when it is back.
STOPSIGNAL SIGTERM
# TLS with the certificate mounted next to the token (see the README's Deploying section).
ENTRYPOINT ["argon", "manager", "--host", "0.0.0.0", "--port", "8000", "--tls-cert", "/etc/argon/tls.crt", "--tls-key", "/etc/argon/tls.key"]
