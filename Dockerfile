# Vigil in a container: `docker build -t vigil .` then
#   docker run -p 3005:3005 -v vigil-data:/var/lib/vigil vigil
# serves the API on port 3005, with the alert store and the default model in the volume.
# Any other subcommand runs the same way: `docker run --rm vigil train --help`.

# Build: Swift's own image (Debian 12, as the runtime stage), plus the headers of the C
# libraries Vigil links against.
ARG SWIFT_IMAGE=swift:6.3-bookworm
FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libopenblas-dev librdkafka-dev libsqlite3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a change to the sources does not fetch them again. No
# Package.resolved is kept in the repository: they resolve to the newest versions that
# Package.swift allows, as `make` does on a fresh clone.
COPY Package.swift ./
RUN swift package resolve
# The manifest names the test targets too, so their folders must be there for it to load.
COPY Sources ./Sources
COPY Tests ./Tests
# The Swift runtime and Foundation are linked in, so the runtime image needs no Swift.
RUN swift build -c release --product vigil --static-swift-stdlib \
    && install -D "$(swift build -c release --show-bin-path)/vigil" /out/vigil

# Run: Debian with the shared libraries the binary needs (scripts/check-container-runtime.sh
# checks this list against the binary) and nothing else.
FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libopenblas0-pthread librdkafka1 libsqlite3-0 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 1001 --create-home --home-dir /var/lib/vigil vigil
COPY --from=build /out/vigil /usr/local/bin/vigil
USER vigil
WORKDIR /var/lib/vigil
# Listen on every interface of the container; the data directory is a volume.
ENV HOST=0.0.0.0 PORT=3005 VIGIL_DATA_DIR=/var/lib/vigil
VOLUME /var/lib/vigil
EXPOSE 3005
# vigil is PID 1: SIGTERM (docker stop) finishes in-flight requests, flushes the store and
# exits 0. Probe GET /health for liveness and GET /ready for readiness.
ENTRYPOINT ["vigil"]
CMD ["serve"]
