# A minimal wshub image, built from a clone of the repository:
#
#   docker build -t wshub .
#   docker run --rm -p 8080:8080 wshub
#
# The first stage compiles the fully static binary (`make static`) on the
# Debian release the project is tested on; the image itself is FROM scratch:
# nothing in it but that binary.
#
# Flags go after the image name (`docker run wshub --route /ws=json`), or as
# WSHUB_* environment variables (`-e WSHUB_WORKERS=2`); see README.md.
# wshub runs as PID 1: it handles SIGTERM (`docker stop`) and SIGINT itself,
# exiting 0, and reaps any process re-parented to it, so it needs no init.
FROM debian:12-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ make libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# What `make static` reads, and nothing else (.dockerignore agrees), so that
# a change to the tests or the docs does not rebuild the binary.
COPY Makefile ./
COPY include/ include/
COPY src/ src/
RUN make -j"$(nproc)" static

FROM scratch
COPY --from=build /src/build/static/wshub /wshub
# Inside a container loopback is useless: listen on every IPv4 interface. Set
# through the environment rather than ENTRYPOINT so that both `--listen` on
# the command line and `-e WSHUB_LISTEN=...` can still override it.
ENV WSHUB_LISTEN=0.0.0.0:8080
EXPOSE 8080
# No /etc/passwd in the image, so numeric: nobody:nogroup.
USER 65534:65534
ENTRYPOINT ["/wshub"]
