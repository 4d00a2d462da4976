# A minimal wshub image: nothing in it but the fully static binary.
#
#   make static                       # builds build/static/wshub (Linux)
#   docker build -t wshub .
#   docker run --rm -p 8080:8080 wshub
#
# Flags go after the image name (`docker run wshub --route /ws=json`), or as
# WSHUB_* environment variables (`-e WSHUB_WORKERS=2`); see README.md.
# wshub runs as PID 1: it handles SIGTERM (`docker stop`) and SIGINT itself,
# exiting 0, and reaps any process re-parented to it, so it needs no init.
FROM scratch
COPY build/static/wshub /wshub
# Inside a container loopback is useless: listen on every IPv4 interface. Set
# through the environment rather than ENTRYPOINT so that both `--listen` on
# the command line and `-e WSHUB_LISTEN=...` can still override it.
ENV WSHUB_LISTEN=0.0.0.0:8080
EXPOSE 8080
# No /etc/passwd in the image, so numeric: nobody:nogroup.
USER 65534:65534
ENTRYPOINT ["/wshub"]
