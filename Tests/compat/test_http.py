"""Raw HTTP against swift-pdp, for what the Python SDK cannot produce: other SDKs' shapes
(Go, Node), status codes of rejected requests, limits, unauthenticated health routes and
keep-alive. Standard library only (http.client), so it runs in either venv.
"""

from __future__ import annotations

import http.client
import json
import socket

import pytest

import expectations as E

JSON = "application/json"


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def json(self):
        assert self.content_type in (JSON, "application/problem+json"), (
            f"expected a JSON content type, got {self.headers.get('Content-Type')!r}: {self.body[:300]!r}"
        )
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.headers.get('Content-Type')!r} {self.body[:500]!r}>"


def send(server, method: str, path: str, body=None, *, auth: str | None = "default", headers=None,
         raw: bytes | None = None, conn: http.client.HTTPConnection | None = None) -> Response:
    """One request. `body` is JSON-encoded (json.dumps, as the SDKs do) unless `raw` is given;
    auth="default" sends `Bearer <key>`, None sends no Authorization header, anything else is sent as is."""
    all_headers = {"Content-Type": JSON, "Accept": "*/*"}
    if auth == "default":
        all_headers["Authorization"] = f"Bearer {server.api_key}"
    elif auth is not None:
        all_headers["Authorization"] = auth
    all_headers.update(headers or {})
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    own = conn is None
    conn = conn or http.client.HTTPConnection(server.host, server.port, timeout=20)
    try:
        conn.request(method, path, body=data, headers=all_headers)
        r = conn.getresponse()
        return Response(r.status, r.headers, r.read())
    finally:
        if own:
            conn.close()


def check_body(user, action, resource, context=None):
    body = {"user": user if isinstance(user, dict) else {"key": user}, "action": action, "resource": resource}
    if context is not None:
        body["context"] = context
    return body


def decision(server, body, path="/allowed") -> bool:
    r = send(server, "POST", path, body)
    assert r.status == 200, f"POST {path} {json.dumps(body)} -> {r!r}"
    data = r.json()
    assert data["allow"] is data["result"], data
    assert isinstance(data["allow"], bool), data
    return data["allow"]


# --------------------------------------------------------------------------------------------
# authentication


@pytest.mark.parametrize("path, body", [
    ("/allowed", check_body("alice", "read", {"type": "task", "tenant": "default"})),
    ("/allowed/bulk", [check_body("alice", "read", {"type": "task"})]),
    ("/user-permissions", {"user": {"key": "alice"}}),
    ("/authorized_users", {"action": "read", "resource": {"type": "task"}}),
    ("/allowed/all-tenants", check_body("alice", "read", {"type": "task"})),
    ("/user-tenants", {"user": {"key": "alice"}}),
])
def test_missing_auth_is_401_wrong_is_403(pdp_server, path, body):
    r = send(pdp_server, "POST", path, body, auth=None)
    assert r.status == 401, f"no Authorization header on {path}: {r!r}"
    r = send(pdp_server, "POST", path, body, auth="Bearer wrong-key")
    assert r.status == 403, f"wrong key on {path}: {r!r}"
    r = send(pdp_server, "POST", path, body)
    assert r.status == 200, f"right key on {path}: {r!r}"


def test_local_route_auth(pdp_server):
    assert send(pdp_server, "GET", "/local/role_assignments", auth=None).status == 401
    assert send(pdp_server, "GET", "/local/role_assignments", auth="Bearer nope").status == 403
    assert send(pdp_server, "GET", "/local/role_assignments").status == 200


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer", "bEaReR"])
def test_scheme_is_case_insensitive(pdp_server, scheme):
    body = check_body("alice", "read", {"type": "task", "tenant": "default"})
    r = send(pdp_server, "POST", "/allowed", body, auth=f"{scheme} {pdp_server.api_key}")
    assert r.status == 200, r
    assert r.json()["allow"] is True


@pytest.mark.parametrize("header", [
    "Basic dXNlcjpwYXNz",            # another scheme
    "{key}",                          # no scheme
    "Bearer",                         # no token
    "Bearer {key}x",                  # key prefix only
    "Bearer {key_prefix}",
])
def test_bad_authorization_is_403(pdp_server, header):
    value = header.format(key=pdp_server.api_key, key_prefix=pdp_server.api_key[:-1])
    r = send(pdp_server, "POST", "/allowed", check_body("alice", "read", {"type": "task"}), auth=value)
    assert r.status == 403, f"Authorization: {value!r} -> {r!r}"


@pytest.mark.parametrize("path", ["/health", "/healthy", "/ready"])
def test_health_without_auth(pdp_server, path):
    r = send(pdp_server, "GET", path, auth=None, headers={"Content-Type": JSON})
    assert r.status == 200, r
    r = send(pdp_server, "GET", path, auth="Bearer wrong-key")
    assert r.status == 200, f"health must not look at credentials: {r!r}"


# --------------------------------------------------------------------------------------------
# /allowed response shape and lenient input


def test_allowed_shape(pdp_server):
    r = send(pdp_server, "POST", "/allowed", check_body("alice", "read", {"type": "task", "key": None, "tenant": "default"}, {}))
    assert r.status == 200
    assert r.content_type == JSON
    body = r.json()
    assert body["allow"] is True and body["result"] is True
    assert "debug" not in body, "debug only with ?debug=true"
    for extra in ("query", "debug"):
        assert extra not in body or isinstance(body[extra], dict), f"{extra} must be an object for Go: {body}"


def test_allowed_debug(pdp_server):
    r = send(pdp_server, "POST", "/allowed?debug=true", check_body("carol", "read", {"type": "task", "tenant": "acme"}))
    assert r.status == 200, r
    body = r.json()
    assert body["allow"] is True and body["result"] is True
    assert isinstance(body.get("debug"), dict), body


def test_python_sdk_body_with_nulls(pdp_server):
    # {"user": {"key": "alice", "email": null, "attributes": null}, ... "attributes": null}
    body = {"user": {"key": "alice", "email": None, "attributes": None, "first_name": None, "last_name": None,
                     "roles": None},
            "action": "read",
            "resource": {"type": "task", "key": "1", "tenant": "default", "attributes": None,
                         "context": {"tenant": "default"}},
            "context": {}}
    assert decision(pdp_server, body) is True


def test_null_context_and_null_tenant(pdp_server):
    body = {"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "key": None, "tenant": None,
                                                                       "context": None}, "context": None}
    assert decision(pdp_server, body) is True  # no tenant -> default
    body["user"]["key"] = "carol"
    assert decision(pdp_server, body) is False


def test_missing_context_go_style(pdp_server):
    # Go omits an empty context; Node drops undefined keys.
    assert decision(pdp_server, {"user": {"key": "bob"}, "action": "assign",
                                 "resource": {"type": "task", "tenant": "acme"}}) is True
    assert decision(pdp_server, {"user": {"key": "bob"}, "action": "assign",
                                 "resource": {"type": "task", "tenant": "default"}}) is False


def test_go_roles_shape_and_node_camel_case(pdp_server):
    user = {"key": "alice", "first_name": "Alice", "roles": [{"Role": "admin", "Tenant": "default"}],
            "attributes": {"k": "v"}}
    assert decision(pdp_server, check_body(user, "assign", {"type": "task", "tenant": "default"})) is True
    user = {"key": "bob", "firstName": "Bob", "lastName": "B", "email": "bob@example.com",
            "roles": [{"Role": "viewer", "Tenant": "default"}]}
    assert decision(pdp_server, check_body(user, "assign", {"type": "task", "tenant": "acme"})) is True
    assert decision(pdp_server, check_body(user, "assign", {"type": "task", "tenant": "default"})) is False


def test_resource_id_is_the_key(pdp_server):
    # Go FilterObjects / 2.6.5 send `id`; the decision is still RBAC...
    assert decision(pdp_server, check_body("carol", "read", {"type": "task", "id": "42", "tenant": "acme"})) is True
    # ...and where the key is visible (authorized_users echoes it) `id` is the key.
    r = send(pdp_server, "POST", "/authorized_users",
             {"action": "read", "resource": {"type": "task", "id": "42", "tenant": "acme"}, "context": {}})
    assert r.status == 200, r
    assert r.json()["resource"] == "task:42"


def test_unknown_fields_ignored(pdp_server):
    body = check_body({"key": "carol", "unknown_field": 1, "nested": {"x": [1, 2]}}, "read",
                      {"type": "task", "tenant": "acme", "whatever": True, "context": {"tenant": "acme"}},
                      {"ip": "10.0.0.1"})
    body["sdk"] = "python"
    body["extra_top_level"] = {"a": None}
    assert decision(pdp_server, body) is True


def test_resource_context_tenant_duplicate(pdp_server):
    # Python sends the tenant twice (resource.tenant and resource.context.tenant)
    body = check_body("carol", "read", {"type": "task", "tenant": "acme", "context": {"tenant": "acme"}}, {})
    assert decision(pdp_server, body) is True


def test_unicode_and_escapes(pdp_server):
    raw = ('{"user": {"key": "\\u0061lice", "first_name": "Al\\u00efce \\ud83d\\ude00"}, "action": "read", '
           '"resource": {"type": "task", "key": "t\\"1", "tenant": "default"}, "context": {}}').encode()
    r = send(pdp_server, "POST", "/allowed", raw=raw)
    assert r.status == 200, r
    assert r.json()["allow"] is True, "\\u0061lice is alice"


def test_get_with_json_content_type_and_no_body(pdp_server):
    r = send(pdp_server, "GET", "/local/role_assignments?page=1&per_page=100", headers={"Content-Type": JSON})
    assert r.status == 200, r


# --------------------------------------------------------------------------------------------
# rejected requests


@pytest.mark.parametrize("raw", [
    b"{", b"not json", b"nul", b"tru", b"[1,]", b'{"user": {"key": "alice"},}', b"", b"\xff\xfe",
    b'{"user": nope, "action": "read", "resource": {"type": "task"}}',
    b'{"user": {"key": "alice"}, "action": "read", "resource": {"type": "task"}} trailing',
])
def test_malformed_json_is_400(pdp_server, raw):
    r = send(pdp_server, "POST", "/allowed", raw=raw)
    assert r.status == 400, f"body {raw!r} -> {r!r}"


@pytest.mark.parametrize("body, field", [
    ({"user": {"key": "alice"}, "resource": {"type": "task"}}, "action"),
    ({"action": "read", "resource": {"type": "task"}}, "user"),
    ({"user": {"key": "alice"}, "action": "read"}, "resource"),
    ({"user": {"key": "alice"}, "action": "read", "resource": {"key": "1"}}, "type"),
    ({"user": {"first_name": "A"}, "action": "read", "resource": {"type": "task"}}, "key"),
    ({"user": {"key": "alice"}, "action": 5, "resource": {"type": "task"}}, "action"),
    ({"user": ["alice"], "action": "read", "resource": {"type": "task"}}, "user"),
    ({"user": {"key": "alice"}, "action": "read", "resource": 7}, "resource"),
])
def test_schema_error_is_422_naming_the_field(pdp_server, body, field):
    r = send(pdp_server, "POST", "/allowed", body)
    assert r.status == 422, f"{json.dumps(body)} -> {r!r}"
    r.json()  # a JSON body
    assert field.encode() in r.body, f"the 422 body should name `{field}`: {r.body[:500]!r}"


def test_v1_string_user_and_resource(pdp_server):
    # v1 bodies carry the user as a bare key (the real horizon answers 421, Rust 422). Rejecting
    # with 422 or reading it as {"key": ...} are both acceptable; answering wrongly is not.
    # The same for a resource given as a "type" / "type:key" string.
    for user, resource, expected in [
        ("alice", {"type": "task", "tenant": "default"}, True),
        ("carol", {"type": "task", "tenant": "default"}, False),
        ("nobody", {"type": "task", "tenant": "default"}, False),
        ({"key": "alice"}, "task", True),
        ({"key": "alice"}, "task:42", True),
        ({"key": "carol"}, "task:42", False),
        ({"key": "alice"}, "document", False),
    ]:
        body = {"user": user, "action": "read", "resource": resource}
        r = send(pdp_server, "POST", "/allowed", body)
        assert r.status in (200, 422), f"{json.dumps(body)} -> {r!r}"
        if r.status == 200:
            assert r.json() == {"allow": expected, "result": expected}, f"{json.dumps(body)} -> {r!r}"


def test_bulk_with_object_instead_of_array_is_422(pdp_server):
    r = send(pdp_server, "POST", "/allowed/bulk", check_body("alice", "read", {"type": "task"}))
    assert r.status == 422, r


def test_huge_body_is_413(pdp_server):
    filler = "x" * (1024 * 1024 + 1024)
    body = json.dumps(check_body({"key": "alice", "attributes": {"blob": filler}}, "read", {"type": "task"})).encode()
    conn = http.client.HTTPConnection(pdp_server.host, pdp_server.port, timeout=20)
    try:
        try:
            conn.request("POST", "/allowed", body=body, headers={
                "Content-Type": JSON, "Authorization": f"Bearer {pdp_server.api_key}"})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading it all; the answer must still be there
        r = conn.getresponse()
        r.read()
        assert r.status == 413, f"a {len(body)}-byte body -> {r.status}"
    finally:
        conn.close()
    # and the server is fine afterwards
    assert decision(pdp_server, check_body("alice", "read", {"type": "task"})) is True


def test_body_just_under_a_mebibyte_is_fine(pdp_server):
    body = check_body({"key": "alice", "attributes": {"blob": ""}}, "read", {"type": "task"})
    overhead = len(json.dumps(body).encode())
    body["user"]["attributes"]["blob"] = "y" * (1000 * 1000 - overhead)
    assert decision(pdp_server, body) is True


# --------------------------------------------------------------------------------------------
# other routes


def test_bulk_shape_and_order(pdp_server):
    items = [
        check_body("alice", "read", {"type": "task", "tenant": "default"}),
        check_body("carol", "read", {"type": "task", "tenant": "default"}),
        check_body("carol", "read", {"type": "task", "tenant": "acme"}),
        check_body("nobody", "read", {"type": "task"}),
    ]
    r = send(pdp_server, "POST", "/allowed/bulk", items)
    assert r.status == 200, r
    body = r.json()
    assert body == {"allow": [{"allow": True, "result": True}, {"allow": False, "result": False},
                              {"allow": True, "result": True}, {"allow": False, "result": False}]}, body
    r = send(pdp_server, "POST", "/allowed/bulk", [])
    assert r.status == 200 and r.json() == {"allow": []}, r


@pytest.mark.parametrize("user, action, rtype", [
    ("bob", "read", "task"), ("bob", "assign", "task"), ("carol", "read", "task"), ("dave", "read", "task"),
    ("alice", "read", "analytics"), ("nobody", "read", "task"), ("bob", "fly", "task"),
])
def test_all_tenants(pdp_server, user, action, rtype):
    r = send(pdp_server, "POST", "/allowed/all-tenants", check_body(user, action, {"type": rtype}, {}))
    assert r.status == 200, r
    body = r.json()
    entries = body["allowed_tenants"]
    for e in entries:
        assert e["allow"] is True and e["result"] is True, e
        assert e["tenant"]["attributes"] == E.TENANT_ATTRIBUTES[e["tenant"]["key"]], e
    assert sorted(e["tenant"]["key"] for e in entries) == E.allowed_tenants(user, action, rtype)


@pytest.mark.parametrize("user", ["alice", "bob", "carol", "dave", "erin", "nobody"])
def test_user_tenants(pdp_server, user):
    r = send(pdp_server, "POST", "/user-tenants", {"user": {"key": user}, "context": {}})
    assert r.status == 200, r
    body = r.json()
    assert isinstance(body, list), body
    assert sorted(t["key"] for t in body) == E.user_tenants(user)
    for t in body:
        assert t["attributes"] == E.TENANT_ATTRIBUTES[t["key"]], t


def test_user_permissions_raw(pdp_server):
    r = send(pdp_server, "POST", "/user-permissions",
             {"user": {"key": "carol"}, "tenants": None, "resources": None, "resource_types": None})
    assert r.status == 200 and r.content_type == JSON, r
    body = r.json()
    assert list(body) == ["__tenant:acme"]
    assert body["__tenant:acme"]["tenant"] == {"key": "acme", "attributes": E.TENANT_ATTRIBUTES["acme"]}
    assert sorted(body["__tenant:acme"]["permissions"]) == sorted(E.VIEWER)
    assert body["__tenant:acme"]["roles"] == ["viewer"]
    # Go sends filters only when set, and a context
    r = send(pdp_server, "POST", "/user-permissions", {"user": {"key": "bob"}, "tenants": ["default"], "context": {}})
    assert r.status == 200, r
    assert list(r.json()) == ["__tenant:default"]


def test_authorized_users_raw(pdp_server):
    r = send(pdp_server, "POST", "/authorized_users", {"action": "read", "resource": {"type": "task"}, "context": {}})
    assert r.status == 200, r
    body = r.json()
    assert body["resource"] == "task:*" and body["tenant"] == "default"
    assert body["users"]["alice"] == [{"user": "alice", "tenant": "default", "resource": "__tenant:default",
                                       "role": "admin"}]
    assert set(body["users"]) == {"alice", "bob", "erin"}


@pytest.mark.parametrize("query", ["per_page=101", "per_page=0", "page=0", "per_page=abc"])
def test_role_assignments_bad_paging_is_422(pdp_server, query):
    r = send(pdp_server, "GET", f"/local/role_assignments?{query}")
    assert r.status == 422, f"?{query} -> {r!r}"
    r.json()


@pytest.mark.parametrize("path", [
    "/local/role_assignments", "/facts/users", "/facts/tenants", "/facts/role_assignments", "/facts/tenants/acme/users",
    "/v2/facts/p/e/users", "/v2/schema/p/e/roles", "/v2/schema/p/e/resources",
])
def test_huge_page_is_422_and_the_server_survives(pdp_server, path):
    # (page - 1) * per_page overflowed Int64 and killed the process (issue 11, item 5).
    for query in ["page=92233720368547759&per_page=100", "page=9223372036854775807", "per_page=9223372036854775807"]:
        r = send(pdp_server, "GET", f"{path}?{query}")
        assert r.status == 422, f"{path}?{query} -> {r!r}"
    pdp_server.assert_alive()
    assert send(pdp_server, "GET", "/health").status == 200


def test_role_assignments_raw_shape(pdp_server):
    r = send(pdp_server, "GET", "/local/role_assignments?user=carol")
    assert r.status == 200, r
    assert r.json() == [{"user": "carol", "role": "viewer", "tenant": "acme", "resource_instance": None}]


# --------------------------------------------------------------------------------------------
# connections


def test_keep_alive(pdp_server):
    conn = http.client.HTTPConnection(pdp_server.host, pdp_server.port, timeout=20)
    try:
        expected = []
        sock = None
        for i in range(12):
            user, action, tenant = [("alice", "read", "default"), ("carol", "read", "default"),
                                    ("carol", "read", "acme")][i % 3]
            r = send(pdp_server, "POST", "/allowed", check_body(user, action, {"type": "task", "tenant": tenant}), conn=conn)
            assert r.status == 200, r
            expected.append(r.json()["allow"])
            assert (r.headers.get("Connection") or "").lower() != "close", f"request {i} closed the connection"
            if sock is None:
                sock = conn.sock
            assert conn.sock is sock and sock is not None, f"request {i} needed a new connection"
        assert expected == [True, False, True] * 4
        # mixed routes on the same connection
        assert send(pdp_server, "GET", "/health", auth=None, conn=conn).status == 200
        assert send(pdp_server, "GET", "/local/role_assignments?user=bob", conn=conn).status == 200
        assert send(pdp_server, "POST", "/allowed/bulk", [], conn=conn).status == 200
        assert conn.sock is sock
    finally:
        conn.close()


def test_pipelined_requests(pdp_server):
    body = json.dumps(check_body("carol", "read", {"type": "task", "tenant": "acme"})).encode()
    one = (f"POST /allowed HTTP/1.1\r\nHost: {pdp_server.host}\r\nContent-Type: application/json\r\n"
           f"Authorization: Bearer {pdp_server.api_key}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    with socket.create_connection((pdp_server.host, pdp_server.port), timeout=20) as s:
        s.sendall(one * 3)
        data = b""
        while data.count(b'"allow"') < 3:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.count(b"HTTP/1.1 200") == 3, data[:2000]


def test_client_that_disconnects_does_not_hurt(pdp_server):
    for _ in range(20):
        with socket.create_connection((pdp_server.host, pdp_server.port), timeout=5) as s:
            s.sendall(b"POST /allowed HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"us")
    assert decision(pdp_server, check_body("alice", "read", {"type": "task"})) is True
