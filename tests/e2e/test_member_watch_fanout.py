"""Watch fan-out under a flood of writes, over real gRPC (python grpcio), against ours and
etcd 3.4: many watchers of one key on one stream, puts as fast as one client can make
them. Servers may gather several revisions into one response per watcher; whatever they
do, every watcher must see every revision once, in order, with its prev_kv and filters."""
import queue
import threading

import grpc
import pytest

from etcdpp_e2e import Member, wait_until

REFERENCE_ETCD = "/usr/bin/etcd"
WATCHERS = 60
PUTS = 300


def watch_requests(rpc, stop):
    """The create requests, then an open request stream until `stop` (a half-close would
    be legal, but clients keep it open)."""
    for i in range(WATCHERS):
        yield rpc.WatchRequest(create_request=rpc.WatchCreateRequest(key=b"fan", prev_kv=i % 2 == 0))
    # Deletes only, over a range holding the key.
    yield rpc.WatchRequest(create_request=rpc.WatchCreateRequest(
        key=b"f", range_end=b"g", filters=[rpc.WatchCreateRequest.NOPUT]))
    stop.wait(120)


@pytest.mark.parametrize("binary", ["ours", REFERENCE_ETCD])
def test_flood_reaches_every_watcher_once_in_order_with_prev_kv_and_filters(procs, etcd_bin, tmp_path, binary):
    from etcd3 import etcdrpc as rpc
    member = Member(procs, etcd_bin if binary == "ours" else binary, tmp_path).start()
    channel = grpc.insecure_channel(f"127.0.0.1:{member.client_port}")
    kv = rpc.KVStub(channel)
    kv.Put(rpc.PutRequest(key=b"fan", value=b"initial"), timeout=10)

    stop = threading.Event()
    responses = queue.Queue()
    call = rpc.WatchStub(channel).Watch(watch_requests(rpc, stop), timeout=120)

    def read():
        try:
            for r in call:
                responses.put(r)
        except grpc.RpcError:
            pass  # cancelled at the end of the test
        responses.put(None)

    reader = threading.Thread(target=read)
    reader.start()
    got = {}  # watch id -> responses with events
    created = 0
    try:
        while created < WATCHERS + 1:
            r = responses.get(timeout=30)
            assert r is not None and r.created and not r.canceled
            created += 1

        written = []  # (revision, value) of each put, then the delete's revision
        for i in range(PUTS):
            value = f"v{i}".encode()
            written.append((kv.Put(rpc.PutRequest(key=b"fan", value=value), timeout=10).header.revision, value))
        deleted = kv.DeleteRange(rpc.DeleteRangeRequest(key=b"fan"), timeout=10).header.revision

        def count(wid):
            return sum(len(r.events) for r in got.get(wid, []))

        def drain():
            while True:
                try:
                    r = responses.get_nowait()
                except queue.Empty:
                    break
                assert r is not None, "the watch stream ended early"
                got.setdefault(r.watch_id, []).append(r)
            return all(count(w) == PUTS + 1 for w in range(WATCHERS)) and count(WATCHERS) >= 1

        wait_until(drain, timeout=60, what="every watcher's events")
    finally:
        stop.set()
        call.cancel()
        reader.join(timeout=30)
        channel.close()

    want_revs = [rev for rev, _ in written] + [deleted]
    values = [b"initial"] + [v for _, v in written]
    for w in range(WATCHERS):
        events = [ev for r in got[w] for ev in r.events]
        assert [ev.kv.mod_revision for ev in events] == want_revs, f"watcher {w}"
        assert [ev.type for ev in events] == [0] * PUTS + [1]  # PUT..., DELETE
        assert [ev.kv.value for ev in events[:PUTS]] == values[1:]
        for r in got[w]:
            assert r.header.revision >= r.events[-1].kv.mod_revision
        if w % 2 == 0:
            assert [ev.prev_kv.value for ev in events] == values, f"watcher {w} prev_kv"
        else:
            assert not any(ev.HasField("prev_kv") for ev in events)
    deletes = [ev for r in got[WATCHERS] for ev in r.events]
    assert [(ev.type, ev.kv.key, ev.kv.mod_revision) for ev in deletes] == [(1, b"fan", deleted)]
