"""Helpers for the Service tests on a real node: small pods that say who served a request and whom they saw, Services
and EndpointSlices as manifests, and tools run inside a pod's network namespace (dig, a UDP echo) from the host."""

import json
import re
import subprocess
from pathlib import Path

from e2e_lib import wait_until
from test_node_agent import curl, routes_in_place, run

IMAGE = "radial/busyboxplus:curl"

# A CGI script for busybox httpd: the answer is "<pod hostname> <client address as the pod saw it>", so one request
# tells which endpoint the proxy chose and whether the source was masqueraded.
WHO_SETUP = """mkdir -p /www/cgi-bin
cat > /www/cgi-bin/who <<'EOF'
#!/bin/sh
echo "Content-Type: text/plain"
echo
echo "$(cat /etc/hostname) $REMOTE_ADDR"
EOF
chmod +x /www/cgi-bin/who
httpd -f -p 80 -h /www &
"""
# pid 1 ignores SIGTERM unless it traps it: the pod then ends at once when deleted.
ENDS_ON_TERM = "trap 'exit 0' TERM\nwait\n"
# Ignores SIGTERM and keeps serving through its grace period, until /tmp/stop appears (a slow-draining server).
LINGERS_ON_TERM = "trap '' TERM\nwhile [ ! -e /tmp/stop ]; do sleep 0.2; done\n"


def pod(name, labels=None, script=ENDS_ON_TERM, grace=5, **spec):
    """A busybox pod running `script` (a shell script) as its only container."""
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {}},
            "spec": {"terminationGracePeriodSeconds": grace,
                     "containers": [{"name": "c", "image": IMAGE, "command": ["sh", "-c", script]}], **spec}}


def who_pod(name, labels, linger=False):
    """A pod serving /cgi-bin/who on port 80."""
    return pod(name, labels, WHO_SETUP + (LINGERS_ON_TERM if linger else ENDS_ON_TERM), grace=60 if linger else 5)


def sleeper_pod(name, labels=None, **spec):
    return pod(name, labels, "sleep 3600 &\n" + ENDS_ON_TERM, **spec)


def service(name, selector, ports, **spec):
    """A Service; `ports` as the API takes them, `spec` for anything else (type, policies, clusterIP: None...)."""
    body = {"ports": ports, **spec}
    if selector is not None:
        body["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": body}


def endpoint_slice(name, service_name, endpoints, ports):
    """A hand-made EndpointSlice (for a Service without selector), as a user or another controller writes one."""
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name, "labels": {"kubernetes.io/service-name": service_name}},
            "addressType": "IPv4", "endpoints": endpoints, "ports": ports}


def apply(server, ns, *objects):
    server.kubectl("apply", "-n", ns, "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)}))


def running_pods(server, ns, names, timeout=90):
    """Waits until every named pod runs with its containers ready; returns them by name."""
    def check():
        items = json.loads(server.kubectl("get", "pods", "-n", ns, "-o", "json").stdout)["items"]
        ok = {p["metadata"]["name"]: p for p in items if p["metadata"]["name"] in names
              and p["status"].get("phase") == "Running" and p["status"].get("podIP")
              and all(c.get("ready") for c in p["status"].get("containerStatuses", []))}
        return ok if len(ok) == len(names) else None
    return wait_until(check, timeout=timeout, message=f"pods {sorted(names)} running in {ns}")


def cluster_ip(server, ns, name):
    return server.kubectl("get", "svc", name, "-n", ns, "-o", "jsonpath={.spec.clusterIP}").stdout


def slice_endpoints(server, ns, service_name):
    """Every endpoint of the Service's EndpointSlices: {ip: conditions}."""
    slices = json.loads(server.kubectl("get", "endpointslices", "-n", ns, "-l", f"kubernetes.io/service-name={service_name}",
                                       "-o", "json").stdout)["items"]
    return {ep["addresses"][0]: ep.get("conditions", {}) for s in slices for ep in s.get("endpoints") or []}


def wait_ready_endpoints(server, ns, service_name, ips):
    """Waits until exactly these IPs are the Service's ready endpoints."""
    def check():
        eps = slice_endpoints(server, ns, service_name)
        return sorted(ip for ip, c in eps.items() if c.get("ready")) == sorted(ips)
    wait_until(check, timeout=30, message=f"ready endpoints of {service_name} = {sorted(ips)}")


def node_address(server):
    """The node's InternalIP and name."""
    node = json.loads(server.kubectl("get", "nodes", "-o", "json").stdout)["items"][0]
    ip = next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")
    return ip, node["metadata"]["name"]


def bridge_address():
    """The node's address on the pod bridge (the pods' gateway), the source masquerading gives towards pods."""
    out = run("ip", "-4", "-o", "addr", "show", "dev", "swiftlet0").stdout
    return next(ip for ip in re.findall(r" inet (\d+\.\d+\.\d+\.\d+)/", out) if ip.startswith("10.244."))


def who_answer(r):
    """(pod, client IPv4 address) from a /cgi-bin/who response; None when the request failed. busybox httpd
    listens on an IPv6 socket and reports IPv4 clients as `[::ffff:a.b.c.d]`."""
    parts = r.stdout.split()
    if r.returncode != 0 or len(parts) != 2:
        return None
    return parts[0], re.sub(r"^\[::ffff:(.*)\]$", r"\1", parts[1])


def who(url):
    """What /cgi-bin/who says to one request from the host."""
    return who_answer(curl(url, timeout=3))


def served_by(url, n):
    """The pods that answered n requests from the host, in order; every request must be answered."""
    answers = [who(url) for _ in range(n)]
    assert all(answers), f"requests to {url} failed: {answers}"
    return [a[0] for a in answers]


def who_from_pod(server, ns, client, url):
    return who_answer(server.kubectl("exec", client, "-n", ns, "--", "curl", "-sS", "--max-time", "3", url, check=False))


# --------------------------------------------------------------------------- inside a pod's network namespace

def netns_of(server, pod):
    return str(Path(server.data_dir) / "netns" / pod["metadata"]["uid"])


def in_pod_netns(server, pod, *argv):
    assert routes_in_place()
    return run("nsenter", f"--net={netns_of(server, pod)}", *argv, check=False)


def dig(server, pod, *args):
    """dig against kube-dns from the pod's network namespace; the whole output."""
    return in_pod_netns(server, pod, "dig", "@10.96.0.10", "+time=2", "+tries=1", *args).stdout


def dig_short(server, pod, *args):
    return dig(server, pod, "+short", *args).strip()


def dig_status(output):
    """(rcode, flags, answer count) from dig's header lines."""
    m = re.search(r"status: (\w+),.*\n;; flags: ([a-z ]+);.*ANSWER: (\d+)", output)
    assert m, output
    return m.group(1), set(m.group(2).split()), int(m.group(3))


UDP_ECHO = """import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
print("listening", flush=True)
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(data + b" from " + peer[0].encode(), peer)
"""

UDP_ASK = """import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((sys.argv[1], int(sys.argv[2])))
s.send(sys.argv[3].encode())
try:
    print(s.recv(2048).decode())
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
"""


class UDPEcho:
    """A UDP echo server in a pod's network namespace (the images have no UDP server): it answers
    "<datagram> from <sender address>"."""

    def __init__(self, server, pod, port):
        assert routes_in_place()
        self.proc = subprocess.Popen(["nsenter", f"--net={netns_of(server, pod)}", "python3", "-c", UDP_ECHO, str(port)],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "listening"

    def stop(self):
        self.proc.kill()
        self.proc.wait(timeout=10)


def udp_ask(server, pod, ip, port, text):
    """Sends one datagram from the pod's network namespace; the reply, "refused" or "timeout"."""
    return in_pod_netns(server, pod, "python3", "-c", UDP_ASK, ip, str(port), text).stdout.strip()
