# hookd's container image: built on Debian bookworm, run on bookworm-slim with only the runtime
# libraries. Both stages install from scripts/packages.txt through scripts/setup.sh
# (HOOKD_PACKAGE_SECTIONS picks the section): one package manifest for developers, CI and the
# image. ctest chart.dockerfile checks this file and that every library hookd links is in the
# manifest's [runtime] section.
#
#   docker build -t registry.example.com/blue/hookd:0.1.0 \
#     --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" \
#     --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
#   docker run --rm -v $PWD/hookd.yaml:/etc/hookd/hookd.yaml:ro -p 9464:9464 registry.example.com/blue/hookd:0.1.0
#
# No image is published: build it and push it to your registry (docs/operations.md, "Install
# with Helm", step 1, and "The image").
#
# Base images are pinned by the digest of their multi-platform index, so a rebuild starts from the
# same bytes until someone moves the pin on purpose. Both are Debian's 2026-09-18 build
# (debian:bookworm-20260918 and bookworm-20260918-slim, which bookworm and bookworm-slim pointed
# at; digests as docker-library/repo-info records them under repos/debian/remote/). To refresh:
#   docker buildx imagetools inspect debian:bookworm-slim   # "Digest:" line, or
#   crane digest debian:bookworm-slim
# (the same for debian:bookworm), paste both digests below, rebuild and run the tests; keep the
# two stages on the same Debian build, and org.opencontainers.image.base.digest equal to the
# runtime stage's (chart.dockerfile checks both).

FROM debian:bookworm@sha256:f37a335e82bca302e955fa39f9dfe28f1be618f016f8a2b56318e5a5111afc26 AS build
COPY scripts/setup.sh scripts/packages.txt /src/scripts/
RUN HOOKD_PACKAGE_SECTIONS=build /src/scripts/setup.sh && rm -rf /var/lib/apt/lists/*
COPY . /src
WORKDIR /src
# .git is not in the build context (.dockerignore): the commit hookd --version names comes in here.
ARG REVISION=unknown
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DHOOKD_BUILD_TESTS=OFF -DHOOKD_BUILD_BENCHMARKS=OFF -DHOOKD_COMMIT="${REVISION}" \
 && cmake --build /build --target hookd -j "$(nproc)" \
 && objcopy --strip-debug /build/app/hookd /hookd \
 && /hookd --version

FROM debian:bookworm-slim@sha256:3783cc01769c7b2b1b83a5c5ad96c815348e28ed7da68e2e3687004faa906251
# OCI annotations (https://github.com/opencontainers/image-spec/blob/main/annotations.md): what
# runs, from which commit and base, so `docker inspect` and registries name it. VERSION is
# hookd's (project() in CMakeLists.txt, the chart's appVersion); REVISION the full commit hash;
# SOURCE the repository's URL.
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=""
ARG SOURCE=""
LABEL org.opencontainers.image.title="hookd" \
      org.opencontainers.image.description="Signed webhook delivery from Kafka to HTTPS receivers" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim" \
      org.opencontainers.image.base.digest="sha256:3783cc01769c7b2b1b83a5c5ad96c815348e28ed7da68e2e3687004faa906251"
# [runtime] brings the shared libraries and ca-certificates: the worker and the operator's
# commands in the same binary (hookd check --connect, attempts, explain, send-test, replay)
# verify brokers and receivers against the system store (plus delivery.ca_file / kafkaTls).
COPY scripts/setup.sh scripts/packages.txt /tmp/hookd-setup/
RUN HOOKD_PACKAGE_SECTIONS=runtime /tmp/hookd-setup/setup.sh \
 && rm -rf /var/lib/apt/lists/* /tmp/hookd-setup \
 && groupadd --gid 10001 hookd \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin hookd
COPY --from=build /hookd /usr/local/bin/hookd
# The runtime stage has every library hookd needs: the binary starts here, not only in the build stage.
RUN /usr/local/bin/hookd --version
# Every key at its default; the Helm chart mounts its own hookd.yaml over this file, so
# `kubectl exec deploy/hookd -- hookd attempts --config /etc/hookd/hookd.yaml ...` runs with the
# worker's own configuration and environment (SASL password, TLS files).
COPY examples/hookd.yaml /etc/hookd/hookd.yaml
# Numeric, so Kubernetes can check runAsNonRoot (the chart's runAsUser is the same 10001).
USER 10001:10001
EXPOSE 9464
ENTRYPOINT ["/usr/local/bin/hookd"]
CMD ["--config", "/etc/hookd/hookd.yaml"]
