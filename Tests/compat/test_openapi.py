"""docs/openapi.json against the real server: every operation is called for a success and an
error answer, and each real response is validated against the document with openapi-core
(the request too, where the server accepts it: what the server takes, the document must
describe). Runs in the `openapi` venv (requirements-openapi.txt) from scripts/test.sh.

The cases are tables run in order per area (the facts ones once per prefix, `/facts` and
`/v2/facts/{proj}/{env}`), and `test_every_operation_is_covered` checks from the tables
alone that each documented operation has a 2xx and a 4xx case, so a new operation without
cases fails here.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from conftest import REPO, _binary, running_pdp
from expectations import API_KEY

openapi_core = pytest.importorskip("openapi_core", reason="runs in the openapi venv (Tests/compat/requirements-openapi.txt)")
from openapi_core import OpenAPI  # noqa: E402
from openapi_core.testing import MockRequest, MockResponse  # noqa: E402

DOCUMENT_PATH = REPO / "docs" / "openapi.json"
DOCUMENT = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
# openapi-core matches requests against the document's server; the real port differs.
DOCUMENT_SERVER = DOCUMENT["servers"][0]["url"]
METHODS = ("get", "head", "post", "put", "patch", "delete")
MAX_BODY = 65536
MAX_BULK = 100


def operations() -> list[tuple[str, str]]:
    return [(method.upper(), template) for template, item in DOCUMENT["paths"].items() for method in item if method in METHODS]


def template_for(path: str) -> tuple[str, dict[str, str]] | None:
    """The documented path template that `path` (without query) matches, and its parameters;
    literal templates win over ones with parameters."""
    matches = []
    for template in DOCUMENT["paths"]:
        names = re.findall(r"\{([a-z_]+)\}", template)
        pattern = "^" + re.sub(r"\\\{[a-z_]+\\\}", "([^/]+)", re.escape(template)) + "$"
        found = re.match(pattern, path)
        if found:
            matches.append((len(names), template, dict(zip(names, found.groups()))))
    if not matches:
        return None
    _, template, parameters = min(matches)
    return template, parameters


# ---- one case = one request and the status it must get ---------------------------------------

@dataclass
class Case:
    method: str
    target: str  # path and query, as sent (already percent-encoded)
    status: int
    body: object = None  # JSON-encoded when not None (unless `raw`)
    raw: bytes | None = None
    auth: str | None = "default"  # "default" = Bearer <key>; None = no header; else sent as is
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path


def C(method, target, status, body=None, **options) -> Case:
    return Case(method, target, status, body, **options)


NOT_JSON = b'{"user": "alice", "action": '
HUGE_HEADER = {"X-Padding": "x" * 17000}


def decision_cases() -> list[Case]:
    check = {"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "key": "42", "tenant": "default", "context": {"tenant": "default"}}, "context": {}}
    go_check = {"user": {"key": "bob", "roles": [{"Role": "admin", "Tenant": "acme"}]}, "action": "read", "resource": {"type": "task", "id": "7", "tenant": "acme"}}
    return [
        C("POST", "/allowed", 200, check),
        C("POST", "/allowed?debug=true", 200, check),
        C("POST", "/allowed", 200, {"user": "nobody", "action": "delete", "resource": "task:1"}),
        C("POST", "/allowed", 200, {"user": {"key": "alice", "first_name": None, "firstName": "A", "attributes": None}, "action": "read", "resource": {"type": "task", "key": None, "tenant": None, "attributes": None}}),
        C("POST", "/allowed", 400, raw=NOT_JSON),
        C("POST", "/allowed", 422, {"user": "alice", "action": "read"}),
        C("POST", "/allowed", 422, {"user": "alice", "action": "read", "resource": "task:1:2"}),
        C("POST", "/allowed", 401, check, auth=None),
        C("POST", "/allowed", 403, check, auth="Bearer wrong"),
        C("POST", "/allowed", 413, raw=b"[" + b" " * MAX_BODY + b"]"),
        C("POST", "/allowed", 431, check, headers=HUGE_HEADER),
        C("POST", "/allowed/bulk", 200, [check, go_check]),
        C("POST", "/allowed/bulk?debug=true", 200, [check, go_check]),
        C("POST", "/allowed/bulk", 200, []),
        C("POST", "/allowed/bulk", 400, raw=b"[1,"),
        C("POST", "/allowed/bulk", 422, check),
        C("POST", "/allowed/bulk", 422, [check, 1]),
        C("POST", "/allowed/bulk", 413, [check] * (MAX_BULK + 1)),
        C("POST", "/allowed/bulk", 401, [], auth=None),
        C("POST", "/allowed/all-tenants", 200, go_check),
        C("POST", "/allowed/all-tenants", 422, {"user": "bob"}),
        C("POST", "/allowed/all-tenants", 400, raw=b"nope"),
        C("POST", "/user-permissions", 200, {"user": {"key": "bob"}, "tenants": None, "resources": None, "resource_types": None}),
        C("POST", "/user-permissions", 200, {"user": {"key": "alice", "firstName": "A"}, "tenants": ["default"], "resources": ["task:42"], "resource_types": ["task"]}),
        C("POST", "/user-permissions", 422, {"user": "bob", "tenants": "acme"}),
        C("POST", "/user-permissions", 401, {"user": "bob"}, auth=None),
        C("POST", "/authorized_users", 200, {"action": "read", "resource": {"type": "task", "tenant": "acme", "context": {"tenant": "acme"}}, "context": {}}),
        C("POST", "/authorized_users", 200, {"action": "read", "resource": "task:42"}),
        C("POST", "/authorized_users", 422, {"resource": "task"}),
        C("POST", "/user-tenants", 200, {"user": {"key": "bob"}}),
        C("POST", "/user-tenants", 422, {"user": 5}),
        C("GET", "/local/role_assignments", 200),
        C("GET", "/local/role_assignments?page=1&per_page=2&user=bob&tenant=acme", 200),
        C("GET", "/local/role_assignments?resource=task", 200),
        C("GET", "/local/role_assignments?per_page=101", 422),
        C("GET", "/local/role_assignments?page=x", 422),
        C("GET", "/local/role_assignments", 401, auth=None),
    ]


def probe_cases() -> list[Case]:
    cases = []
    for path in ["/health", "/healthy", "/ready"]:
        cases += [
            C("GET", path, 200, auth=None),
            C("GET", path, 200),  # /ready adds details with the key
            C("GET", path, 200, auth="Bearer wrong"),  # a wrong key is no key: status only
            C("HEAD", path, 200, auth=None),
            C("GET", path, 431, auth=None, headers=HUGE_HEADER),
            C("HEAD", path, 431, auth=None, headers=HUGE_HEADER),
        ]
    cases += [
        C("GET", "/openapi.json", 200),
        C("HEAD", "/openapi.json", 200),
        C("GET", "/openapi.json", 401, auth=None),
        C("HEAD", "/openapi.json", 403, auth="Bearer wrong"),
        C("GET", "/metrics", 200),
        C("HEAD", "/metrics", 200),
        C("GET", "/metrics", 401, auth=None),
        C("HEAD", "/metrics", 403, auth="Bearer wrong"),
    ]
    return cases


def schema_cases() -> list[Case]:
    s = "/v2/schema/22222222-2222-4222-8222-222222222222/default"
    return [
        C("GET", "/v2/api-key/scope", 200),
        C("GET", "/v2/api-key/scope", 200, headers={"X-Wait-Timeout": "5", "X-Timeout-Policy": "fail"}),
        C("GET", "/v2/api-key/scope", 401, auth=None),
        C("GET", "/v2/api-key/scope", 400, headers={"X-Timeout-Policy": "sometimes"}),
        # X-Wait-Timeout is any decimal number (1e400 was refused) and nothing else (a hex float
        # was accepted): what the document's pattern says, which schemathesis holds the server to.
        C("GET", "/v2/api-key/scope", 200, headers={"X-Wait-Timeout": "1e400"}),
        C("GET", "/v2/api-key/scope", 400, headers={"X-Wait-Timeout": "0x1p3"}),
        C("GET", f"{s}/roles", 200),
        C("GET", f"{s}/roles?page=1&per_page=1", 200),
        C("GET", f"{s}/roles?page=0", 422),
        C("GET", f"{s}/roles/admin", 200),
        C("GET", f"{s}/roles/nope", 404),
        C("GET", f"{s}/resources", 200),
        C("GET", f"{s}/resources?per_page=abc", 422),
        C("GET", f"{s}/resources/task", 200),
        C("GET", f"{s}/resources/nope", 404),
        C("GET", f"{s}/resources/%FF", 400),
        C("GET", f"{s}/roles", 403, auth="Bearer wrong"),
    ]


def facts_cases(prefix: str, tag: str) -> list[Case]:
    P = prefix
    u1, u2, t1, b1, bt1 = (f"{name}-{tag}" for name in ("u1", "u2", "t1", "b1", "bt1"))
    admin = {"role": "admin", "tenant": "default"}
    return [
        # users
        C("GET", f"{P}/users", 200),
        C("GET", f"{P}/users?page=2&per_page=1", 200),
        C("GET", f"{P}/users?page=0", 422),
        C("GET", f"{P}/users", 400, headers={"X-Wait-Timeout": "soon"}),
        C("POST", f"{P}/users", 201, {"key": u1, "email": f"{u1}@example.com", "first_name": "U", "attributes": {"n": 1}}),
        C("POST", f"{P}/users", 200, {"key": u1}),
        C("POST", f"{P}/users", 422, {"email": "x@example.com"}),
        C("POST", f"{P}/users", 422, {"key": "x", "email": "x@host.local"}),
        C("POST", f"{P}/users", 404, {"key": "x", "role_assignments": [{"role": "nope"}]}),
        C("POST", f"{P}/users", 400, raw=b"{}", headers={"X-Timeout-Policy": "never"}),
        C("POST", f"{P}/users", 413, raw=b"{" + b" " * MAX_BODY + b"}"),
        C("GET", f"{P}/users/{u1}", 200),
        C("GET", f"{P}/users/alice", 200),
        C("GET", f"{P}/users/nobody-{tag}", 404),
        C("PUT", f"{P}/users/{u2}", 201, {"email": None, "first_name": "Two", "role_assignments": [admin]}),
        C("PUT", f"{P}/users/{u2}", 200, {"last_name": "L"}, headers={"X-Wait-Timeout": "1e-05", "X-Timeout-Policy": "IGNORE"}),
        C("PUT", f"{P}/users/{u2}", 422, {"first_name": 5}),
        # A period followed by a combining mark is a period (schemathesis found it refused).
        C("PUT", f"{P}/users/{u2}", 200, {"email": "two@example.\u0301com"}),
        C("PUT", f"{P}/users/{u2}", 422, {"email": "two \u0301@example.com"}),
        C("PUT", f"{P}/users/{u2}", 404, {"role_assignments": [{"role": "admin", "tenant": f"none-{tag}"}]}),
        C("PATCH", f"{P}/users/{u1}", 200, {"last_name": "L", "attributes": None}),
        C("PATCH", f"{P}/users/nobody-{tag}", 404, {}),
        C("PATCH", f"{P}/users/{u1}", 422, {"attributes": 5}),
        # users/{id}/roles
        C("POST", f"{P}/users/{u1}/roles", 201, admin),
        C("POST", f"{P}/users/{u1}/roles", 201, {"role": "viewer", "tenant": None, "resource_instance": None}),
        C("POST", f"{P}/users/{u1}/roles", 404, {"role": "nope"}),
        C("POST", f"{P}/users/{u1}/roles", 422, {"tenant": "default"}),
        C("POST", f"{P}/users/{u1}/roles", 422, {"role": "admin", "resource_instance": "task:1"}),
        C("DELETE", f"{P}/users/{u1}/roles", 204, admin),
        C("DELETE", f"{P}/users/{u1}/roles", 404, admin),
        C("DELETE", f"{P}/users/alice/roles", 403, admin),
        C("DELETE", f"{P}/users/{u1}/roles", 422, {"role": 1}),
        # role_assignments
        C("GET", f"{P}/role_assignments", 200),
        C("GET", f"{P}/role_assignments?user=alice&user={u1}&role=viewer&tenant=default&page=1&per_page=100", 200),
        C("GET", f"{P}/role_assignments?per_page=101", 422),
        C("POST", f"{P}/role_assignments", 201, {"user": u1, "role": "admin", "tenant": "default"}),
        C("POST", f"{P}/role_assignments", 404, {"user": f"nobody-{tag}", "role": "admin"}),
        C("POST", f"{P}/role_assignments", 422, {"role": "admin"}),
        C("DELETE", f"{P}/role_assignments", 204, {"user": u1, "role": "admin", "tenant": "default"}),
        C("DELETE", f"{P}/role_assignments", 404, {"user": u1, "role": "admin", "tenant": "default"}),
        C("DELETE", f"{P}/role_assignments", 403, {"user": "alice", "role": "admin", "tenant": "default"}),
        C("DELETE", f"{P}/role_assignments", 422, {"user": u1}),
        C("POST", f"{P}/role_assignments/bulk", 200, [{"user": u1, "role": "admin"}, {"user": u2, "role": "viewer", "tenant": "default"}]),
        C("POST", f"{P}/role_assignments/bulk", 404, [{"user": u1, "role": "nope"}]),
        C("POST", f"{P}/role_assignments/bulk", 422, {"user": u1, "role": "admin"}),
        C("DELETE", f"{P}/role_assignments/bulk", 200, [{"user": u1, "role": "admin"}, {"user": u1, "role": "viewer"}]),
        C("DELETE", f"{P}/role_assignments/bulk", 403, [{"user": "alice", "role": "admin", "tenant": "default"}]),
        C("DELETE", f"{P}/role_assignments/bulk", 422, [{"role": "admin"}]),
        # tenants
        C("GET", f"{P}/tenants", 200),
        C("GET", f"{P}/tenants?page=x", 422),
        C("POST", f"{P}/tenants", 201, {"key": t1, "name": "Tee", "description": None, "attributes": {"plan": "free"}}),
        C("POST", f"{P}/tenants", 409, {"key": t1, "name": "Tee"}),
        C("POST", f"{P}/tenants", 422, {"key": f"x-{tag}"}),
        C("GET", f"{P}/tenants/{t1}", 200),
        C("GET", f"{P}/tenants/acme", 200),
        C("GET", f"{P}/tenants/nobody-{tag}", 404),
        C("PATCH", f"{P}/tenants/{t1}", 200, {"description": "d", "name": None}),
        C("PATCH", f"{P}/tenants/acme", 403, {"description": "d"}),
        C("PATCH", f"{P}/tenants/nobody-{tag}", 404, {}),
        C("PATCH", f"{P}/tenants/{t1}", 422, {"name": 5}),
        C("POST", f"{P}/users/{u1}/roles", 201, {"role": "viewer", "tenant": t1}),
        C("GET", f"{P}/tenants/{t1}/users", 200),
        C("GET", f"{P}/tenants/nobody-{tag}/users", 404),
        C("GET", f"{P}/tenants/{t1}/users?per_page=0", 422),
        C("DELETE", f"{P}/tenants/{t1}/users/{u1}", 204),
        C("DELETE", f"{P}/tenants/nobody-{tag}/users/{u1}", 404),
        C("DELETE", f"{P}/tenants/default/users/alice", 403),
        C("DELETE", f"{P}/tenants/{t1}", 204),
        C("DELETE", f"{P}/tenants/{t1}", 404),
        C("DELETE", f"{P}/tenants/default", 403),
        # bulk
        C("POST", f"{P}/bulk/users", 200, {"operations": [{"key": b1, "email": f"{b1}@example.com"}]}),
        C("POST", f"{P}/bulk/users", 404, {"operations": [{"key": f"x-{tag}", "role_assignments": [{"role": "nope"}]}]}),
        C("POST", f"{P}/bulk/users", 422, {"operations": 1}),
        C("PUT", f"{P}/bulk/users", 200, {"operations": [{"key": b1, "first_name": "B"}]}),
        C("PUT", f"{P}/bulk/users", 404, {"operations": [{"key": b1, "role_assignments": [{"role": "admin", "tenant": f"none-{tag}"}]}]}),
        C("PUT", f"{P}/bulk/users", 422, {}),
        C("DELETE", f"{P}/bulk/users", 200, {"idents": [b1]}),
        C("DELETE", f"{P}/bulk/users", 404, {"idents": [b1]}),
        C("DELETE", f"{P}/bulk/users", 403, {"idents": ["alice"]}),
        C("DELETE", f"{P}/bulk/users", 422, {"idents": [""]}),
        C("POST", f"{P}/bulk/tenants", 200, {"operations": [{"key": bt1, "name": "BT"}]}),
        C("POST", f"{P}/bulk/tenants", 409, {"operations": [{"key": bt1, "name": "BT"}]}),
        C("POST", f"{P}/bulk/tenants", 422, {"operations": [{"key": bt1}]}),
        C("PUT", f"{P}/bulk/tenants", 200, {"operations": [{"key": bt1, "name": "BT2"}]}),
        C("PUT", f"{P}/bulk/tenants", 403, {"operations": [{"key": "acme", "name": "A"}]}),
        C("PUT", f"{P}/bulk/tenants", 422, {"operations": [{"name": "A"}]}),
        C("DELETE", f"{P}/bulk/tenants", 200, {"idents": [bt1]}),
        C("DELETE", f"{P}/bulk/tenants", 404, {"idents": [bt1]}),
        C("DELETE", f"{P}/bulk/tenants", 403, {"idents": ["default"]}),
        C("DELETE", f"{P}/bulk/tenants", 422, {"idents": "x"}),
        # deleting last: the user had roles, assignments and tenants above
        C("DELETE", f"{P}/users/{u1}", 204),
        C("DELETE", f"{P}/users/{u1}", 404),
        C("DELETE", f"{P}/users/alice", 403),
        C("GET", f"{P}/users/{u1}", 401, auth=None),
    ]


AREAS = {
    "decisions": decision_cases(),
    "probes": probe_cases(),
    "schema": schema_cases(),
    "facts": facts_cases("/facts", "a"),
    "facts-v2": facts_cases("/v2/facts/22222222-2222-4222-8222-222222222222/33333333-3333-4333-8333-333333333333", "b"),
}


# ---- running and validating ------------------------------------------------------------------

@pytest.fixture(scope="module")
def server():
    with running_pdp(["--in-memory", "--max-body-bytes", str(MAX_BODY), "--max-bulk-checks", str(MAX_BULK)]) as running:
        yield running


@pytest.fixture(scope="module")
def openapi():
    return OpenAPI.from_dict(DOCUMENT)


def send(server, case: Case) -> tuple[int, dict[str, str], bytes]:
    headers = {"Accept": "*/*"}
    data = case.raw if case.raw is not None else (None if case.body is None else json.dumps(case.body).encode())
    if data is not None:
        headers["Content-Type"] = "application/json"
    if case.auth == "default":
        headers["Authorization"] = f"Bearer {API_KEY}"
    elif case.auth is not None:
        headers["Authorization"] = case.auth
    headers.update(case.headers)
    conn = http.client.HTTPConnection(server.host, server.port, timeout=20)
    try:
        conn.request(case.method, case.target, body=data, headers=headers)
        response = conn.getresponse()
        body = response.read()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, body
    finally:
        conn.close()


def validate(openapi, case: Case, status: int, headers: dict[str, str], body: bytes) -> None:
    template, parameters = template_for(case.path) or pytest.fail(f"{case.method} {case.path} is not documented")
    query = parse_qsl(urlsplit(case.target).query, keep_blank_values=True)
    request_headers = dict(case.headers)
    if case.auth == "default":
        request_headers["Authorization"] = f"Bearer {API_KEY}"
    data = case.raw if case.raw is not None else (b"" if case.body is None else json.dumps(case.body).encode())
    request = MockRequest(
        DOCUMENT_SERVER, case.method, case.path, path_pattern=template, args=query, view_args=parameters,
        headers=request_headers, data=data, content_type="application/json" if data else "",
    )
    if 200 <= status < 300:
        # The server took it: the document must describe it as a valid request.
        openapi.validate_request(request)
    content_type = headers.get("content-type", "")
    if case.path == "/metrics" and status == 200:
        # Prometheus text, the one answer that is not JSON; validated as its documented media type.
        assert content_type == "text/plain; version=0.0.4; charset=utf-8", f"{case.method} {case.target}: {content_type!r}"
        content_type = "text/plain"
    else:
        assert content_type == "application/json", f"{case.method} {case.target}: content-type {content_type!r}"
    if case.method == "HEAD" or status == 204:
        assert body == b"", f"{case.method} {case.target} -> {status} has a body: {body[:200]!r}"
        content_type = ""  # nothing to validate against a media type
    openapi.validate_response(request, MockResponse(body, status_code=status, headers=headers, content_type=content_type))


@pytest.mark.parametrize("area", list(AREAS))
def test_responses_match_the_document(server, openapi, area):
    for case in AREAS[area]:
        status, headers, body = send(server, case)
        label = f"{case.method} {case.target} {json.dumps(case.body)[:200] if case.body is not None else ''}"
        assert status == case.status, f"{label} -> {status} {body[:500]!r}"
        try:
            validate(openapi, case, status, headers, body)
        except Exception as error:  # openapi-core's errors carry the schema path in __cause__
            cause = getattr(error, "__cause__", None)
            details = getattr(error, "schema_errors", None) or getattr(cause, "schema_errors", None) or cause
            pytest.fail(f"{label} -> {status} {body[:500]!r}\ndoes not match docs/openapi.json: {error!r}\n{details}")
        server.assert_alive()


def test_every_operation_is_covered():
    seen: dict[tuple[str, str], set[int]] = {}
    for cases in AREAS.values():
        for case in cases:
            template = template_for(case.path)
            assert template, f"{case.method} {case.path} is not documented"
            seen.setdefault((case.method, template[0]), set()).add(case.status)
    missing = []
    for operation in operations():
        statuses = seen.get(operation, set())
        if not any(200 <= s < 300 for s in statuses) or not any(400 <= s < 500 for s in statuses):
            missing.append(f"{operation[0]} {operation[1]}: {sorted(statuses)}")
    assert not missing, "operations without both a 2xx and a 4xx case:\n" + "\n".join(missing)


def test_document_is_valid_openapi_3_1_and_its_version_is_the_binarys():
    from openapi_spec_validator import validate as validate_spec

    validate_spec(DOCUMENT)
    version = subprocess.run([str(_binary()), "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    assert version.endswith(DOCUMENT["info"]["version"]), f"pdp --version says {version!r}, the document {DOCUMENT['info']['version']!r}"


def test_both_facts_prefixes_describe_the_same_operations():
    # /facts/X and /v2/facts/{proj_id}/{env_id}/X have the same handlers: the same
    # operations, apart from the two path parameters and the operation ids.
    v2 = "/v2/facts/{proj_id}/{env_id}"
    facts = {template[len("/facts"):]: item for template, item in DOCUMENT["paths"].items() if template.startswith("/facts/")}
    others = {template[len(v2):]: item for template, item in DOCUMENT["paths"].items() if template.startswith(v2 + "/")}
    assert facts.keys() == others.keys()
    for rest, item in facts.items():
        other = json.loads(json.dumps(others[rest]))
        for method, operation in other.items():
            operation["parameters"] = [p for p in operation.get("parameters", []) if p.get("$ref") not in ("#/components/parameters/proj_id", "#/components/parameters/env_id")]
            assert operation.pop("operationId") == item[method]["operationId"] + "V2"
            operation["operationId"] = item[method]["operationId"]
        assert other == item, f"{rest} differs between /facts and {v2}"
