"""A test-only stand-in for a node agent (never shipped): it registers a Node, keeps its Lease renewed,
and reports the pods bound to it as Running and Ready through the status subresource, the way a kubelet
would. It lets the controller tests run without a container runtime."""

import datetime
import threading
import time

from e2e_lib import Api


def now(micro=False):
    t = datetime.datetime.now(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if micro else t.strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeNode:
    def __init__(self, server, name="fake-node", ip="192.0.2.77"):
        self.server = server
        self.name = name
        self.ip = ip
        self.api = Api(server.creds)
        self.stop_event = threading.Event()
        self.not_ready = set()          # pod names reported not ready
        self.not_ready_images = set()   # pods running any of these images are reported not ready
        self.hold_deletions = False     # while set, pods being deleted stay Terminating (containers "still stopping")
        self.next_ip = 10
        self.ips = {}
        self.thread = None

    def node_object(self):
        ts = now()
        return {
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": self.name, "labels": {"kubernetes.io/hostname": self.name, "kubernetes.io/os": "linux"}},
            "spec": {"podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"]},
            "status": {
                "addresses": [{"type": "InternalIP", "address": self.ip}, {"type": "Hostname", "address": self.name}],
                "capacity": {"cpu": "2", "memory": "8Gi", "pods": "110"},
                "allocatable": {"cpu": "2", "memory": "8Gi", "pods": "110"},
                "conditions": [
                    {"type": t, "status": s, "reason": r, "lastHeartbeatTime": ts, "lastTransitionTime": ts, "message": r}
                    for t, s, r in [("MemoryPressure", "False", "KubeletHasSufficientMemory"),
                                    ("DiskPressure", "False", "KubeletHasNoDiskPressure"),
                                    ("PIDPressure", "False", "KubeletHasSufficientPID"),
                                    ("Ready", "True", "KubeletReady")]],
                "nodeInfo": {"kubeletVersion": "v1.32.4", "containerRuntimeVersion": "fake://0", "osImage": "test",
                             "kernelVersion": "0", "operatingSystem": "linux", "architecture": "amd64"},
            },
        }

    def register(self):
        r = self.api.post("/api/v1/nodes", self.node_object())
        assert r.status in (201, 409), r
        self.renew()

    def renew(self):
        lease_path = f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{self.name}"
        lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                 "metadata": {"name": self.name, "namespace": "kube-node-lease"},
                 "spec": {"holderIdentity": self.name, "leaseDurationSeconds": 40, "renewTime": now(micro=True)}}
        r = self.api.get(lease_path)
        if r.status == 404:
            self.api.post("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease)
        else:
            current = r.json()
            current["spec"]["renewTime"] = now(micro=True)
            self.api.put(lease_path, current)

    def sync_pods(self):
        r = self.api.get(f"/api/v1/pods?fieldSelector=spec.nodeName%3D{self.name}")
        if r.status != 200:
            return
        for pod in r.json()["items"]:
            meta = pod["metadata"]
            key = f"{meta['namespace']}/{meta['name']}"
            if key not in self.ips:
                self.ips[key] = f"10.244.0.{self.next_ip}"
                self.next_ip += 1
            images = {c["image"] for c in pod["spec"]["containers"]}
            ready = "False" if meta["name"] in self.not_ready or images & self.not_ready_images else "True"
            if meta.get("deletionTimestamp"):
                if self.hold_deletions:
                    continue
                # The kubelet confirms a graceful deletion once the containers have stopped.
                self.api.request("DELETE", f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}",
                                 body={"gracePeriodSeconds": 0, "preconditions": {"uid": meta["uid"]}})
                continue
            status = pod.get("status", {})
            conds = {c["type"]: c.get("status") for c in status.get("conditions", [])}
            if status.get("phase") == "Running" and conds.get("Ready") == ready:
                continue
            ts = now()
            status.update({
                "phase": "Running", "hostIP": self.ip, "podIP": self.ips[key], "podIPs": [{"ip": self.ips[key]}],
                "startTime": status.get("startTime", ts),
                "conditions": [{"type": t, "status": s, "lastProbeTime": None, "lastTransitionTime": ts}
                               for t, s in [("Initialized", "True"), ("Ready", ready), ("ContainersReady", ready),
                                            ("PodScheduled", "True")]],
                "containerStatuses": [{"name": c["name"], "image": c["image"], "imageID": "", "ready": ready == "True",
                                       "restartCount": 0, "started": True, "state": {"running": {"startedAt": ts}}}
                                      for c in pod["spec"]["containers"]],
            })
            pod["status"] = status
            self.api.put(f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}/status", pod)

    def loop(self):
        last_renew = 0
        while not self.stop_event.is_set():
            try:
                if time.time() - last_renew > 2:
                    self.renew()
                    last_renew = time.time()
                self.sync_pods()
            except Exception:
                self.api.close()
            self.stop_event.wait(0.2)

    def start(self):
        self.register()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.stop_event.set()
        if self.thread:
            self.thread.join(timeout=10)
        self.api.close()
