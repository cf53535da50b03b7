# petrel image. Today it packages the codec tools (`petrel demo`, `petrel decode`);
# the daemon entrypoint (`petrel run`), iproute2, the capabilities it needs and the
# calico-node sidecar layout come with the "Inside Calico" issue.
# Not built in CI: no Docker engine runs on the project's machines.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /opt/petrel
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY proto ./proto
USER node
ENTRYPOINT ["node", "/opt/petrel/dist/cli/main.js"]
CMD ["demo"]
