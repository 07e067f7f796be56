"""Bad requests over raw HTTPS: the right Status and code, the server stays up, nothing half-written."""

import json

import pytest

from e2e_lib import assert_status

MIB = 1024 * 1024

DNS1123_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                         "'-' or '.', and must start and end with an alphanumeric character")
DNS1035_LABEL_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                     "start with an alphabetic character, and end with an alphanumeric character")


def configmap(name, ns=None, **extra):
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}}
    if ns:
        obj["metadata"]["namespace"] = ns
    obj.update(extra)
    return obj


def pod(name):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}


def names_in(api, path):
    r = api.get(path)
    assert r.status == 200, r
    return {item["metadata"]["name"] for item in r.json()["items"]}


@pytest.fixture
def healthy(api):
    """After the test: the server still answers."""
    yield
    r = api.get("/readyz")
    assert r.status == 200 and r.body.strip() == b"ok", r


def assert_nothing_written(api, ns, resource, *names):
    present = names_in(api, f"/api/v1/namespaces/{ns}/{resource}")
    leaked = set(names) & present
    assert not leaked, f"rejected {resource} were stored: {leaked}"


def test_malformed_json(api, ns, healthy):
    body = b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad-json"},"data":{"k":'
    r = api.post(f"/api/v1/namespaces/{ns}/configmaps", body)
    assert_status(r, 400, "BadRequest")
    assert_nothing_written(api, ns, "configmaps", "bad-json")


def test_malformed_yaml(api, ns, healthy):
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad-yaml\n  labels: [unclosed\ndata:\n\tk: v\n"
    r = api.post(f"/api/v1/namespaces/{ns}/configmaps", body, content_type="application/yaml")
    assert_status(r, 400, "BadRequest")
    assert_nothing_written(api, ns, "configmaps", "bad-yaml")


def test_yaml_body_is_accepted(api, ns, healthy):
    """The control for the test above: well-formed YAML creates the object."""
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good-yaml\ndata:\n  k: v\n"
    r = api.post(f"/api/v1/namespaces/{ns}/configmaps", body, content_type="application/yaml")
    assert r.status == 201, r
    assert r.json()["metadata"]["name"] == "good-yaml"


def test_kind_not_matching_url(api, ns, healthy):
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "wrong-kind"},
           "spec": {"ports": [{"port": 80}]}}
    r = api.post(f"/api/v1/namespaces/{ns}/pods", svc)
    assert_status(r, 400, "BadRequest")
    assert_nothing_written(api, ns, "pods", "wrong-kind")
    assert_nothing_written(api, ns, "services", "wrong-kind")


def test_namespace_not_matching_url(api, ns, healthy):
    r = api.post(f"/api/v1/namespaces/{ns}/configmaps", configmap("wrong-ns", ns="kube-system"))
    assert_status(r, 400, "BadRequest")
    assert_nothing_written(api, ns, "configmaps", "wrong-ns")
    assert_nothing_written(api, "kube-system", "configmaps", "wrong-ns")


def test_unknown_api_version(api, ns, healthy):
    body = configmap("bad-version", apiVersion="nope.example.com/v9")
    r = api.post(f"/api/v1/namespaces/{ns}/configmaps", body)
    assert_status(r, 400, "BadRequest")
    assert_nothing_written(api, ns, "configmaps", "bad-version")


def test_body_over_3_mib(api, ns, healthy):
    body = json.dumps(configmap("too-big") | {"data": {"blob": "x" * (3 * MIB + 4096)}}).encode()
    assert len(body) > 3 * MIB
    r = api.send_large("POST", f"/api/v1/namespaces/{ns}/configmaps", body)
    assert_status(r, 413, "RequestEntityTooLarge")
    assert_nothing_written(api, ns, "configmaps", "too-big")


def test_big_body_under_the_limit_meets_validation_not_413(api, ns, healthy):
    """2.5 MiB is under the 3 MiB request limit, so it is decoded and validated: a ConfigMap's data
    may hold at most 1 MiB, which Kubernetes reports as 422 Invalid, not 413."""
    body = json.dumps(configmap("big-cm") | {"data": {"blob": "x" * (5 * MIB // 2)}}).encode()
    r = api.send_large("POST", f"/api/v1/namespaces/{ns}/configmaps", body)
    st = assert_status(r, 422, "Invalid")
    assert "Too long" in st["message"], st  # the wording after it differs between releases
    assert_nothing_written(api, ns, "configmaps", "big-cm")


def test_invalid_pod_name(api, ns, healthy):
    r = api.post(f"/api/v1/namespaces/{ns}/pods", pod("My_Pod"))
    st = assert_status(r, 422, "Invalid")
    assert st["message"].startswith('Pod "My_Pod" is invalid: metadata.name: Invalid value: "My_Pod": '), st
    assert DNS1123_SUBDOMAIN_MSG in st["message"], st
    assert st["details"]["name"] == "My_Pod" and st["details"]["kind"] == "Pod", st
    causes = st["details"]["causes"]
    assert any(c["field"] == "metadata.name" and c["reason"] == "FieldValueInvalid" for c in causes), causes
    assert_nothing_written(api, ns, "pods", "My_Pod")


def test_invalid_service_name(api, ns, healthy):
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "1-svc"},
           "spec": {"ports": [{"port": 80}]}}
    r = api.post(f"/api/v1/namespaces/{ns}/services", svc)
    st = assert_status(r, 422, "Invalid")
    assert st["message"].startswith('Service "1-svc" is invalid: metadata.name: Invalid value: "1-svc": '), st
    assert DNS1035_LABEL_MSG in st["message"], st
    assert_nothing_written(api, ns, "services", "1-svc")


def test_wrong_content_type(api, ns, healthy):
    body = json.dumps(configmap("plain-text"))
    r = api.post(f"/api/v1/namespaces/{ns}/configmaps", body, content_type="text/plain")
    assert_status(r, 415, "UnsupportedMediaType")
    assert_nothing_written(api, ns, "configmaps", "plain-text")


def test_get_missing_object(api, ns, healthy):
    r = api.get(f"/api/v1/namespaces/{ns}/configmaps/nope")
    st = assert_status(r, 404, "NotFound")
    assert st["message"] == 'configmaps "nope" not found', st
    assert st["details"] == {"name": "nope", "kind": "configmaps"}, st

    r = api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/nope")
    st = assert_status(r, 404, "NotFound")
    assert st["message"] == 'deployments.apps "nope" not found', st
    assert st["details"] == {"name": "nope", "group": "apps", "kind": "deployments"}, st


def test_no_client_certificate(server, ns, healthy):
    anon = server.api(client_cert=False)
    try:
        for path in (f"/api/v1/namespaces/{ns}/configmaps", "/api/v1/namespaces"):
            st = assert_status(anon.get(path), 401, "Unauthorized")
            assert st["message"] == "Unauthorized", st
        r = anon.post(f"/api/v1/namespaces/{ns}/configmaps", configmap("anonymous"))
        assert_status(r, 401, "Unauthorized")
    finally:
        anon.close()
    assert_nothing_written(server.api(), ns, "configmaps", "anonymous")


def test_stale_resource_version(api, ns, healthy):
    path = f"/api/v1/namespaces/{ns}/configmaps"
    r = api.post(path, configmap("cas"))
    assert r.status == 201, r
    v1 = r.json()

    first = dict(v1, data={"k": "first"})
    r = api.put(f"{path}/cas", first)
    assert r.status == 200, r
    v2 = r.json()
    assert int(v2["metadata"]["resourceVersion"]) > int(v1["metadata"]["resourceVersion"])

    stale = dict(v1, data={"k": "stale"})  # still carries v1's resourceVersion
    r = api.put(f"{path}/cas", stale)
    st = assert_status(r, 409, "Conflict")
    assert st["message"] == ('Operation cannot be fulfilled on configmaps "cas": the object has been modified; '
                             'please apply your changes to the latest version and try again'), st

    r = api.get(f"{path}/cas")
    assert r.status == 200 and r.json()["data"] == {"k": "first"}, r
    assert r.json()["metadata"]["resourceVersion"] == v2["metadata"]["resourceVersion"]


def test_create_existing_object(api, ns, healthy):
    path = f"/api/v1/namespaces/{ns}/configmaps"
    assert api.post(path, configmap("twice")).status == 201
    st = assert_status(api.post(path, configmap("twice") | {"data": {"k": "other"}}), 409, "AlreadyExists")
    assert st["message"] == 'configmaps "twice" already exists', st
    assert api.get(f"{path}/twice").json()["data"] == {"k": "v"}
