# syntax=docker/dockerfile:1
# An Argon node-agent. Build from the repository root:
#   docker build -f deploy/container/node-agent.Dockerfile -t argon-node-agent .
#   docker run --stop-timeout 45 -v /etc/argon/token:/etc/argon/token:ro argon-node-agent --join mgrhost:8000 --name "$(hostname)"

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
# SIGTERM: no new work, running tasks finish for up to --grace seconds (30), then exit. Give the
# container longer than that to stop (docker run --stop-timeout 45).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node-agent"]
CMD ["--join", "argon-manager:8000", "--ca", "/etc/argon/tls.crt", "--grace", "30"]
