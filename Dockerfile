# The sealtrail shipper. Untested here (no Docker engine on the build machines).
FROM node:20-bookworm-slim
WORKDIR /opt/sealtrail
COPY package.json package-lock.json tsconfig.json ./
COPY src src
COPY scripts scripts
COPY test test
COPY pipelines pipelines
COPY mappings mappings
COPY kibana kibana
RUN npm ci && npm prune --omit=dev
ENTRYPOINT ["node", "build/src/cli/main.js"]
