# gpuproof in a container, built from a clean clone: `docker build -t gpuproof .`
# GPU image (default): the Vulkan loader only; the NVIDIA Container Toolkit injects the driver's
# Vulkan ICD and libraries when the graphics capability is requested (docs/container.md).
# Software image: `docker build --build-arg ADAPTER=software -t gpuproof:software .` adds Mesa's
# lavapipe (>= 24, from bookworm-backports) for hosts without a GPU, e.g. CI.

# Build: the full toolchain (node-gyp can compile better-sqlite3 where no prebuilt binary fits).
FROM node:20-bookworm AS build
WORKDIR /opt/gpuproof
# Sources before `npm ci`, so an install-time build script finds them.
COPY package.json package-lock.json tsconfig.json ./
COPY src src
RUN npm ci --no-audit --no-fund
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime: production dependencies and the compiled kit, nothing else.
FROM node:20-bookworm-slim AS runtime
ARG ADAPTER=gpu
# Debian 12's own Mesa 22 is refused by Dawn; bookworm-backports carries Mesa >= 24. The suite is
# added to the image's own apt source, so no mirror is named here.
RUN set -eu; \
    if [ "$ADAPTER" = software ]; then \
      sed -i -E '0,/^Suites:(.* )?bookworm( |$)/ s/^(Suites:(.* )?bookworm( .*)?)$/\1 bookworm-backports/' /etc/apt/sources.list.d/debian.sources; \
      apt-get update; \
      apt-get install -y --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1; \
    elif [ "$ADAPTER" = gpu ]; then \
      apt-get update; \
      apt-get install -y --no-install-recommends libvulkan1; \
    else \
      echo "ADAPTER must be gpu or software, not $ADAPTER" >&2; exit 2; \
    fi; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 10001 gpuproof; \
    useradd --system --uid 10001 --gid gpuproof --home-dir /var/lib/gpuproof --shell /usr/sbin/nologin gpuproof; \
    install -d -o gpuproof -g gpuproof -m 0700 /var/lib/gpuproof

WORKDIR /opt/gpuproof
COPY --from=build /opt/gpuproof/package.json ./
COPY --from=build /opt/gpuproof/node_modules node_modules
COPY --from=build /opt/gpuproof/dist dist
COPY bin bin
COPY shaders shaders
COPY fixtures/gpu-classes.json fixtures/gpu-classes.json
COPY LICENSE LICENSE

# graphics: the toolkit mounts the NVIDIA Vulkan ICD and libGLX_nvidia only with it, and WebGPU
# reaches the GPU through Vulkan; compute and utility alone leave Dawn without an adapter.
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics \
    GPUPROOF_HOME=/var/lib/gpuproof \
    XDG_RUNTIME_DIR=/tmp \
    GPUPROOF_HEALTH_URL=http://127.0.0.1:8420/healthz \
    NODE_ENV=production
VOLUME ["/var/lib/gpuproof"]
USER gpuproof
EXPOSE 8420

# For `serve`: /healthz is answered by the agent's own event loop without GPU work; 200 means it is
# up, not wedged and holds its devices, 503 that it drains or lost a device (which /v1/info would
# still answer 200). Set GPUPROOF_HEALTH_URL when serving on another port.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.GPUPROOF_HEALTH_URL, { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["node", "/opt/gpuproof/bin/gpuproof.js"]
CMD ["adapters"]
