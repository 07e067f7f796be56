"""kill -9 in the middle of 500 creates; restart on the same data dir; nothing acknowledged is lost.

Creates go through raw HTTPS from a thread pool (one keep-alive connection per worker) so that
many are in flight when the server dies. Two watchers observe the creates:
  * `early` stops reading after a fixed number of events, as a client whose connection dropped;
  * `live` reads until the server dies.
After the restart both resume from the last resourceVersion they saw and must receive every
later change: the acknowledged creates they missed (as ADDED), then creates made after the restart.
"""

import json
import signal
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from e2e_lib import Api, create_namespace, unique, wait_until

TOTAL = 500
KILL_AFTER = 250          # acknowledged creates before the kill
EARLY_WATCH_EVENTS = 100  # events the `early` watcher reads before it "loses" its connection
WORKERS = 8


def rv(obj):
    return int(obj["metadata"]["resourceVersion"])


class Watcher(threading.Thread):
    """Reads a watch stream in the background; records (type, name, resourceVersion)."""

    def __init__(self, creds, path, stop_after=None, timeout=60):
        super().__init__(daemon=True)
        self.api = Api(creds, timeout=timeout)
        self.path = path
        self.stop_after = stop_after
        self.events = []
        self.error = None
        self.started = threading.Event()
        self.done = threading.Event()
        self._closing = False

    def run(self):
        try:
            conn = self.api._connection()
            conn.request("GET", self.path, headers={"Accept": "application/json"})
            resp = conn.getresponse()
            if resp.status != 200:
                self.error = f"watch {self.path}: HTTP {resp.status} {resp.read()[:500]!r}"
                return
            self.started.set()
            while not self._closing:
                line = resp.readline()
                if not line:
                    break
                if not line.strip():
                    continue
                ev = json.loads(line)
                obj = ev["object"]
                if ev["type"] == "ERROR":
                    self.error = f"watch {self.path}: ERROR event {obj}"
                    break
                if ev["type"] == "BOOKMARK":
                    continue
                self.events.append((ev["type"], obj["metadata"]["name"], rv(obj)))
                if self.stop_after is not None and len(self.events) >= self.stop_after:
                    break
        except Exception as exc:  # noqa: BLE001 - the server being killed under us is expected
            if not self._closing:
                self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.started.set()
            self.done.set()
            self.api.close()

    def close(self):
        """Stop reading. Shutting the socket down wakes the blocked reader thread (closing the
        HTTP response from here would wait for that thread's buffer lock)."""
        self._closing = True
        conn = self.api._conn
        sock = conn.sock if conn is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.done.wait(10)

    def last_rv(self):
        return self.events[-1][2] if self.events else None


def configmap(name, i):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": {"batch": "kill9"}},
            "data": {"index": str(i)}}


def list_configmaps(api, ns):
    r = api.get(f"/api/v1/namespaces/{ns}/configmaps")
    assert r.status == 200, r
    return r.json()


def test_kill9_during_creates_loses_nothing_acknowledged(server, ns):
    path = f"/api/v1/namespaces/{ns}/configmaps"
    admin = server.api()
    ca_before = open(server.creds.ca_file, "rb").read()
    start_rv = int(list_configmaps(admin, ns)["metadata"]["resourceVersion"])
    watch_path = f"{path}?watch=true&resourceVersion={start_rv}"

    early = Watcher(server.creds, watch_path, stop_after=EARLY_WATCH_EVENTS)
    live = Watcher(server.creds, watch_path)
    early.start()
    live.start()
    # Both watch from start_rv, so nothing is missed even if a stream opens late.
    early.started.wait(10)
    live.started.wait(10)

    acked = {}           # name -> (uid, resourceVersion)
    bad_answers = []     # non-201 HTTP answers before the kill: a server bug
    lock = threading.Condition()
    local = threading.local()
    killed = threading.Event()

    def create(i):
        if killed.is_set():
            return
        name = f"cm-{i:03d}"
        client = getattr(local, "api", None)
        if client is None:
            client = local.api = server.api()
        try:
            r = client.post(path, configmap(name, i))
        except Exception:  # noqa: BLE001 - connection errors once the server is gone
            return
        with lock:
            if r.status == 201:
                obj = r.json()
                acked[name] = (obj["metadata"]["uid"], rv(obj))
                lock.notify_all()
            elif not killed.is_set():
                bad_answers.append((name, r.status, r.body[:300]))

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(create, i) for i in range(TOTAL)]
        deadline = time.monotonic() + 120
        with lock:
            # Kill once enough creates are acknowledged and the early watcher has let go.
            # (The watcher finishes on its own thread, hence the short waits.)
            while not bad_answers and not (len(acked) >= KILL_AFTER and early.done.is_set()):
                if time.monotonic() > deadline:
                    break
                lock.wait(0.02)
            assert not bad_answers, bad_answers
            assert len(acked) >= KILL_AFTER, f"only {len(acked)} creates acknowledged in 120 s"
            assert early.done.is_set(), f"the early watcher saw only {len(early.events)} events in 120 s"
            server.kill9()
            killed.set()
            acked_at_kill = len(acked)
        for f in futures:
            f.result()
    # Answers read from the socket after the kill were still sent by the server before it died:
    # they count as acknowledged too.
    print(f"acknowledged {len(acked)} of {TOTAL} creates ({acked_at_kill} when SIGKILL was sent)")
    if len(acked) == TOTAL:
        print("note: every create finished before the kill; the server was faster than the test")
    early.done.wait(30)
    live.done.wait(30)
    assert early.error is None, early.error
    assert len(early.events) == EARLY_WATCH_EVENTS, (len(early.events), early.events[-3:])
    max_acked_rv = max(v for _, v in acked.values())

    server.restart()
    admin = server.api()
    assert open(server.creds.ca_file, "rb").read() == ca_before, "the CA must survive a restart"

    # 1. Every acknowledged object is there, unchanged.
    listing = list_configmaps(admin, ns)
    stored = {item["metadata"]["name"]: item for item in listing["items"]}
    missing = sorted(set(acked) - set(stored))
    assert not missing, f"{len(missing)} acknowledged creates lost: {missing[:20]}"
    for name, (uid, version) in acked.items():
        item = stored[name]
        assert item["metadata"]["uid"] == uid, name
        assert rv(item) == version, name
        assert item["data"] == {"index": str(int(name[3:]))}, name

    # 2. resourceVersions keep increasing across the restart.
    assert int(listing["metadata"]["resourceVersion"]) >= max_acked_rv
    r = admin.post(path, configmap("after-restart-0", -1))
    assert r.status == 201, r
    first_after = rv(r.json())
    assert first_after > max_acked_rv, (first_after, max_acked_rv)
    assert first_after > max(rv(i) for i in listing["items"])

    # 3. Watches resumed from the last resourceVersion each watcher saw miss nothing.
    resumed = []
    for w in (early, live):
        since = w.last_rv() if w.last_rv() is not None else start_rv
        rw = Watcher(server.creds, f"{path}?watch=true&resourceVersion={since}&timeoutSeconds=120", timeout=130)
        rw.start()
        resumed.append((w, since, rw))
    more = [f"after-restart-{i}" for i in range(1, 6)]
    for name in more:
        r = admin.post(path, configmap(name, -1))
        assert r.status == 201, r
    try:
        for w, since, rw in resumed:
            expected = {n for n, (_, v) in acked.items() if v > since} | {"after-restart-0"} | set(more)

            def delivered(rw=rw, expected=expected):
                assert rw.error is None, rw.error
                return expected <= {name for typ, name, _ in rw.events if typ == "ADDED"}

            wait_until(delivered, timeout=60,
                       message=f"resumed watch from {since} to deliver {len(expected)} ADDED events")
            versions = [v for _, _, v in rw.events]
            assert all(v > since for v in versions), "a resumed watch sends only newer changes"
            assert versions == sorted(versions) and len(set(versions)) == len(versions), \
                "watch events come in resourceVersion order"
            seen_before = {name for _, name, _ in w.events}
            assert not (seen_before & {name for typ, name, _ in rw.events if typ == "ADDED"}), \
                "objects whose ADDED was seen before the resume point are not sent as ADDED again"
    finally:
        for _, _, rw in resumed:
            rw.close()

    # The early watcher really had something to catch up on.
    assert any(v > early.last_rv() for _, v in acked.values())


def test_restart_keeps_kubectl_working(server):
    """A plain stop/start cycle: same kubeconfig, same objects, kubectl still works."""
    ns = create_namespace(server, unique("e2e-restart"))
    server.kubectl("create", "-n", ns, "-f", "-",
                   input="apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: survivor\ndata:\n  k: v\n")
    server.restart()
    r = server.kubectl("get", "configmap", "survivor", "-n", ns, "-o", "jsonpath={.data.k}")
    assert r.stdout == "v"
    server.kill9()
    server.restart()
    r = server.kubectl("get", "configmap", "survivor", "-n", ns, "-o", "jsonpath={.data.k}")
    assert r.stdout == "v"
    server.kubectl("delete", "namespace", ns, "--wait=false", check=False)


def test_sigterm_ends_open_watches_and_exits(server):
    """An open `kubectl get -w` must not hold the server up: SIGTERM ends the watch and the process exits.

    Without the drain, graceful shutdown waits for the watch response, which lasts until its timeout (30–60 min).
    """
    ns = create_namespace(server, unique("e2e-sigterm"))
    watch = subprocess.Popen(server.kubectl_argv("get", "configmaps", "-n", ns, "-w", "--no-headers"),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # The watch is open once an object created after it started shows up on it.
        seen = []
        reader = threading.Thread(target=lambda: seen.extend(watch.stdout), daemon=True)
        reader.start()
        server.kubectl("create", "configmap", "-n", ns, "seen-by-watch")
        wait_until(lambda: any("seen-by-watch" in line for line in seen), timeout=20,
                   message="the watch shows the ConfigMap created after it opened")
        started = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(timeout=30)
        elapsed = time.monotonic() - started
        # The drained watch lets it exit at once (0.02 s here); under load kubectl's connection sometimes lingers
        # (CLOSE-WAIT, not understood yet) and the 5 s cut-off ends it. Before either, the watch held it up to an hour.
        print(f"exit after SIGTERM: {elapsed:.2f} s")
        assert elapsed < 10, f"swiftlet server took {elapsed:.1f} s to exit on SIGTERM with a watch open"
        # The watch ended from the server's side: kubectl's stream is closed and kubectl exits.
        watch.wait(timeout=15)
    finally:
        if watch.poll() is None:
            watch.kill()
        server.start()
    server.kubectl("delete", "namespace", ns, "--wait=false", check=False)
