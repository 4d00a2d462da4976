"""A Redis Cluster for the node suites: three redis-servers started with
--cluster-enabled yes (each with its cluster bus on a free port of its own),
joined by `redis-cli --cluster create` with the 16384 slots split in three
and no replicas, ready once every node says cluster_state:ok. Closed with
the test. Skips, or fails where WSHUB_REQUIRE_REDIS=1, as wshub_test.redis
does."""

import shutil
import subprocess
import time

import pytest

from wshub_test import T
from wshub_test.binary import free_port
from wshub_test.redis import RedisServer, redis_binary

SIZE = 3
READY_TIMEOUT = 20.0  # seconds for the nodes to agree on the slots


class RedisCluster:
    def __init__(self, binary):
        self.servers = [
            RedisServer(binary, extra_args=["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                                            "--cluster-port", str(free_port()), "--cluster-node-timeout", "2000"])
            for _ in range(SIZE)
        ]

    def seeds(self):
        """--redis-cluster's value: every node."""
        return ",".join(f"127.0.0.1:{s.port}" for s in self.servers)

    def start(self):
        for s in self.servers:
            s.start()
        cli = shutil.which("redis-cli")
        if not cli:
            pytest.fail("redis-cli not installed (Debian: redis-tools, which redis-server brings)")
        nodes = [f"127.0.0.1:{s.port}" for s in self.servers]
        made = subprocess.run([cli, "--cluster", "create", *nodes, "--cluster-yes"], capture_output=True,
                              timeout=READY_TIMEOUT, text=True)
        assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
        deadline = time.monotonic() + READY_TIMEOUT
        while not all(self._ok(s) for s in self.servers):
            assert time.monotonic() < deadline, [s.call("CLUSTER", "INFO")[:200] for s in self.servers]
            time.sleep(0.05)

    @staticmethod
    def _ok(server):
        info = server.call("CLUSTER", "INFO").decode()
        return "cluster_state:ok" in info and "cluster_slots_ok:16384" in info

    def owner_of(self, key):
        """The server that serves `key`'s slot (CLUSTER SLOTS: start, end,
        then the primary's [ip, port, id])."""
        slot = self.servers[0].call("CLUSTER", "KEYSLOT", key)
        for start, end, primary, *_ in self.servers[0].call("CLUSTER", "SLOTS"):
            if start <= slot <= end:
                return next(x for x in self.servers if x.port == primary[1])
        raise AssertionError(f"no node serves slot {slot}")

    def shard_subscribers(self, channel):
        """SSUBSCRIBEd connections to `channel`, on the node that serves it."""
        name, count = self.owner_of(channel).call("PUBSUB", "SHARDNUMSUB", channel)
        assert name == channel.encode(), name
        return count

    def close(self):
        for s in self.servers:
            s.close()


@pytest.fixture
def redis_cluster():
    """A started RedisCluster, closed at teardown. Import it into a suite to use it."""
    cluster = RedisCluster(redis_binary())
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.close()
