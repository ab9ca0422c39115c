"""The HTTP/JSON door (--http-listen) through Python's urllib and curl: every unary method answers
as the gRPC API does (the code, the message, the BadRequest field paths); real calls end to end
(the generic and the typed API); tokens and scopes; the mistakes (a body over the message limit,
a body that is not JSON, GET, an unknown or a streaming method, a second server on the port)."""
import base64
import json
import os
import subprocess
import unittest
import urllib.error
import urllib.request

import grpc
from google.protobuf import json_format, symbol_database
from google.rpc import error_details_pb2, status_pb2

from sluice.v1 import (admin_service_pb2, migration_service_pb2, query_service_pb2,  # noqa: F401 (their services)
                       schema_service_pb2)
from sluiced_test import SluicedTest

ADMIN, DATA = "door-admin", "door-data"
LIMIT = 65536
STREAMING = {"SelectStream", "Transaction"}  # served over gRPC only


def unary_methods():
    """Every unary method of sluice.v1: (path, request class, response class)."""
    db = symbol_database.Default()
    out = []
    for module in (admin_service_pb2, migration_service_pb2, query_service_pb2, schema_service_pb2):
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                if method.name in STREAMING:
                    continue
                out.append(("/%s/%s" % (service.full_name, method.name), db.GetSymbol(method.input_type.full_name),
                            db.GetSymbol(method.output_type.full_name)))
    return out


def grpc_paths(error):
    """The BadRequest field paths of a failed gRPC call."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            paths = []
            for detail in status_pb2.Status.FromString(value).details:
                bad = error_details_pb2.BadRequest()
                if detail.Unpack(bad):
                    paths += [v.field for v in bad.field_violations]
            return paths
    return []


def connect_paths(body):
    """The BadRequest field paths of a Connect error body (from the details' bytes, and the same in
    their `debug`)."""
    paths = []
    for detail in body.get("details", []):
        if detail["type"] == "google.rpc.BadRequest":
            value = detail["value"] + "=" * (-len(detail["value"]) % 4)
            bad = error_details_pb2.BadRequest.FromString(base64.b64decode(value))
            paths += [v.field for v in bad.field_violations]
            assert [v["field"] for v in detail["debug"]["fieldViolations"]] == [v.field for v in bad.field_violations]
    return paths


class HttpDoorTest(SluicedTest):
    ARGS = ["--http-listen", "127.0.0.1:0", "--tokens", "admin:%s,data:%s" % (ADMIN, DATA),
            "--max-message-bytes", str(LIMIT)]

    def post(self, path, body, token=ADMIN, headers=None, content_type="application/json"):
        """(HTTP status, JSON body, headers) of a POST to the door."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if token:
            all_headers["Authorization"] = "Bearer " + token
        request = urllib.request.Request(self.http + path, data=data, method="POST", headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read()), response.headers
        except urllib.error.HTTPError as error:
            text = error.read()
            return error.code, json.loads(text) if text else None, error.headers

    def test_every_unary_method_answers_as_grpc_does(self):
        methods = unary_methods()
        self.assertGreaterEqual(len(methods), 20)
        for path, request_type, response_type in methods:
            status, body, _ = self.post(path, {})
            call = self.channel.unary_unary(path, request_serializer=request_type.SerializeToString,
                                            response_deserializer=response_type.FromString)
            try:
                response = call(request_type(), metadata=[("authorization", "Bearer " + ADMIN)], timeout=10)
                self.assertEqual(status, 200, (path, body))
                self.assertEqual(body, json_format.MessageToDict(response), path)
            except grpc.RpcError as error:
                self.assertEqual(body["code"], error.code().name.lower().replace("cancelled", "canceled"), path)
                self.assertEqual(body.get("message", ""), error.details(), path)
                self.assertEqual(connect_paths(body), grpc_paths(error), path)
                expected = {"INVALID_ARGUMENT": 400, "NOT_FOUND": 404, "FAILED_PRECONDITION": 400,
                            "PERMISSION_DENIED": 403, "UNIMPLEMENTED": 501}.get(error.code().name)
                if expected:
                    self.assertEqual(status, expected, (path, body))

    def test_calls_end_to_end_generic_and_typed(self):
        with open("examples/shop.schema.json") as f:
            schema = json.load(f)
        status, body, _ = self.post("/sluice.v1.SchemaService/RegisterSchema", {"schema": schema})
        self.assertEqual((status, body["version"]["version"]), (200, 1), body)
        status, body, _ = self.post("/sluice.v1.MigrationService/Migrate", {"target": {"schema": "shop"}})
        self.assertEqual((status, body["applied"]), (200, ["0000_initial_v1"]), body)
        # Plain JSON values on the generic API; int64 comes back as a string (proto3 JSON).
        status, body, _ = self.post("/sluice.v1.QueryService/Insert", {
            "target": {"schema": "shop"},
            "insert": {"table": "users", "rows": [{"values": {"email": "ada@example.com", "name": "Ada"}},
                                                  {"values": {"email": "bob@example.com", "name": "Bob"}}],
                       "returning": ["id"]}}, token=DATA)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["result"]["rowsAffected"], "2")
        status, body, _ = self.post("/sluice.v1.QueryService/Select", {
            "target": {"schema": "shop"},
            "select": {"table": "users", "columns": [{"expression": {"column": {"name": "email"}}}],
                       "orderBy": [{"expression": {"column": {"name": "id"}}, "descending": True}]}}, token=DATA)
        self.assertEqual(status, 200, body)
        self.assertEqual([r["values"][0]["stringValue"] for r in body["result"]["rows"]],
                         ["bob@example.com", "ada@example.com"])
        # The typed service of the schema just registered.
        status, body, _ = self.post("/sluice.schemas.shop.UsersService/Find",
                                    {"where": {"name": {"eq": "Ada"}}, "columns": ["USERS_COLUMN_EMAIL"]}, token=DATA)
        self.assertEqual((status, body), (200, {"rows": [{"email": "ada@example.com"}]}))
        status, body, _ = self.post("/sluice.schemas.shop.UsersService/Find", {"where": {"id": {"ilike": "1"}}},
                                    token=DATA)
        self.assertEqual((status, body["code"]), (400, "invalid_argument"), body)  # the JSON names no such field
        status, body, _ = self.post("/sluice.schemas.shop.UsersService/Insert", {"rows": [{"balance": "1.234"}]},
                                    token=DATA)
        self.assertEqual((status, body["code"], connect_paths(body)), (400, "invalid_argument", ["rows[0].balance"]))
        # A typed service no schema serves: as gRPC answers it.
        status, body, _ = self.post("/sluice.schemas.shop.GhostsService/Find", {}, token=DATA)
        self.assertEqual((status, body["code"]), (404, "not_found"), body)
        self.assertIn({"reason": "TYPED_SERVICE_NOT_FOUND", "domain": "sluice.dev",
                       "metadata": {"method": "/sluice.schemas.shop.GhostsService/Find"}},
                      [d.get("debug") for d in body["details"]])

        # curl, as the README shows it: the same answer.
        out = subprocess.run(["curl", "-sS", "-X", "POST", "-H", "Content-Type: application/json",
                              "-H", "Authorization: Bearer " + DATA, "--data",
                              '{"where": {"email": {"eq": "bob@example.com"}}, "columns": ["USERS_COLUMN_NAME"]}',
                              self.http + "/sluice.schemas.shop.UsersService/Find"],
                             capture_output=True, text=True, check=True).stdout
        self.assertEqual(json.loads(out), {"rows": [{"name": "Bob"}]})
        out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H",
                              "Content-Type: application/json", "--data", "{}",
                              self.http + "/sluice.v1.SchemaService/ListSchemas"],
                             capture_output=True, text=True, check=True).stdout
        self.assertEqual(out, "401")

    def test_tokens_and_scopes(self):
        status, body, _ = self.post("/sluice.v1.SchemaService/ListSchemas", {}, token=None)
        self.assertEqual((status, body["code"]), (401, "unauthenticated"))
        status, body, _ = self.post("/sluice.v1.SchemaService/ListSchemas", {}, token="wrong")
        self.assertEqual((status, body["code"]), (401, "unauthenticated"))
        status, body, _ = self.post("/sluice.v1.AdminService/ListDatabases", {}, token=DATA)
        self.assertEqual((status, body["code"]), (403, "permission_denied"))
        status, body, _ = self.post("/sluice.v1.SchemaService/ListSchemas", {}, token=DATA)
        self.assertEqual((status, body), (200, {}))
        # A call held to the admin scope (Studio's edits): refused with a data token.
        status, body, _ = self.post("/sluice.v1.SchemaService/ListSchemas", {}, token=DATA,
                                    headers={"Sluice-Scope": "admin"})
        self.assertEqual((status, body["code"]), (403, "permission_denied"))
        status, body, _ = self.post("/sluice.v1.SchemaService/ListSchemas", {}, headers={"Sluice-Scope": "admin"})
        self.assertEqual(status, 200)

    def test_the_mistakes(self):
        # A body over the message limit: refused before it is read whole.
        status, body, _ = self.post("/sluice.v1.QueryService/Select", b"{" + b" " * (LIMIT + 10) + b"}")
        self.assertEqual((status, body["code"]), (429, "resource_exhausted"), body)
        self.assertIn("over the message limit", body["message"])
        # Not JSON.
        status, body, headers = self.post("/sluice.v1.SchemaService/ListSchemas", b"\x0a\x00",
                                          content_type="application/proto")
        self.assertEqual((status, body["code"], headers["Accept-Post"]), (415, "unimplemented", "application/json"))
        status, body, _ = self.post("/sluice.v1.SchemaService/ListSchemas", b"{not json")
        self.assertEqual((status, body["code"]), (400, "invalid_argument"))
        self.assertIn("sluice.v1.ListSchemasRequest", body["message"])
        status, body, _ = self.post("/sluice.v1.SchemaService/ListSchemas", {"tagret": {}})  # a typo
        self.assertEqual((status, body["code"]), (400, "invalid_argument"))
        self.assertIn("tagret", body["message"])
        # GET on a method, an unknown method, a streaming method.
        try:
            urllib.request.urlopen(self.http + "/sluice.v1.SchemaService/ListSchemas", timeout=10)
            self.fail("GET answered")
        except urllib.error.HTTPError as error:
            self.assertEqual((error.code, error.headers["Allow"]), (405, "POST"))
        status, body, _ = self.post("/sluice.v1.SchemaService/ListSchemaz", {})
        self.assertEqual((status, body["code"]), (501, "unimplemented"))
        status, body, _ = self.post("/sluice.v1.QueryService/SelectStream", {})
        self.assertEqual((status, body["code"]), (501, "unimplemented"))
        self.assertIn("served over gRPC only", body["message"])
        # Studio's files, and the way there.
        with urllib.request.urlopen(self.http + "/studio/", timeout=10) as response:
            self.assertEqual(response.headers["Content-Type"], "text/html; charset=utf-8")
            self.assertIn(b"Sluice Studio", response.read())
        with urllib.request.urlopen(self.http + "/", timeout=10) as response:
            self.assertEqual(response.url, self.http + "/studio/")  # redirected
        try:
            urllib.request.urlopen(self.http + "/studio/missing.js", timeout=10)
            self.fail("a missing file answered")
        except urllib.error.HTTPError as error:
            self.assertEqual(error.code, 404)
        # A second server on the same HTTP port fails loudly, and stops.
        port = self.http.rsplit(":", 1)[1]
        second = subprocess.run(["server/sluiced", "--listen", "127.0.0.1:0", "--plugin-dir", "lib/plugins",
                                 "--http-listen", "127.0.0.1:" + port, "--database",
                                 "default=sqlite:" + os.path.join(os.environ["TEST_TMPDIR"], "second.db")],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(second.returncode, 1, second.stderr)
        self.assertIn("cannot listen on 127.0.0.1:%s for HTTP" % port, second.stderr)


if __name__ == "__main__":
    unittest.main()
