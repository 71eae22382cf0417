# hookd's container image: built on Debian bookworm, run on bookworm-slim with only the runtime
# libraries. Both stages install from scripts/packages.txt through scripts/setup.sh
# (HOOKD_PACKAGE_SECTIONS picks the section): one package manifest for developers, CI and the
# image. ctest chart.dockerfile checks this file and that every library hookd links is in the
# manifest's [runtime] section.
#
#   docker build -t hookd:0.1.0 .
#   docker run --rm -v $PWD/hookd.yaml:/etc/hookd/hookd.yaml:ro -p 9464:9464 hookd:0.1.0

FROM debian:bookworm AS build
COPY scripts/setup.sh scripts/packages.txt /src/scripts/
RUN HOOKD_PACKAGE_SECTIONS=build /src/scripts/setup.sh && rm -rf /var/lib/apt/lists/*
COPY . /src
WORKDIR /src
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DHOOKD_BUILD_TESTS=OFF -DHOOKD_BUILD_BENCHMARKS=OFF \
 && cmake --build /build --target hookd -j "$(nproc)" \
 && objcopy --strip-debug /build/app/hookd /hookd \
 && /hookd --version

FROM debian:bookworm-slim
COPY scripts/setup.sh scripts/packages.txt /tmp/hookd-setup/
RUN HOOKD_PACKAGE_SECTIONS=runtime /tmp/hookd-setup/setup.sh \
 && rm -rf /var/lib/apt/lists/* /tmp/hookd-setup \
 && groupadd --gid 10001 hookd \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin hookd
COPY --from=build /hookd /usr/local/bin/hookd
# Every key at its default; the Helm chart mounts its own hookd.yaml over this file.
COPY examples/hookd.yaml /etc/hookd/hookd.yaml
# Numeric, so Kubernetes can check runAsNonRoot (the chart's runAsUser is the same 10001).
USER 10001:10001
EXPOSE 9464
ENTRYPOINT ["/usr/local/bin/hookd"]
CMD ["--config", "/etc/hookd/hookd.yaml"]
