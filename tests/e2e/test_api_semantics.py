"""API semantics that kubectl relies on, against Kubernetes' wording: field validation (Strict/Warn/Ignore), the two
Event APIs, compacted watches (410), dry runs, paging, 405/406, immutable fields, discovery and OpenAPI, and the
Scale subresource. One `swiftlet server --no-agent` for the module, with a small watch history so that a test can
compact it."""

import json
import queue
import re
import subprocess
import threading

import pytest

from conftest import Server
from e2e_lib import assert_status, parse_table, unique

# The store keeps between WATCH_HISTORY and twice that many changes for watches to resume from.
WATCH_HISTORY = 200


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("swiftlet"), extra_args=["--watch-history", str(WATCH_HISTORY)])
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def warnings_of(resp):
    """The texts of a response's `Warning: 299 - "..."` headers, in order."""
    out = []
    for value in resp.headers.get_all("Warning") or []:
        m = re.fullmatch(r'299 - "(.*)"', value, re.S)
        assert m, f"malformed Warning header {value!r}"
        out.append(m.group(1).replace('\\"', '"'))
    return out


def deployment(name, app=None, **spec):
    app = app or name
    body = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": {"app": app}},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": app}},
                     "template": {"metadata": {"labels": {"app": app}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}
    body["spec"].update(spec)
    return body


def stored(api, path):
    r = api.get(path)
    return r.json() if r.status == 200 else None


# --------------------------------------------------------------------------- 1. field validation

# A Deployment body with an unknown metadata field, a repeated metadata field, unknown spec fields (one also
# repeated), a repeated known field and an unknown and a repeated field in a container: Kubernetes' own test body.
INVALID_DEPLOYMENT_JSON = """{
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "%(name)s", "name": "%(name)s", "unknownMeta": "x", "labels": {"app": "fv"}},
  "spec": {"unknown1": "val1", "unknownDupe": "valDupe", "unknownDupe": "valDupe2",
           "paused": true, "paused": false,
           "selector": {"matchLabels": {"app": "fv"}},
           "template": {"metadata": {"labels": {"app": "fv"}},
                        "spec": {"containers": [{"name": "nginx", "image": "nginx:latest", "unknownNested": "val1",
                                                 "imagePullPolicy": "Always", "imagePullPolicy": "Never"}]}}}
}"""

JSON_PROBLEMS = ['duplicate field "metadata.name"', 'unknown field "metadata.unknownMeta"',
                 'unknown field "spec.unknown1"', 'unknown field "spec.unknownDupe"', 'duplicate field "spec.paused"',
                 'unknown field "spec.template.spec.containers[0].unknownNested"',
                 'duplicate field "spec.template.spec.containers[0].imagePullPolicy"']

INVALID_DEPLOYMENT_YAML = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: %(name)s
  name: %(name)s
  unknownMeta: x
  labels:
    app: fv
spec:
  unknown1: val1
  unknownDupe: valDupe
  unknownDupe: valDupe2
  paused: true
  paused: false
  selector:
    matchLabels:
      app: fv
  template:
    metadata:
      labels:
        app: fv
    spec:
      containers:
      - name: nginx
        image: nginx:latest
        unknownNested: val1
        imagePullPolicy: Always
        imagePullPolicy: Never
"""

YAML_REPEATS = ['line 5: key "name" already set in map', 'line 12: key "unknownDupe" already set in map',
                'line 14: key "paused" already set in map', 'line 28: key "imagePullPolicy" already set in map']
YAML_UNKNOWN = ['unknown field "metadata.unknownMeta"', 'unknown field "spec.template.spec.containers[0].unknownNested"',
                'unknown field "spec.unknown1"', 'unknown field "spec.unknownDupe"']


@pytest.mark.parametrize("content_type", ["application/json", "application/yaml"])
def test_post_strict_refuses_unknown_and_repeated_fields_in_kubernetes_order(api, ns, content_type):
    name = unique("fv-strict")
    body = (INVALID_DEPLOYMENT_JSON if content_type == "application/json" else INVALID_DEPLOYMENT_YAML) % {"name": name}
    r = api.post(f"/apis/apps/v1/namespaces/{ns}/deployments?fieldValidation=Strict", body, content_type=content_type)
    st = assert_status(r, 400, "BadRequest")
    if content_type == "application/json":
        problems = ", ".join(JSON_PROBLEMS)
    else:
        problems = "yaml: unmarshal errors:\n  " + "\n  ".join(YAML_REPEATS) + ", " + ", ".join(YAML_UNKNOWN)
    assert st["message"] == ('Deployment in version "v1" cannot be handled as a Deployment: '
                             f"strict decoding error: {problems}"), st["message"]
    assert stored(api, f"/apis/apps/v1/namespaces/{ns}/deployments/{name}") is None


@pytest.mark.parametrize("content_type", ["application/json", "application/yaml"])
@pytest.mark.parametrize("directive", ["Warn", None])
def test_post_warn_creates_with_one_warning_per_problem(api, ns, content_type, directive):
    """Warn is also what the server does when the client names no directive."""
    name = unique("fv-warn")
    body = (INVALID_DEPLOYMENT_JSON if content_type == "application/json" else INVALID_DEPLOYMENT_YAML) % {"name": name}
    query = f"?fieldValidation={directive}" if directive else ""
    r = api.post(f"/apis/apps/v1/namespaces/{ns}/deployments{query}", body, content_type=content_type)
    assert r.status == 201, r
    expected = JSON_PROBLEMS if content_type == "application/json" else YAML_REPEATS + YAML_UNKNOWN
    assert warnings_of(r) == expected
    obj = stored(api, f"/apis/apps/v1/namespaces/{ns}/deployments/{name}")
    # The last of a repeated key wins; unknown fields are dropped.
    assert obj["spec"]["paused"] is False
    assert obj["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "Never"
    assert "unknown1" not in obj["spec"] and "unknownMeta" not in obj["metadata"]


@pytest.mark.parametrize("content_type", ["application/json", "application/yaml"])
def test_post_ignore_creates_silently(api, ns, content_type):
    name = unique("fv-ignore")
    body = (INVALID_DEPLOYMENT_JSON if content_type == "application/json" else INVALID_DEPLOYMENT_YAML) % {"name": name}
    r = api.post(f"/apis/apps/v1/namespaces/{ns}/deployments?fieldValidation=Ignore", body, content_type=content_type)
    assert r.status == 201, r
    assert warnings_of(r) == []
    assert stored(api, f"/apis/apps/v1/namespaces/{ns}/deployments/{name}")["spec"]["paused"] is False


@pytest.mark.parametrize("directive", ["Strict", "Warn", "Ignore"])
def test_wrong_types_are_refused_whatever_the_directive(api, ns, directive):
    """Ignore ignores unknown and repeated fields only: a value of the wrong type never decodes."""
    name = unique("fv-type")
    body = deployment(name, replicas="three")
    r = api.post(f"/apis/apps/v1/namespaces/{ns}/deployments?fieldValidation={directive}", body)
    st = assert_status(r, 400, "BadRequest")
    assert st["message"] == ('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal '
                             'string into Go struct field DeploymentSpec.spec.replicas of type int32'), st["message"]
    assert stored(api, f"/apis/apps/v1/namespaces/{ns}/deployments/{name}") is None


def test_put_is_validated_like_post(api, ns):
    name = unique("fv-put")
    # The same selector as the invalid body's, which may not change.
    assert api.post(f"/apis/apps/v1/namespaces/{ns}/deployments", deployment(name, app="fv")).status == 201
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/{name}"
    body = INVALID_DEPLOYMENT_JSON % {"name": name}
    st = assert_status(api.put(path + "?fieldValidation=Strict", body), 400, "BadRequest")
    assert st["message"].endswith("strict decoding error: " + ", ".join(JSON_PROBLEMS)), st["message"]
    assert "paused" not in stored(api, path)["spec"]   # (the controllers write status, so compare the spec)
    r = api.put(path + "?fieldValidation=Warn", body)
    assert r.status == 200, r
    assert warnings_of(r) == JSON_PROBLEMS
    assert stored(api, path)["spec"]["paused"] is False


def test_patch_strict_is_422_on_the_patch_field(api, ns):
    """Kubernetes' patch handler refuses with `"" is invalid: patch: Invalid value: ...` (422), not 400; the patch's
    own repeated keys come first (in the patch's order), then the patched object's unknown fields, sorted."""
    name = unique("fv-patch")
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/{name}"
    assert api.post(f"/apis/apps/v1/namespaces/{ns}/deployments", deployment(name)).status == 201
    patch = ('{"spec": {"unknown1": "val1", "paused": true, "paused": false, "template": {"spec": {"containers": '
             '[{"name": "c", "unknownNested": "v", "imagePullPolicy": "Always", "imagePullPolicy": "Never"}]}}}}')
    problems = ('strict decoding error: duplicate field "spec.paused", '
                'duplicate field "spec.template.spec.containers[0].imagePullPolicy", '
                'unknown field "spec.template.spec.containers[0].unknownNested", unknown field "spec.unknown1"')
    for ptype in ["application/merge-patch+json", "application/strategic-merge-patch+json"]:
        r = api.request("PATCH", path + "?fieldValidation=Strict", body=patch, content_type=ptype)
        st = assert_status(r, 422, "Invalid")
        assert st["message"].startswith(' "" is invalid: patch: Invalid value: "'), st["message"]
        assert st["message"].endswith('": ' + problems), st["message"]
        cause = st["details"]["causes"][0]
        assert cause["field"] == "patch" and cause["reason"] == "FieldValueInvalid", st
    # A strategic merge patch is shown as Go prints the decoded patch map.
    assert 'Invalid value: "map[spec:map[paused:false template:map[spec:map[containers:[map[' in st["message"]
    assert "paused" not in stored(api, path)["spec"]
    # Warn (the default): the same patch applies, with one warning per problem. (A merge patch would replace the
    # container list and lose the image, so this one merges by name.)
    r = api.request("PATCH", path, body=patch, content_type="application/strategic-merge-patch+json")
    assert r.status == 200, r
    assert warnings_of(r) == problems.removeprefix("strict decoding error: ").split(", ")
    r = api.request("PATCH", path + "?fieldValidation=Ignore", body='{"spec": {"unknown2": 1, "paused": true}}',
                    content_type="application/merge-patch+json")
    assert r.status == 200 and warnings_of(r) == [], r
    assert r.json()["spec"]["paused"] is True


def test_patch_with_a_wrong_type_is_422_even_with_ignore(api, ns):
    name = unique("fv-patch-type")
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/{name}"
    assert api.post(f"/apis/apps/v1/namespaces/{ns}/deployments", deployment(name)).status == 201
    r = api.request("PATCH", path + "?fieldValidation=Ignore", body='{"spec": {"replicas": "three"}}',
                    content_type="application/merge-patch+json")
    st = assert_status(r, 422, "Invalid")
    assert st["message"].endswith('": json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas '
                                  'of type int32'), st["message"]
    assert stored(api, path)["spec"]["replicas"] == 1


UNKNOWN_FIELD_CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
  unknownMeta: x
data:
  k: v
"""


def test_kubectl_validate_strict_warn_ignore(server, ns):
    strict, warn, ignore = unique("cm-strict"), unique("cm-warn"), unique("cm-ignore")
    r = server.kubectl("create", "-n", ns, "--validate=strict", "-f", "-",
                       input=UNKNOWN_FIELD_CONFIGMAP.format(name=strict), check=False)
    assert r.returncode != 0
    assert ('Error from server (BadRequest): error when creating "STDIN": ConfigMap in version "v1" cannot be handled '
            'as a ConfigMap: strict decoding error: unknown field "metadata.unknownMeta"') in r.stderr, r.stderr
    assert "NotFound" in server.kubectl("get", "-n", ns, "configmap", strict, check=False).stderr

    r = server.kubectl("create", "-n", ns, "--validate=warn", "-f", "-", input=UNKNOWN_FIELD_CONFIGMAP.format(name=warn))
    assert r.stdout.strip() == f"configmap/{warn} created"
    assert 'Warning: unknown field "metadata.unknownMeta"' in r.stderr, r.stderr

    r = server.kubectl("create", "-n", ns, "--validate=ignore", "-f", "-",
                       input=UNKNOWN_FIELD_CONFIGMAP.format(name=ignore))
    assert r.stdout.strip() == f"configmap/{ignore} created"
    assert "Warning" not in r.stderr, r.stderr
    got = json.loads(server.kubectl("get", "-n", ns, "configmap", ignore, "-o", "json").stdout)
    assert got["data"] == {"k": "v"} and "unknownMeta" not in got["metadata"]


def test_kubectl_patch_warns_about_unknown_fields(server, ns):
    """kubectl patch names no directive: the server's default is Warn. (A ConfigMap: no controller writes it
    between kubectl's read and its patch, so "no change" is the server's doing.)"""
    name = unique("fv-kpatch")
    server.kubectl("create", "configmap", name, "-n", ns, "--from-literal=k=v")
    r = server.kubectl("patch", "-n", ns, "configmap", name, "--type", "merge", "-p", '{"unknownPatch":1}')
    assert 'Warning: unknown field "unknownPatch"' in r.stderr, r.stderr
    assert r.stdout.strip() == f"configmap/{name} patched (no change)"


# --------------------------------------------------------------------------- 2. one Event, two APIs

class Watch:
    """A raw watch request; `next_event()` reads one line (a JSON watch event) with a deadline."""

    def __init__(self, server, path, timeout=15):
        import http.client
        creds = server.creds
        self.conn = http.client.HTTPSConnection(creds.host, creds.port, timeout=timeout,
                                                context=creds.ssl_context(True))
        self.conn.request("GET", path, headers={"Accept": "application/json"})
        self.resp = self.conn.getresponse()
        self.buf = b""

    def next_event(self):
        while b"\n" not in self.buf:
            chunk = self.resp.read1(65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def close(self):
        self.conn.close()


CORE_EVENT = """apiVersion: v1
kind: Event
metadata:
  name: {name}
involvedObject:
  kind: Pod
  name: web
  namespace: {ns}
reason: Pulled
message: created through core v1
type: Normal
source:
  component: kubelet
  host: node-1
firstTimestamp: "2026-01-01T00:00:00Z"
lastTimestamp: "2026-01-01T00:01:00Z"
count: 2
"""

EVENTS_V1_EVENT = """apiVersion: events.k8s.io/v1
kind: Event
metadata:
  name: {name}
eventTime: "2026-01-01T00:00:00.000000Z"
reportingController: example.com/tester
reportingInstance: tester-1
action: Testing
reason: Tested
note: created through events.k8s.io
type: Warning
regarding:
  kind: Pod
  name: other
  namespace: {ns}
"""


def events_by_name(server, ns, resource):
    items = json.loads(server.kubectl("get", resource, "-n", ns, "-o", "json").stdout)["items"]
    return {e["metadata"]["name"]: e for e in items}


def test_core_and_events_v1_are_one_storage_with_two_views(server, ns):
    old, new = unique("ev-core"), unique("ev-new")
    r = server.kubectl("create", "-n", ns, "-f", "-", input=CORE_EVENT.format(name=old, ns=ns))
    assert r.stdout.strip() == f"event/{old} created"
    r = server.kubectl("create", "-n", ns, "-f", "-", input=EVENTS_V1_EVENT.format(name=new, ns=ns))
    assert r.stdout.strip() == f"event.events.k8s.io/{new} created"

    core = events_by_name(server, ns, "events")
    v1 = events_by_name(server, ns, "events.v1.events.k8s.io")
    assert set(core) == set(v1) == {old, new}
    for name in (old, new):
        assert core[name]["apiVersion"] == "v1" and v1[name]["apiVersion"] == "events.k8s.io/v1"
        assert core[name]["metadata"]["uid"] == v1[name]["metadata"]["uid"]
        assert core[name]["metadata"]["resourceVersion"] == v1[name]["metadata"]["resourceVersion"]

    # The core event through events.k8s.io/v1.
    e = v1[old]
    assert e["regarding"] == {"kind": "Pod", "name": "web", "namespace": ns}
    assert e["note"] == "created through core v1"
    assert e["deprecatedSource"] == {"component": "kubelet", "host": "node-1"}
    assert e["deprecatedCount"] == 2
    assert e["deprecatedFirstTimestamp"] == "2026-01-01T00:00:00Z"
    assert e["deprecatedLastTimestamp"] == "2026-01-01T00:01:00Z"
    assert not {"involvedObject", "message", "source", "count", "firstTimestamp"} & set(e), e

    # The events.k8s.io/v1 event through core v1.
    e = core[new]
    assert e["involvedObject"] == {"kind": "Pod", "name": "other", "namespace": ns}
    assert e["message"] == "created through events.k8s.io"
    assert e["reportingComponent"] == "example.com/tester" and e["reportingInstance"] == "tester-1"
    assert e["eventTime"] == "2026-01-01T00:00:00.000000Z" and e["action"] == "Testing"
    assert not {"regarding", "note", "reportingController"} & set(e), e

    # Both tables show the same rows.
    def rows(resource):
        _, table = parse_table(server.kubectl("get", resource, "-n", ns).stdout)
        return sorted((r["TYPE"], r["REASON"], r["OBJECT"], r["MESSAGE"]) for r in table)
    assert rows("events") == rows("events.v1.events.k8s.io") == sorted([
        ("Normal", "Pulled", "pod/web", "created through core v1"),
        ("Warning", "Tested", "pod/other", "created through events.k8s.io")])

    # Field selectors in each API's spelling.
    r = server.kubectl("get", "events.v1.events.k8s.io", "-n", ns, "--field-selector", "regarding.name=web", "-o", "name")
    assert r.stdout.split() == [f"event.events.k8s.io/{old}"]
    r = server.kubectl("get", "events", "-n", ns, "--field-selector", "involvedObject.name=other", "-o", "name")
    assert r.stdout.split() == [f"event/{new}"]

    # Deleting through one API deletes the one object.
    r = server.kubectl("delete", "events.v1.events.k8s.io", old, "-n", ns)
    assert r.stdout.strip() == f'event.events.k8s.io "{old}" deleted'
    r = server.kubectl("get", "event", old, "-n", ns, check=False)
    assert f'events "{old}" not found' in r.stderr, r.stderr
    r = server.kubectl("get", "events.v1.events.k8s.io", old, "-n", ns, check=False)
    assert f'events.events.k8s.io "{old}" not found' in r.stderr, r.stderr


def test_events_v1_watch_sees_core_writes_in_its_own_shape(server, api, ns):
    rv = api.get(f"/apis/events.k8s.io/v1/namespaces/{ns}/events").json()["metadata"]["resourceVersion"]
    w = Watch(server, f"/apis/events.k8s.io/v1/namespaces/{ns}/events?watch=true&resourceVersion={rv}")
    try:
        name = unique("ev-watched")
        server.kubectl("create", "-n", ns, "-f", "-", input=CORE_EVENT.format(name=name, ns=ns))
        e = w.next_event()
        assert e["type"] == "ADDED", e
        obj = e["object"]
        assert obj["apiVersion"] == "events.k8s.io/v1" and obj["metadata"]["name"] == name
        assert obj["note"] == "created through core v1" and obj["regarding"]["name"] == "web"
        assert "message" not in obj and "involvedObject" not in obj
    finally:
        w.close()


# --------------------------------------------------------------------------- 3. compacted watch history (410)

def churn(api, ns, changes):
    """`changes` writes (merge patches of one ConfigMap): enough of them push older changes out of the history."""
    name = unique("churn")
    assert api.post(f"/api/v1/namespaces/{ns}/configmaps", {"metadata": {"name": name}, "data": {"n": "0"}}).status == 201
    for i in range(changes):
        r = api.request("PATCH", f"/api/v1/namespaces/{ns}/configmaps/{name}", body={"data": {"n": str(i + 1)}},
                        content_type="application/merge-patch+json")
        assert r.status == 200, r


def list_rv(api, path):
    r = api.get(path)
    assert r.status == 200, r
    return int(r.json()["metadata"]["resourceVersion"])


def test_watch_from_a_compacted_resource_version_is_410_expired(server, api, ns):
    old = list_rv(api, f"/api/v1/namespaces/{ns}/configmaps")
    # The store trims to WATCH_HISTORY changes whenever it holds twice that many: after this many changes the
    # trim has passed `old` whatever the history held before.
    churn(api, ns, 2 * WATCH_HISTORY + 10)
    w = Watch(server, f"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={old}")
    try:
        # As Kubernetes: 200, then the Status as the stream's one ERROR event, then the end of the stream.
        assert w.resp.status == 200
        e = w.next_event()
        assert e["type"] == "ERROR", e
        st = e["object"]
        assert (st["kind"], st["apiVersion"], st["status"], st["reason"], st["code"]) == ("Status", "v1", "Failure", "Expired", 410), st
        m = re.fullmatch(rf"too old resource version: {old} \((\d+)\)", st["message"])
        assert m, st["message"]
        oldest = int(m.group(1))
        assert oldest > old
        assert w.next_event() is None
    finally:
        w.close()
    # The number in parentheses is the oldest resourceVersion one can still watch from.
    w = Watch(server, f"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={oldest}")
    try:
        e = w.next_event()
        assert e["type"] in ("ADDED", "MODIFIED") and int(e["object"]["metadata"]["resourceVersion"]) > oldest, e
    finally:
        w.close()
    w = Watch(server, f"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={oldest - 1}")
    try:
        assert w.next_event()["object"]["reason"] == "Expired"
    finally:
        w.close()


def test_kubectl_get_watch_copes_with_a_compacted_history(server, api, ns):
    """`kubectl get NAME -w` watches from resourceVersion 0, not from the object's (possibly compacted) version, and
    an open watch outlives compaction."""
    name = unique("watched")
    assert api.post(f"/api/v1/namespaces/{ns}/configmaps", {"metadata": {"name": name}, "data": {"v": "0"}}).status == 201
    churn(api, ns, 2 * WATCH_HISTORY + 10)
    argv = server.kubectl_argv("get", "configmap", name, "-n", ns, "-w", "-o", "custom-columns=V:.data.v", "--no-headers")
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stdout], daemon=True).start()

    def next_line():
        try:
            return lines.get(timeout=30)
        except queue.Empty:
            raise AssertionError("kubectl get -w printed nothing for 30 s") from None

    def change_and_see(v):
        r = api.request("PATCH", f"/api/v1/namespaces/{ns}/configmaps/{name}", body={"data": {"v": v}},
                        content_type="application/merge-patch+json")
        assert r.status == 200, r
        line = next_line()
        assert line.split() == [v], line
    def watch_is_open():
        # kubectl watches from resourceVersion 0: a change made before its watch is registered arrives as the
        # watch's initial ADDED, which kubectl takes for the object it already printed. Change until one shows.
        for i in range(20):
            api.request("PATCH", f"/api/v1/namespaces/{ns}/configmaps/{name}", body={"data": {"v": f"warm{i}"}},
                        content_type="application/merge-patch+json")
            try:
                return lines.get(timeout=1)
            except queue.Empty:
                continue
        raise AssertionError("kubectl get -w showed none of 20 changes")
    try:
        first = next_line()
        assert first.split() == ["0"], first   # the GET, printed before watching
        assert watch_is_open().startswith("warm")
        change_and_see("1")
        churn(api, ns, WATCH_HISTORY + 10)   # compacts again while the watch is open
        change_and_see("2")
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=10)
    assert "error" not in err.lower(), err


# --------------------------------------------------------------------------- 4. dry runs

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  type: NodePort
  clusterIP: {ip}
  selector:
    app: x
  ports:
  - port: 80
    nodePort: {node_port}
"""


def free_cluster_ip(api):
    used = {s["spec"].get("clusterIP") for s in api.get("/api/v1/services").json()["items"]}
    return next(ip for ip in (f"10.100.{k}.{k + 10}" for k in range(1, 200)) if ip not in used)


def free_node_port(api):
    used = {p.get("nodePort") for s in api.get("/api/v1/services").json()["items"] for p in s["spec"]["ports"]}
    return next(p for p in range(31000, 32767, 7) if p not in used)


def test_dry_run_create_answers_as_if_done_and_consumes_nothing(server, api, ns):
    ip, node_port = free_cluster_ip(api), free_node_port(api)
    name = unique("dry-svc")
    manifest = SERVICE.format(name=name, ip=ip, node_port=node_port)
    r = server.kubectl("create", "-n", ns, "--dry-run=server", "-o", "json", "-f", "-", input=manifest)
    shown = json.loads(r.stdout)
    assert shown["spec"]["clusterIP"] == ip and shown["spec"]["ports"][0]["nodePort"] == node_port
    assert shown["metadata"]["uid"] and shown["metadata"]["creationTimestamp"]
    assert shown["spec"]["sessionAffinity"] == "None", "defaults are applied"
    assert "resourceVersion" not in shown["metadata"], "nothing was stored"
    assert "NotFound" in server.kubectl("get", "svc", name, "-n", ns, check=False).stderr
    r = server.kubectl("create", "-n", ns, "--dry-run=server", "-f", "-", input=manifest)
    assert r.stdout.strip() == f"service/{name} created (server dry run)"
    # The IP and the port are still free: a real create gets them.
    real = unique("real-svc")
    r = server.kubectl("create", "-n", ns, "-o", "json", "-f", "-", input=SERVICE.format(name=real, ip=ip, node_port=node_port))
    got = json.loads(r.stdout)
    assert got["spec"]["clusterIP"] == ip and got["spec"]["ports"][0]["nodePort"] == node_port

    # A dry-run create whose address is taken is refused like the real one, with the allocator's words.
    r = server.kubectl("create", "-n", ns, "--dry-run=server", "-f", "-",
                       input=SERVICE.format(name=unique("dry-again"), ip=ip, node_port=free_node_port(api)), check=False)
    assert (f'The Service "' in r.stderr and f'is invalid: spec.clusterIPs: Invalid value: []string{{"{ip}"}}: '
            f"failed to allocate IP {ip}: provided IP is already allocated") in r.stderr, r.stderr
    # And a dry-run create of a name that exists is AlreadyExists.
    r = server.kubectl("create", "configmap", "kube-root-ca.crt", "-n", ns, "--dry-run=server", check=False)
    assert 'configmaps "kube-root-ca.crt" already exists' in r.stderr, r.stderr


def test_dry_run_update_patch_and_delete_change_nothing(server, api, ns):
    name = unique("dry-cm")
    server.kubectl("create", "configmap", name, "-n", ns, "--from-literal=k=v1")
    before = json.loads(server.kubectl("get", "cm", name, "-n", ns, "-o", "json").stdout)

    r = server.kubectl("patch", "cm", name, "-n", ns, "--dry-run=server", "-p", '{"data":{"k":"v2"}}', "-o", "json")
    assert json.loads(r.stdout)["data"] == {"k": "v2"}, "the answer shows the patched object"
    r = server.kubectl("label", "cm", name, "-n", ns, "--dry-run=server", "color=blue")
    assert r.stdout.strip() == f"configmap/{name} labeled (server dry run)"
    edited = dict(before, data={"k": "v3"})
    r = server.kubectl("replace", "-n", ns, "--dry-run=server", "-o", "json", "-f", "-", input=json.dumps(edited))
    assert json.loads(r.stdout)["data"] == {"k": "v3"}
    r = server.kubectl("delete", "cm", name, "-n", ns, "--dry-run=server")
    assert r.stdout.strip() == f'configmap "{name}" deleted (server dry run)'

    after = json.loads(server.kubectl("get", "cm", name, "-n", ns, "-o", "json").stdout)
    assert after == before


def test_dry_run_delete_of_a_service_keeps_its_address(server, api, ns):
    ip, node_port = free_cluster_ip(api), free_node_port(api)
    name = unique("dry-del")
    server.kubectl("create", "-n", ns, "-f", "-", input=SERVICE.format(name=name, ip=ip, node_port=node_port))
    r = server.kubectl("delete", "svc", name, "-n", ns, "--dry-run=server")
    assert r.stdout.strip() == f'service "{name}" deleted (server dry run)'
    other = unique("dry-other")
    r = server.kubectl("create", "-n", ns, "-f", "-", input=SERVICE.format(name=other, ip=ip, node_port=free_node_port(api)),
                       check=False)
    assert f"failed to allocate IP {ip}: provided IP is already allocated" in r.stderr, r.stderr


# --------------------------------------------------------------------------- 5. paging

def make_configmaps(api, ns, names):
    for n in names:
        assert api.post(f"/api/v1/namespaces/{ns}/configmaps", {"metadata": {"name": n}, "data": {"k": n}}).status == 201


def test_kubectl_reads_every_page(server, api, ns):
    names = [f"page-{i:02d}" for i in range(7)]
    make_configmaps(api, ns, names)
    r = server.kubectl("get", "configmaps", "-n", ns, "--chunk-size=3", "-o", "name", "-v=6")
    assert r.stdout.split() == [f"configmap/{n}" for n in sorted(names + ["kube-root-ca.crt"])]
    pages = re.findall(rf"GET \S+/api/v1/namespaces/{ns}/configmaps\?\S*limit=3\S* 200 OK", r.stderr)
    assert len(pages) == 3, r.stderr   # 8 objects, 3 at a time


def test_list_pages_are_one_consistent_snapshot(api, ns):
    names = [f"snap-{i:02d}" for i in range(7)]
    make_configmaps(api, ns, names)
    everything = sorted(names + ["kube-root-ca.crt"])
    base = f"/api/v1/namespaces/{ns}/configmaps"
    first = api.get(base + "?limit=3").json()
    meta = first["metadata"]
    assert [i["metadata"]["name"] for i in first["items"]] == everything[:3]
    assert meta["remainingItemCount"] == 5 and meta["continue"]
    # Changes after the first page do not show in the later pages.
    api.delete(f"{base}/{everything[5]}")
    make_configmaps(api, ns, ["snap-99"])
    second = api.get(base + "?limit=3&continue=" + meta["continue"]).json()
    assert [i["metadata"]["name"] for i in second["items"]] == everything[3:6]
    assert second["metadata"]["remainingItemCount"] == 2
    assert second["metadata"]["resourceVersion"] == meta["resourceVersion"]
    third = api.get(base + "?limit=3&continue=" + second["metadata"]["continue"]).json()
    assert [i["metadata"]["name"] for i in third["items"]] == everything[6:]
    assert "continue" not in third["metadata"] and "remainingItemCount" not in third["metadata"]
    # A new list sees the changes.
    now = [i["metadata"]["name"] for i in api.get(base).json()["items"]]
    assert everything[5] not in now and "snap-99" in now


def test_bad_and_expired_continue_tokens(api, ns):
    base = f"/api/v1/namespaces/{ns}/configmaps"
    make_configmaps(api, ns, [f"tok-{i}" for i in range(4)])
    st = assert_status(api.get(base + "?limit=2&continue=aGVsbG8"), 400, "BadRequest")   # base64 of "hello"
    assert st["message"] == "invalid continue token: continue key is not valid: invalid character 'h' looking for beginning of value", st
    st = assert_status(api.get(base + "?limit=2&continue=!!!"), 400, "BadRequest")
    assert st["message"] == "invalid continue token: continue key is not valid: illegal base64 data at input byte 0", st
    token = api.get(base + "?limit=2").json()["metadata"]["continue"]
    st = assert_status(api.get(base + "?limit=2&resourceVersion=5&continue=" + token), 400, "BadRequest")
    assert st["message"] == "specifying resource version is not allowed when using continue", st

    churn(api, ns, 2 * WATCH_HISTORY + 10)
    r = api.get(base + "?limit=2&continue=" + token)
    st = assert_status(r, 410, "Expired")
    assert st["message"] == ("The provided continue parameter is too old to display a consistent list result. You can "
                             "start a new list without the continue parameter, or use the continue token in this "
                             "response to retrieve the remainder of the results. Continuing with the provided token "
                             "results in an inconsistent list - objects that were created, modified, or deleted "
                             "between the time the first chunk was returned and now may show up in the list."), st
    # The token in the Status continues at the latest state.
    rest = api.get(base + "?limit=100&continue=" + st["metadata"]["continue"])
    assert rest.status == 200, rest
    # The first page was kube-root-ca.crt and tok-0; the ConfigMap churn made sorts before them.
    assert [i["metadata"]["name"] for i in rest.json()["items"]] == ["tok-1", "tok-2", "tok-3"]


# --------------------------------------------------------------------------- 6. 405 and 406

def test_methods_a_path_does_not_serve_are_405(api, ns):
    for method, path in [("PUT", f"/api/v1/namespaces/{ns}/configmaps"),
                         ("PATCH", f"/api/v1/namespaces/{ns}/configmaps"),
                         ("POST", f"/api/v1/namespaces/{ns}/configmaps/kube-root-ca.crt")]:
        r = api.request(method, path, body={"metadata": {"name": "x"}})
        st = assert_status(r, 405, "MethodNotAllowed")
        assert st["message"] == "the server does not allow this method on the requested resource", st
        assert st["details"] == {}, st


def test_unacceptable_accept_headers_are_406(api, ns):
    for path in [f"/api/v1/namespaces/{ns}/configmaps", f"/api/v1/namespaces/{ns}/configmaps/kube-root-ca.crt"]:
        r = api.get(path, headers={"Accept": "application/xml"})
        st = assert_status(r, 406, "NotAcceptable")
        assert st["message"] == "406: Not Acceptable", st
        assert st["details"] == {}, st
    # A list with an acceptable type anywhere in it is served.
    assert api.get(f"/api/v1/namespaces/{ns}/configmaps", headers={"Accept": "application/xml, */*;q=0.5"}).status == 200
    assert api.get(f"/api/v1/namespaces/{ns}/configmaps", headers={"Accept": "application/xml,application/json"}).status == 200


# --------------------------------------------------------------------------- 7. immutable fields

def editor(tmp_path, sed_expression):
    """A KUBE_EDITOR that applies `sed_expression` once; when kubectl reopens the file with the server's refusal
    in its header, it keeps that text in `refusal.txt` and leaves the file as it is (so kubectl gives up)."""
    script = tmp_path / f"editor-{unique('e')}.sh"
    refusal = tmp_path / "refusal.txt"
    script.write_text(f"""#!/bin/sh
if grep -q 'was not valid' "$1"; then cp "$1" '{refusal}'; exit 0; fi
exec sed -i -e '{sed_expression}' "$1"
""")
    script.chmod(0o755)
    return str(script), refusal


def test_edit_of_service_cluster_ip_is_refused(server, api, ns, tmp_path):
    name = unique("imm-svc")
    server.kubectl("create", "service", "clusterip", name, "-n", ns, "--tcp=80:80")
    ip = json.loads(server.kubectl("get", "svc", name, "-n", ns, "-o", "json").stdout)["spec"]["clusterIP"]
    new_ip = free_cluster_ip(api)
    script, refusal = editor(tmp_path, f"s/^  clusterIP: .*$/  clusterIP: {new_ip}/")
    r = server.kubectl("edit", "svc", name, "-n", ns, env={"KUBE_EDITOR": script, "EDITOR": script}, check=False)
    assert r.returncode != 0
    assert "Edit cancelled, no valid changes were saved." in r.stderr, r.stderr
    shown = refusal.read_text()
    assert f'# services "{name}" was not valid:' in shown, shown
    assert f'# * spec.clusterIPs[0]: Invalid value: []string{{"{new_ip}"}}: may not change once set' in shown, shown
    assert json.loads(server.kubectl("get", "svc", name, "-n", ns, "-o", "json").stdout)["spec"]["clusterIP"] == ip
    # The refused address was not kept.
    r = server.kubectl("create", "-n", ns, "-f", "-", input=SERVICE.format(name=unique("imm-other"), ip=new_ip,
                                                                           node_port=free_node_port(api)))
    assert "created" in r.stdout


def test_patch_of_secret_type_and_deployment_selector_is_422(server, ns):
    secret = unique("imm-secret")
    server.kubectl("create", "secret", "generic", secret, "-n", ns, "--from-literal=a=b")
    # A type without data rules of its own, so that immutability is the one error.
    r = server.kubectl("patch", "secret", secret, "-n", ns, "-p", '{"type":"example.com/custom"}', check=False)
    assert r.returncode != 0
    assert (f'The Secret "{secret}" is invalid: type: Invalid value: "example.com/custom": field is immutable'
            in r.stderr), r.stderr
    assert json.loads(server.kubectl("get", "secret", secret, "-n", ns, "-o", "json").stdout)["type"] == "Opaque"

    dep = unique("imm-deploy")
    server.kubectl("create", "-n", ns, "-f", "-", input=json.dumps(deployment(dep)))
    patch = json.dumps({"spec": {"selector": {"matchLabels": {"app": "other"}},
                                 "template": {"metadata": {"labels": {"app": "other"}}}}})
    r = server.kubectl("patch", "deployment", dep, "-n", ns, "-p", patch, check=False)
    assert r.returncode != 0
    assert (f'The Deployment "{dep}" is invalid: spec.selector: Invalid value: v1.LabelSelector{{MatchLabels:'
            f'map[string]string{{"app":"other"}}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}: '
            'field is immutable') in r.stderr, r.stderr
    got = json.loads(server.kubectl("get", "deployment", dep, "-n", ns, "-o", "json").stdout)
    assert got["spec"]["selector"] == {"matchLabels": {"app": dep}}


# --------------------------------------------------------------------------- 8. discovery, health, OpenAPI

def test_version(api):
    r = api.get("/version")
    assert r.status == 200, r
    v = r.json()
    assert v["major"] == "1" and v["minor"] == "32", v
    assert re.fullmatch(r"v1\.32\.\d+(\S*)?", v["gitVersion"]), v
    assert v["platform"].startswith("linux/") and v["gitTreeState"] in ("clean", "dirty") and v["goVersion"], v
    # Anyone may read it (system:public-info-viewer).
    anonymous = api.__class__(api.creds, client_cert=False)
    try:
        assert anonymous.get("/version").status == 200
        assert anonymous.get("/api").status == 401
    finally:
        anonymous.close()


@pytest.mark.parametrize("endpoint", ["/healthz", "/livez", "/readyz"])
def test_health_endpoints(api, endpoint):
    r = api.get(endpoint)
    assert r.status == 200 and r.body == b"ok", r
    r = api.get(endpoint + "?verbose")
    assert r.status == 200, r
    text = r.body.decode()
    assert text.splitlines()[0].startswith("[+]"), text
    assert text.rstrip().endswith(f"{endpoint.strip('/')} check passed"), text


def test_legacy_discovery(api):
    assert api.get("/api").json()["versions"] == ["v1"]
    groups = {g["name"]: g for g in api.get("/apis").json()["groups"]}
    assert {"apps", "events.k8s.io", "discovery.k8s.io", "coordination.k8s.io"} <= set(groups), groups
    assert groups["apps"]["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}
    core = {r["name"]: r for r in api.get("/api/v1").json()["resources"]}
    assert core["pods"]["shortNames"] == ["po"] and core["pods"]["categories"] == ["all"]
    assert core["pods"]["namespaced"] is True and core["pods"]["kind"] == "Pod"
    assert set(core["pods"]["verbs"]) == {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
    assert core["services"]["shortNames"] == ["svc"] and core["namespaces"]["namespaced"] is False
    assert core["pods/log"]["verbs"] == ["get"]
    apps = {r["name"]: r for r in api.get("/apis/apps/v1").json()["resources"]}
    assert apps["deployments"]["shortNames"] == ["deploy"] and apps["deployments"]["categories"] == ["all"]
    scale = apps["deployments/scale"]
    assert (scale["group"], scale["version"], scale["kind"]) == ("autoscaling", "v1", "Scale")
    assert api.get("/apis/apps/v2").status == 404


def test_aggregated_discovery(api):
    accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
    r = api.get("/apis", headers={"Accept": accept})
    assert r.status == 200, r
    assert r.headers["Content-Type"] == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    doc = r.json()
    assert doc["kind"] == "APIGroupDiscoveryList" and doc["apiVersion"] == "apidiscovery.k8s.io/v2"
    groups = {g["metadata"]["name"]: g for g in doc["items"]}
    deployments = {x["resource"]: x for x in groups["apps"]["versions"][0]["resources"]}["deployments"]
    assert deployments["scope"] == "Namespaced" and deployments["shortNames"] == ["deploy"]
    assert {s["subresource"]: s["responseKind"]["kind"] for s in deployments["subresources"]} == {"status": "Deployment", "scale": "Scale"}
    core = api.get("/api", headers={"Accept": accept}).json()
    pods = {x["resource"]: x for x in core["items"][0]["versions"][0]["resources"]}["pods"]
    assert pods["responseKind"] == {"group": "", "version": "v1", "kind": "Pod"} and pods["categories"] == ["all"]


def test_kubectl_api_resources_and_get_all(server, ns):
    out = server.kubectl("api-resources", "--namespaced=true", "-o", "name").stdout.split()
    assert {"pods", "services", "deployments.apps", "events.events.k8s.io", "events", "leases.coordination.k8s.io"} <= set(out)
    server.kubectl("create", "-n", ns, "-f", "-", input=json.dumps(deployment("all-of-it")))
    r = server.kubectl("get", "all", "-n", ns, "-o", "name")
    assert "deployment.apps/all-of-it" in r.stdout.split(), r.stdout


def test_openapi_v3_serves_schemas_kubectl_explain_reads(server, api):
    index = api.get("/openapi/v3").json()["paths"]
    doc = api.get(index["apis/apps/v1"]["serverRelativeURL"]).json()
    schemas = doc["components"]["schemas"]
    dep = schemas["io.k8s.api.apps.v1.Deployment"]
    assert dep["x-kubernetes-group-version-kind"] == [{"group": "apps", "kind": "Deployment", "version": "v1"}]
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name" and containers["x-kubernetes-patch-strategy"] == "merge"
    r = server.kubectl("explain", "deployment.spec.replicas")
    assert "GROUP:      apps" in r.stdout and "KIND:       Deployment" in r.stdout, r.stdout
    assert re.search(r"FIELD: +replicas <integer>", r.stdout), r.stdout
    r = server.kubectl("explain", "pods.spec.containers")
    assert re.search(r"FIELD: +containers <\[\]Container>", r.stdout), r.stdout
    assert re.search(r"^  image\t+<string>", r.stdout, re.M), r.stdout


# --------------------------------------------------------------------------- 9. autoscaling/v1 Scale

@pytest.mark.parametrize("resource", ["deployments", "replicasets"])
def test_scale_subresource_over_raw_http(api, ns, resource):
    name = unique("scaled")
    body = deployment(name)
    if resource == "replicasets":
        body["kind"] = "ReplicaSet"
        del body["spec"]["selector"]
        body["spec"]["selector"] = {"matchLabels": {"app": name}, "matchExpressions": [
            {"key": "tier", "operator": "NotIn", "values": ["db"]}]}
    assert api.post(f"/apis/apps/v1/namespaces/{ns}/{resource}", body).status == 201
    path = f"/apis/apps/v1/namespaces/{ns}/{resource}/{name}/scale"
    scale = api.get(path).json()
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["metadata"]["name"] == name and scale["metadata"]["namespace"] == ns
    assert scale["spec"] == {"replicas": 1}
    assert isinstance(scale["status"]["replicas"], int)
    expected_selector = f"app={name}" if resource == "deployments" else f"app={name},tier notin (db)"
    assert scale["status"]["selector"] == expected_selector
    # The Scale carries the object's uid and resourceVersion (read while no controller wrote in between).
    for _ in range(20):
        before = api.get(path).json()
        obj = api.get(f"/apis/apps/v1/namespaces/{ns}/{resource}/{name}").json()
        if api.get(path).json()["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]:
            break
    assert before["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]
    assert before["metadata"]["uid"] == obj["metadata"]["uid"]

    # The controllers may write the object meanwhile: retry on a conflict, as any client does.
    for _ in range(20):
        scale = api.get(path).json()
        scale["spec"]["replicas"] = 3
        r = api.put(path, scale)
        if r.status != 409:
            break
    assert r.status == 200, r
    stale = scale["metadata"]["resourceVersion"]
    done = r.json()
    assert done["kind"] == "Scale" and done["spec"]["replicas"] == 3
    assert int(done["metadata"]["resourceVersion"]) > int(stale)
    assert api.get(f"/apis/apps/v1/namespaces/{ns}/{resource}/{name}").json()["spec"]["replicas"] == 3

    scale["spec"]["replicas"] = 5   # still carries the old resourceVersion
    st = assert_status(api.put(path, scale), 409, "Conflict")
    assert st["message"] == (f'Operation cannot be fulfilled on {resource}.apps "{name}": the object has been '
                             "modified; please apply your changes to the latest version and try again"), st
    assert api.get(f"/apis/apps/v1/namespaces/{ns}/{resource}/{name}").json()["spec"]["replicas"] == 3
