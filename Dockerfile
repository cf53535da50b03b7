# syntax=docker/dockerfile:1
# petrel's production image: `petrel run` (the BGP daemon that replaces BIRD and
# confd in calico-node) on Node 20, with iproute2 and nothing else from the build.
#
#   docker build -t petrel .
#   docker run --cap-add NET_ADMIN petrel --node NAME --datastore file:/etc/petrel/datastore.yaml
#
# Capabilities: the node binary carries file capabilities NET_ADMIN (kernel
# routes), NET_RAW and NET_BIND_SERVICE (BGP's port 179), so petrel runs as the
# unprivileged user `petrel` (uid 10001). The kernel refuses to start a binary
# whose file capabilities the container's bounding set lacks, so every container
# of this image must be granted all three (Docker: --cap-add NET_ADMIN, the other
# two are in its default set; Kubernetes: securityContext.capabilities.add) and
# must allow privilege escalation (no_new_privs would ignore file capabilities).
#
# Not built in CI (no Docker engine on the project's machines):
# test/unit/packaging/image-tree.test.ts performs this file's build and runtime
# steps into a temporary directory and runs petrel from there.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: all dependencies, compile, then keep only production modules
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime
FROM ${NODE_IMAGE}
# iproute2: `ip` for kernel routes and for operators inside the container.
# libcap2-bin only long enough to set the capabilities on node.
RUN apt-get update \
 && apt-get install -y --no-install-recommends iproute2 libcap2-bin \
 && setcap cap_net_admin,cap_net_raw,cap_net_bind_service=+ep /usr/local/bin/node \
 && apt-get purge -y libcap2-bin \
 && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 petrel \
 && useradd --system --uid 10001 --gid petrel --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin petrel \
 && mkdir -p /var/run/petrel /var/run/calico \
 && chown petrel:petrel /var/run/petrel /var/run/calico
WORKDIR /opt/petrel
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# proto/: the gRPC API, loaded at run time. config/: the examples and the
# demo's embedded datastore (config/loopback-mesh.yaml).
COPY proto ./proto
COPY config ./config
RUN chmod 0755 dist/cli/main.js \
 && ln -s /opt/petrel/dist/cli/main.js /usr/local/bin/petrel
ENV NODE_ENV=production
USER petrel
# 179: BGP. The metrics and health port is whatever --metrics names (the
# manifests use 9179).
EXPOSE 179
ENTRYPOINT ["petrel", "run"]
