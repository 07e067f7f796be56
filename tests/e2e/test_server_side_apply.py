"""kubectl apply --server-side: managedFields, field managers, removal of dropped fields, conflicts."""

import json
import re
import stat
import textwrap
from pathlib import Path

from conftest import default_kubectl
from e2e_lib import unique, wait_until

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {{app: web{extra_label}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: nginx
        image: {image}
        ports: [{{containerPort: 80}}]
        env: [{{name: A, value: "1"}}{extra_env}]
{extra_container}"""

SIDECAR = """\
      - name: sidecar
        image: busybox
        command: [sleep, "3600"]
"""


def deployment(tmp_path, replicas=2, image="nginx:1.25", tier=True, env_b=True, sidecar=True, name="web.yaml"):
    path = tmp_path / name
    path.write_text(DEPLOYMENT.format(replicas=replicas, image=image,
                                      extra_label=", tier: front" if tier else "",
                                      extra_env=', {name: B, value: "2"}' if env_b else "",
                                      extra_container=SIDECAR if sidecar else ""))
    return str(path)


def get_json(server, kind, name, ns, managed_fields=True):
    args = ["get", kind, name, "-n", ns, "-o", "json"] + (["--show-managed-fields"] if managed_fields else [])
    return json.loads(server.kubectl(*args).stdout)


def managers(obj):
    """managedFields by (manager, operation, subresource)."""
    return {(e.get("manager", ""), e["operation"], e.get("subresource", "")): e
            for e in obj["metadata"].get("managedFields", [])}


def fields(obj, manager, operation="Apply", subresource=""):
    return managers(obj)[(manager, operation, subresource)]["fieldsV1"]


def user_agent_manager():
    """The manager of kubectl commands that send no fieldManager: kubectl's User-Agent starts with the name
    of its binary (`kubectl/v1.32.4 …`, `kubectl.1.28/v1.28.15 …`), up to the first "/"."""
    return Path(default_kubectl()).name


def ssa(server, ns, path, *extra, check=True):
    return server.kubectl("apply", "--server-side", "-f", path, "-n", ns, *extra, check=check)


CONTAINER_NGINX = 'k:{"name":"nginx"}'
CONTAINER_SIDECAR = 'k:{"name":"sidecar"}'


def containers_of(fields_v1):
    return fields_v1["f:spec"]["f:template"]["f:spec"]["f:containers"]


def test_apply_records_full_depth_fields_and_removes_what_it_drops(server, ns, tmp_path):
    r = ssa(server, ns, deployment(tmp_path))
    assert r.stdout.strip() == "deployment.apps/web serverside-applied"
    dep = get_json(server, "deployment", "web", ns)
    entry = managers(dep)[("kubectl", "Apply", "")]
    assert entry["apiVersion"] == "apps/v1" and entry["fieldsType"] == "FieldsV1" and entry["time"].endswith("Z")
    f = entry["fieldsV1"]
    assert f["f:metadata"] == {"f:labels": {"f:app": {}, "f:tier": {}}}, "name is nobody's; labels are fields"
    assert f["f:spec"]["f:replicas"] == {} and f["f:spec"]["f:selector"] == {}, "a label selector is atomic"
    nginx = containers_of(f)[CONTAINER_NGINX]
    assert nginx["."] == {} and nginx["f:image"] == {} and nginx["f:name"] == {}
    assert nginx["f:ports"] == {'k:{"containerPort":80,"protocol":"TCP"}': {".": {}, "f:containerPort": {}}}
    assert set(nginx["f:env"]) == {'k:{"name":"A"}', 'k:{"name":"B"}'}
    assert containers_of(f)[CONTAINER_SIDECAR] == {".": {}, "f:name": {}, "f:image": {}, "f:command": {}}, \
        "an untagged list (command) is owned whole"
    assert "f:imagePullPolicy" not in nginx, "defaults the server filled in are nobody's"

    # kubectl hides managedFields unless asked.
    assert "managedFields" not in server.kubectl("get", "deployment", "web", "-n", ns, "-o", "yaml").stdout
    shown = server.kubectl("get", "deployment", "web", "-n", ns, "-o", "yaml", "--show-managed-fields").stdout
    assert "managedFields:" in shown and "manager: kubectl" in shown and "operation: Apply" in shown
    assert "f:replicas: {}" in shown and 'k:{"name":"nginx"}:' in shown

    # The same file again changes nothing.
    rv = dep["metadata"]["resourceVersion"]
    ssa(server, ns, deployment(tmp_path))
    assert get_json(server, "deployment", "web", ns)["metadata"]["resourceVersion"] == rv

    # Dropping a label, an env var and a container from the file removes them from the object.
    r = ssa(server, ns, deployment(tmp_path, tier=False, env_b=False, sidecar=False))
    assert r.stdout.strip() == "deployment.apps/web serverside-applied"
    dep = get_json(server, "deployment", "web", ns)
    assert dep["metadata"]["labels"] == {"app": "web"}
    pod_spec = dep["spec"]["template"]["spec"]
    assert [c["name"] for c in pod_spec["containers"]] == ["nginx"]
    assert pod_spec["containers"][0]["env"] == [{"name": "A", "value": "1"}]
    f = fields(dep, "kubectl")
    assert f["f:metadata"] == {"f:labels": {"f:app": {}}}
    assert set(containers_of(f)) == {CONTAINER_NGINX}
    assert set(containers_of(f)[CONTAINER_NGINX]["f:env"]) == {'k:{"name":"A"}'}


def test_scale_conflicts_with_apply_until_forced(server, ns, tmp_path):
    path = deployment(tmp_path)
    ssa(server, ns, path)
    assert server.kubectl("scale", "deployment/web", "--replicas=5", "-n", ns).stdout.strip() == "deployment.apps/web scaled"
    dep = get_json(server, "deployment", "web", ns)
    # kubectl scale sends no fieldManager: the manager is its User-Agent's name, on the scale subresource.
    scaler = user_agent_manager()
    scale_entry = managers(dep)[(scaler, "Update", "scale")]
    assert scale_entry["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" not in fields(dep, "kubectl")["f:spec"], "the applier lost replicas to the scale"

    r = ssa(server, ns, path, check=False)
    assert r.returncode != 0
    assert (f'error: Apply failed with 1 conflict: conflict with "{scaler}" with subresource "scale" using apps/v1: '
            ".spec.replicas") in r.stderr
    assert "--force-conflicts" in r.stderr, "kubectl explains how to resolve it"
    assert get_json(server, "deployment", "web", ns)["spec"]["replicas"] == 5, "nothing was written"

    # The same value is no conflict: the field is then shared.
    r = ssa(server, ns, deployment(tmp_path, replicas=5, name="five.yaml"))
    assert r.returncode == 0
    dep = get_json(server, "deployment", "web", ns)
    assert fields(dep, "kubectl")["f:spec"]["f:replicas"] == {}
    assert managers(dep)[(scaler, "Update", "scale")]["fieldsV1"] == {"f:spec": {"f:replicas": {}}}

    r = ssa(server, ns, path, "--force-conflicts")
    assert r.stdout.strip() == "deployment.apps/web serverside-applied"
    dep = get_json(server, "deployment", "web", ns)
    assert dep["spec"]["replicas"] == 2
    assert (scaler, "Update", "scale") not in managers(dep), "forcing took the scale's only field"


def test_field_managers_share_and_conflict(server, ns, tmp_path):
    ssa(server, ns, deployment(tmp_path))
    replicas_only = tmp_path / "replicas.yaml"
    replicas_only.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2}\n")
    r = ssa(server, ns, str(replicas_only), "--field-manager=autoscaler")
    assert r.returncode == 0
    dep = get_json(server, "deployment", "web", ns)
    assert fields(dep, "autoscaler") == {"f:spec": {"f:replicas": {}}}

    replicas_only.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 4}\n")
    r = ssa(server, ns, str(replicas_only), "--field-manager=ops", check=False)
    assert r.returncode != 0
    assert ('Apply failed with 2 conflicts: conflicts with "autoscaler":\n- .spec.replicas\n'
            'conflicts with "kubectl":\n- .spec.replicas') in r.stderr

    # The autoscaler stops applying replicas: kubectl still owns them, so they stay.
    replicas_only.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, labels: {scaled: 'no'}}\n")
    ssa(server, ns, str(replicas_only), "--field-manager=autoscaler")
    dep = get_json(server, "deployment", "web", ns)
    assert dep["spec"]["replicas"] == 2 and dep["metadata"]["labels"]["scaled"] == "no"
    assert fields(dep, "autoscaler") == {"f:metadata": {"f:labels": {"f:scaled": {}}}}


def test_edit_takes_fields_and_apply_then_conflicts(server, ns, tmp_path):
    path = deployment(tmp_path)
    ssa(server, ns, path)
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nexec sed -i -e 's/image: nginx:1.25/image: nginx:1.27/' \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    r = server.kubectl("edit", "deployment/web", "-n", ns, env={"KUBE_EDITOR": str(editor), "EDITOR": str(editor)})
    assert r.stdout.strip() == "deployment.apps/web edited"
    dep = get_json(server, "deployment", "web", ns)
    edit = managers(dep)[("kubectl-edit", "Update", "")]
    assert edit["apiVersion"] == "apps/v1"
    assert edit["fieldsV1"] == {"f:spec": {"f:template": {"f:spec": {"f:containers": {CONTAINER_NGINX: {"f:image": {}}}}}}}
    assert "f:image" not in containers_of(fields(dep, "kubectl"))[CONTAINER_NGINX]

    r = ssa(server, ns, path, check=False)
    assert r.returncode != 0
    assert ('Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: '
            '.spec.template.spec.containers[name="nginx"].image') in r.stderr


def test_client_side_apply_upgrades_to_server_side(server, ns, tmp_path):
    r = server.kubectl("apply", "-f", deployment(tmp_path), "-n", ns)
    assert r.stdout.strip() == "deployment.apps/web created"
    dep = get_json(server, "deployment", "web", ns)
    csa = fields(dep, "kubectl-client-side-apply", "Update")
    assert csa["f:metadata"]["f:annotations"]["f:kubectl.kubernetes.io/last-applied-configuration"] == {}
    assert csa["f:spec"]["f:replicas"] == {}

    # The values the last client-side apply set are kubectl's to change server-side: no conflict.
    r = ssa(server, ns, deployment(tmp_path, replicas=3, name="changed.yaml"))
    assert r.stdout.strip() == "deployment.apps/web serverside-applied", r.stderr
    dep = get_json(server, "deployment", "web", ns)
    assert dep["spec"]["replicas"] == 3
    assert fields(dep, "kubectl")["f:spec"]["f:replicas"] == {}
    last = json.loads(dep["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last["spec"]["replicas"] == 3, "kubectl's server-side applies keep the annotation current"


def test_create_label_and_controllers_record_their_managers(server, ns, tmp_path):
    server.kubectl("create", "-f", deployment(tmp_path), "-n", ns)
    server.kubectl("label", "deployment/web", "owner=me", "-n", ns)
    dep = get_json(server, "deployment", "web", ns)
    create = fields(dep, "kubectl-create", "Update")
    assert create["f:metadata"]["f:labels"] == {".": {}, "f:app": {}, "f:tier": {}}
    assert "." not in create["f:spec"], "spec is a value struct"
    nginx = containers_of(create)[CONTAINER_NGINX]
    assert nginx["f:imagePullPolicy"] == {}, "an Update owns the defaults the server decoded it with"
    assert fields(dep, "kubectl-label", "Update") == {"f:metadata": {"f:labels": {"f:owner": {}}}}
    server.kubectl("patch", "deployment/web", "-n", ns, "-p", '{"spec":{"replicas":3}}')
    dep = get_json(server, "deployment", "web", ns)
    assert fields(dep, "kubectl-patch", "Update") == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" not in fields(dep, "kubectl-create", "Update")["f:spec"], "the patch took replicas over"

    def controller_entries():
        d = get_json(server, "deployment", "web", ns)
        return ("kube-controller-manager", "Update", "status") in managers(d) and d
    dep = wait_until(controller_entries, timeout=30, message="the deployment controller's status write")
    assert "f:conditions" in fields(dep, "kube-controller-manager", "Update", "status")["f:status"]
    rs_name = json.loads(server.kubectl("get", "rs", "-n", ns, "-l", "app=web", "-o", "json").stdout)["items"][0]["metadata"]["name"]
    rs = get_json(server, "rs", rs_name, ns)
    assert ("kube-controller-manager", "Update", "") in managers(rs), managers(rs).keys()

    server.kubectl("create", "configmap", "settings", "--from-literal=mode=fast", "-n", ns)
    cm = get_json(server, "configmap", "settings", ns)
    assert fields(cm, "kubectl-create", "Update") == {"f:data": {".": {}, "f:mode": {}}}


def test_service_ports_are_keyed_by_port_and_protocol(server, ns, tmp_path):
    svc = tmp_path / "svc.yaml"
    svc.write_text(textwrap.dedent("""\
        apiVersion: v1
        kind: Service
        metadata: {name: dns}
        spec:
          selector: {app: dns}
          ports:
          - {name: dns, port: 53, protocol: UDP}
          - {name: dns-tcp, port: 53, protocol: TCP}
        """))
    ssa(server, ns, str(svc))
    f = fields(get_json(server, "service", "dns", ns), "kubectl")
    assert set(f["f:spec"]["f:ports"]) == {'k:{"port":53,"protocol":"UDP"}', 'k:{"port":53,"protocol":"TCP"}'}
    assert f["f:spec"]["f:selector"] == {}

    svc.write_text(svc.read_text().replace("  - {name: dns-tcp, port: 53, protocol: TCP}\n", ""))
    ssa(server, ns, str(svc))
    got = get_json(server, "service", "dns", ns)
    assert [(p["port"], p["protocol"]) for p in got["spec"]["ports"]] == [(53, "UDP")]
    assert got["spec"]["clusterIP"], "the allocated address stays"


def test_dry_run_and_strict_field_validation(server, ns, tmp_path):
    r = ssa(server, ns, deployment(tmp_path), "--dry-run=server", "-o", "json", "--show-managed-fields")
    shown = json.loads(r.stdout)
    assert managers(shown)[("kubectl", "Apply", "")]["fieldsV1"]["f:spec"]["f:replicas"] == {}
    missing = server.kubectl("get", "deployment", "web", "-n", ns, check=False)
    assert missing.returncode != 0 and 'deployments.apps "web" not found' in missing.stderr, "a dry run stores nothing"

    bad = tmp_path / "bad.yaml"
    bad.write_text(open(deployment(tmp_path)).read().replace("  replicas: 2\n", "  replicas: 2\n  replicaz: 3\n"))
    # Apply needs a configuration that fits the schema, whatever --validate says: Kubernetes' typed conversion
    # refuses it with a plain (reason-less, 500) error.
    for validate in ("strict", "ignore"):
        r = ssa(server, ns, str(bad), f"--validate={validate}", check=False)
        assert r.returncode != 0
        assert re.search(r"Error from server: failed to create typed patch object \(\S*/web; apps/v1, Kind=Deployment\): "
                         r"\.spec\.replicaz: field not declared in schema", r.stderr), r.stderr
    assert server.kubectl("get", "deployment", "web", "-n", ns, check=False).returncode != 0

    ssa(server, ns, deployment(tmp_path))
    r = ssa(server, ns, str(bad), check=False)
    assert r.returncode != 0 and ".spec.replicaz: field not declared in schema" in r.stderr, "also on an existing object"

    # A dry run of a change answers with the changed object and leaves the stored one alone.
    r = ssa(server, ns, deployment(tmp_path, replicas=4, name="four.yaml"), "--dry-run=server", "-o", "json")
    assert json.loads(r.stdout)["spec"]["replicas"] == 4
    assert get_json(server, "deployment", "web", ns)["spec"]["replicas"] == 2


def test_apply_requires_a_field_manager_and_managers_default_to_the_user_agent(server, api, ns):
    name = unique("cm")
    path = f"/api/v1/namespaces/{ns}/configmaps/{name}"
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"a": "1"}})
    r = api.request("PATCH", path, body=body, content_type="application/apply-patch+yaml")
    assert r.status == 422, r
    status = r.json()
    assert status["reason"] == "Invalid"
    assert status["message"] == 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'

    r = api.request("PATCH", path + "?fieldManager=tool", body=body, content_type="application/apply-patch+yaml")
    assert r.status == 201, r
    assert [(e["manager"], e["operation"]) for e in r.json()["metadata"]["managedFields"]] == [("tool", "Apply")]

    # Another applier setting a different value: 409 Conflict with Kubernetes' causes, until it forces.
    other = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"a": "2"}})
    r = api.request("PATCH", path + "?fieldManager=other", body=other, content_type="application/apply-patch+yaml")
    assert r.status == 409, r
    status = r.json()
    assert status["reason"] == "Conflict"
    assert status["message"] == 'Apply failed with 1 conflict: conflict with "tool": .data.a'
    assert status["details"]["causes"] == [{"type": "FieldManagerConflict", "message": 'conflict with "tool"',
                                            "field": ".data.a"}]
    r = api.request("PATCH", path + "?fieldManager=other&force=true", body=other,
                    content_type="application/apply-patch+yaml")
    assert r.status == 200, r
    owners = {e["manager"]: e["fieldsV1"] for e in r.json()["metadata"]["managedFields"]}
    assert r.json()["data"] == {"a": "2"} and owners == {"other": {"f:data": {"f:a": {}}}}, owners

    r = api.request("PATCH", path + "?force=true", body={"data": {"b": "2"}},
                    content_type="application/merge-patch+json")
    assert r.status == 422 and "force: Forbidden: may not be specified for non-apply patch" in r.json()["message"], r

    r = api.request("PATCH", path, body={"data": {"b": "2"}}, content_type="application/merge-patch+json",
                    headers={"User-Agent": "my-operator/v0.3 (linux/amd64)"})
    assert r.status == 200, r
    by_manager = {(e["manager"], e["operation"]): e["fieldsV1"] for e in r.json()["metadata"]["managedFields"]}
    assert by_manager[("my-operator", "Update")] == {"f:data": {"f:b": {}}}
