"""Connection ids as wshub makes them (src/hub/member.h): from the low bits,
the worker (6 bits), the slot (20 bits), the generation (17 bits), the
node's number (10 bits, 0 on a node without --redis): 53 bits in all."""

WORKER_BITS, SLOT_BITS, GENERATION_BITS, NODE_BITS = 6, 20, 17, 10


def make_id(node=0, worker=0, slot=0, generation=0):
    assert worker < 1 << WORKER_BITS and slot < 1 << SLOT_BITS
    assert generation < 1 << GENERATION_BITS and node < 1 << NODE_BITS
    return (((node << GENERATION_BITS | generation) << SLOT_BITS | slot) << WORKER_BITS) | worker


def worker_of(conn_id):
    return conn_id & ((1 << WORKER_BITS) - 1)


def slot_of(conn_id):
    return (conn_id >> WORKER_BITS) & ((1 << SLOT_BITS) - 1)


def generation_of(conn_id):
    return (conn_id >> (WORKER_BITS + SLOT_BITS)) & ((1 << GENERATION_BITS) - 1)


def node_of(conn_id):
    return conn_id >> (WORKER_BITS + SLOT_BITS + GENERATION_BITS)


def describe(conn_id):
    return (f"node {node_of(conn_id)}, worker {worker_of(conn_id)}, slot {slot_of(conn_id)}, "
            f"generation {generation_of(conn_id)}")
