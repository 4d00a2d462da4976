"""Helpers for the integration suites (integration/README.md lists what each
module offers). Servers are started by the `wshub` and `server` fixtures in
conftest.py; everything else a suite needs comes from here:

  binary     where the wshub binary is, free ports, running it to completion
  frames     RFC 6455 frames as bytes: build, mask, parse
  httpmsg    HTTP/1.1 upgrade and publish requests and response heads, as bytes
  client     RawClient, the one raw-socket WebSocket client, and the
             exchanges built on it (open_ws, http_exchange, upgrade_attempt)
  members    room paths, room members, members pinned to a worker
  flood      a publisher and its readers in one selector loop (--overflow block)
  fanout_flood  a publisher flooding members on other workers that read nothing
  churn      many short asyncio upgrades at once (connect/join/leave cycles)
  streams    server frames read from asyncio streams
  wslib      the third-party `websockets` client: connect, json requests
  metrics    /metrics: fetch, parse, histograms
  admission  admission counters, bearer headers, upgrade outcomes
  jwt        HS256 tokens minted independently of the server
  proc       /proc readings: fds, RSS (also sampled from a thread) and CPU time of the server
  deflate    permessage-deflate by Python's zlib: compressed messages sent and read, the counters
  node_ws    node's `ws` library as an echo client (clients/ws_client.js)
  browser    headless Chromium through selenium and Debian's chromedriver
  pages      the built-in pages in Chromium: screenshots on failure, the demo, wshub.js in a page
  redis      a private redis-server per test (stopped, paused, restarted), a client to look in, start_node
  upstream   a proxy route's scripted upstream (RawUpstream, UpstreamPeer), also a server for the client's tests
  talk       wshub-talk, the example client on wshub/client.h, as a subprocess (Talk, run_talk, Outcome)
"""

import os

T = 5  # seconds: the bound for any single network wait

# The sanitizer build runs the same suites; a few bounds (memory, time) allow for it.
IS_ASAN = "asan" in os.environ.get("WSHUB_BIN", "")


def asan_env(quarantine_mib):
    """The environment for a server whose memory a test bounds: under ASan,
    freed memory waits in a quarantine (256 MiB by default) before reuse, so
    the server gets one of `quarantine_mib` (appended to ASAN_OPTIONS, the rest
    kept); None for other builds."""
    if not IS_ASAN:
        return None
    options = [os.environ.get("ASAN_OPTIONS", ""), f"quarantine_size_mb={quarantine_mib}"]
    return {"ASAN_OPTIONS": ":".join(filter(None, options))}
