"""Service accounts on the API side: `kubectl create token`, Bearer authentication, the fixed authorization
of a cluster without RoleBindings, the OIDC issuer documents, the `kube-api-access-*` volume the admission
plugin adds, and the per-namespace `kube-root-ca.crt` and `default` ServiceAccount.

The token's signature is checked with the `cryptography` package against the JWKS the server publishes: the
way any OIDC library outside the cluster would check it.
"""

import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from e2e_lib import assert_status, wait_until


def b64url(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def claims_of(token):
    return json.loads(b64url(token.split(".")[1]))


def bearer(server, token, method, path):
    api = server.api(client_cert=False)
    try:
        return api.request(method, path, headers={"Authorization": f"Bearer {token}"})
    finally:
        api.close()


def test_create_token_gives_a_jwt_that_the_published_keys_verify(server, ns):
    token = server.kubectl("create", "token", "default", "-n", ns, "--duration=20m").stdout.strip()
    header, payload, signature = token.split(".")
    assert json.loads(b64url(header))["alg"] == "ES256"
    claims = claims_of(token)
    assert claims["sub"] == f"system:serviceaccount:{ns}:default"
    assert claims["aud"] == ["https://kubernetes.default.svc.cluster.local"]
    assert claims["iss"] == "https://kubernetes.default.svc.cluster.local"
    assert claims["exp"] - claims["iat"] == 1200
    sa_uid = server.kubectl("get", "sa", "default", "-n", ns, "-o", "jsonpath={.metadata.uid}").stdout
    assert claims["kubernetes.io"] == {"namespace": ns, "serviceaccount": {"name": "default", "uid": sa_uid}}

    discovery = bearer(server, token, "GET", "/.well-known/openid-configuration").json()
    assert discovery["issuer"] == claims["iss"] and discovery["jwks_uri"].endswith("/openid/v1/jwks")
    keys = bearer(server, token, "GET", "/openid/v1/jwks")
    assert keys.headers["Content-Type"] == "application/jwk-set+json"
    jwk = next(k for k in keys.json()["keys"] if k["kid"] == json.loads(b64url(header))["kid"])
    public = ec.EllipticCurvePublicNumbers(int.from_bytes(b64url(jwk["x"]), "big"), int.from_bytes(b64url(jwk["y"]), "big"),
                                           ec.SECP256R1()).public_key()
    raw = b64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
    try:
        public.verify(der, f"{header}.{payload}x".encode(), ec.ECDSA(hashes.SHA256()))
        raise AssertionError("a tampered payload verified")
    except InvalidSignature:
        pass


def test_create_token_rejects_bad_requests(server, ns):
    r = server.kubectl("create", "token", "default", "-n", ns, "--duration=1m", check=False)
    assert r.returncode == 1
    assert 'TokenRequest.authentication.k8s.io "default" is invalid: spec.expirationSeconds: Invalid value: 60: ' \
           'may not specify a duration less than 10 minutes' in r.stderr
    r = server.kubectl("create", "token", "nosuch", "-n", ns, check=False)
    assert 'serviceaccounts "nosuch" not found' in r.stderr
    r = server.kubectl("create", "token", "default", "-n", ns, "--bound-object-kind=Pod",
                       "--bound-object-name=missing", check=False)
    assert 'pods "missing" not found' in r.stderr


def test_a_service_account_may_discover_but_not_read_objects(server, ns):
    token = server.kubectl("create", "token", "default", "-n", ns).stdout.strip()
    r = bearer(server, token, "GET", "/api")
    assert r.status == 200 and r.json()["kind"] == "APIVersions"
    assert bearer(server, token, "GET", "/apis/apps/v1").status == 200
    assert bearer(server, token, "GET", "/version").status == 200

    st = assert_status(bearer(server, token, "GET", f"/api/v1/namespaces/{ns}/pods"), 403, "Forbidden")
    assert st["message"] == (f'pods is forbidden: User "system:serviceaccount:{ns}:default" cannot list resource "pods" '
                             f'in API group "" in the namespace "{ns}"')
    st = assert_status(bearer(server, token, "GET", f"/apis/apps/v1/namespaces/{ns}/deployments/web"), 403, "Forbidden")
    assert st["message"] == (f'deployments.apps "web" is forbidden: User "system:serviceaccount:{ns}:default" cannot get '
                             f'resource "deployments" in API group "apps" in the namespace "{ns}"')
    assert st["details"] == {"name": "web", "group": "apps", "kind": "deployments"}
    st = assert_status(bearer(server, token, "GET", "/api/v1/nodes"), 403, "Forbidden")
    assert st["message"].endswith('cannot list resource "nodes" in API group "" at the cluster scope')
    st = assert_status(bearer(server, token, "GET", "/metrics"), 403, "Forbidden")
    assert st["message"] == f'forbidden: User "system:serviceaccount:{ns}:default" cannot get path "/metrics"'

    # A forged or foreign token is no token: 401, as without credentials.
    assert_status(bearer(server, token[:-4] + "AAAA", "GET", "/api"), 401, "Unauthorized")
    assert_status(bearer(server, "not-a-jwt", "GET", "/api"), 401, "Unauthorized")


def test_a_token_dies_with_its_service_account_and_its_pod(server, ns):
    server.kubectl("create", "sa", "robot", "-n", ns)
    token = server.kubectl("create", "token", "robot", "-n", ns).stdout.strip()
    assert bearer(server, token, "GET", "/api").status == 200
    server.kubectl("delete", "sa", "robot", "-n", ns)
    assert_status(bearer(server, token, "GET", "/api"), 401, "Unauthorized")
    # Recreated under the same name it is another account (another uid): the old token stays dead.
    server.kubectl("create", "sa", "robot", "-n", ns)
    assert_status(bearer(server, token, "GET", "/api"), 401, "Unauthorized")

    server.kubectl("run", "holder", "--image=nginx", "-n", ns, "--overrides",
                   json.dumps({"spec": {"serviceAccountName": "robot"}}))
    bound = server.kubectl("create", "token", "robot", "-n", ns, "--bound-object-kind=Pod",
                           "--bound-object-name=holder").stdout.strip()
    pod_uid = server.kubectl("get", "pod", "holder", "-n", ns, "-o", "jsonpath={.metadata.uid}").stdout
    assert claims_of(bound)["kubernetes.io"]["pod"] == {"name": "holder", "uid": pod_uid}
    assert bearer(server, bound, "GET", "/api").status == 200
    server.kubectl("delete", "pod", "holder", "-n", ns, "--grace-period=0", "--force")
    assert_status(bearer(server, bound, "GET", "/api"), 401, "Unauthorized")


def test_pods_get_the_kube_api_access_volume_unless_they_opt_out(server, ns):
    server.kubectl("run", "web", "--image=nginx", "-n", ns)
    pod = json.loads(server.kubectl("get", "pod", "web", "-n", ns, "-o", "json").stdout)
    volumes = pod["spec"]["volumes"]
    assert len(volumes) == 1 and volumes[0]["name"].startswith("kube-api-access-") and len(volumes[0]["name"]) == 21
    assert volumes[0]["projected"] == {
        "defaultMode": 420,
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace",
                                        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
        ],
    }
    assert pod["spec"]["containers"][0]["volumeMounts"] == [
        {"name": volumes[0]["name"], "readOnly": True, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]

    server.kubectl("run", "quiet", "--image=nginx", "-n", ns, "--overrides",
                   json.dumps({"spec": {"automountServiceAccountToken": False}}))
    pod = json.loads(server.kubectl("get", "pod", "quiet", "-n", ns, "-o", "json").stdout)
    assert "volumes" not in pod["spec"] and "volumeMounts" not in pod["spec"]["containers"][0]

    server.kubectl("apply", "-n", ns, "-f", "-", input=json.dumps({
        "apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "shy"}, "automountServiceAccountToken": False}))
    server.kubectl("run", "shy", "--image=nginx", "-n", ns, "--overrides", json.dumps({"spec": {"serviceAccountName": "shy"}}))
    pod = json.loads(server.kubectl("get", "pod", "shy", "-n", ns, "-o", "json").stdout)
    assert "volumes" not in pod["spec"]

    r = server.kubectl("run", "lost", "--image=nginx", "-n", ns, "--overrides",
                       json.dumps({"spec": {"serviceAccountName": "nosuch"}}), check=False)
    assert r.returncode == 1
    assert (f'pods "lost" is forbidden: error looking up service account {ns}/nosuch: '
            f'serviceaccount "nosuch" not found') in r.stderr


def test_namespaces_keep_their_root_ca_and_default_service_account(server, ns):
    ca = server.kubectl("get", "cm", "kube-root-ca.crt", "-n", ns, "-o", "jsonpath={.data.ca\\.crt}").stdout
    assert ca == open(server.creds.ca_file).read()
    server.kubectl("delete", "cm", "kube-root-ca.crt", "-n", ns)
    wait_until(lambda: server.kubectl("get", "cm", "kube-root-ca.crt", "-n", ns, check=False).returncode == 0,
               message="kube-root-ca.crt recreated")
    server.kubectl("patch", "cm", "kube-root-ca.crt", "-n", ns, "-p", '{"data":{"ca.crt":"tampered"}}')
    wait_until(lambda: server.kubectl("get", "cm", "kube-root-ca.crt", "-n", ns, "-o",
                                      "jsonpath={.data.ca\\.crt}").stdout == ca, message="kube-root-ca.crt reset")
    server.kubectl("delete", "sa", "default", "-n", ns)
    wait_until(lambda: server.kubectl("get", "sa", "default", "-n", ns, check=False).returncode == 0,
               message="default ServiceAccount recreated")
