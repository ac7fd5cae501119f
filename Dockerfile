# Apus image: `docker build -t apus:latest .` (the tag conf/kubernetes/40-deployment.yaml runs).
#
# Build stage: the Swift toolchain and the -dev packages of the three C libraries Apus
# links. The Swift runtime is linked in (--static-swift-stdlib), so the runtime stage needs
# no toolchain, only the shared OpenSSL, PCRE2 and zlib of the same Debian release.
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libssl-dev libpcre2-dev zlib1g-dev libcrypt-dev libnghttp2-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a source change does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product apus \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/apus" /out/usr/local/bin/apus

# Runtime stage: the binary, its three libraries, CA certificates (HTTPS upstreams, the API
# server's CA comes from the service account) and openssl for the pod's self-signed default
# certificate (the init container in 40-deployment.yaml).
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libssl3 libpcre2-8-0 zlib1g libcrypt1 libnghttp2-14 ca-certificates openssl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 65532 apus \
    && useradd --system --uid 65532 --gid apus --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin apus
COPY --from=build /out/ /
# Numeric, so that the kubelet can check runAsNonRoot without reading /etc/passwd.
USER 65532:65532
EXPOSE 8080 8443 9901
ENTRYPOINT ["/usr/local/bin/apus"]
CMD ["controller", "--config", "/etc/apus/config/apus.yaml"]
