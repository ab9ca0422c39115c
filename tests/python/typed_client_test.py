"""A typed Python client, generated from the schema as a user would: `sluice codegen` writes the
schema's .proto, `buf generate` (with the buf.gen.yaml codegen wrote) makes Python stubs, and
python3-grpcio calls the table services with them. After a second version adds a column, the
first version's stubs still work, and the new field has a new number."""
import json
import os
import subprocess
import sys
import unittest

from google.protobuf import json_format

from sluice.v1 import migration_service_pb2, schema_pb2, schema_service_pb2, target_pb2
from sluiced_test import SluicedTest

# Runs in a process of its own per generated version (two versions of one module cannot share a
# process): prints what the calls returned, as JSON.
CLIENT = r"""
import json, sys
import grpc
from google.protobuf import json_format
from sluice.schemas import shop_pb2 as pb, shop_pb2_grpc as rpc
users = rpc.UsersServiceStub(grpc.insecure_channel(sys.argv[1]))
out = {"numbers": {f.name: f.number for f in pb.Users.DESCRIPTOR.fields}}
for step in json.loads(sys.argv[2]):
    method, request = step
    try:
        response = getattr(users, method)(json_format.ParseDict(request, getattr(pb, "Users" + {
            "Find": "FindRequest", "Get": "GetRequest", "Insert": "InsertRequest", "Update": "UpdateRequest"}[method])()))
        out.setdefault("responses", []).append(json_format.MessageToDict(response))
    except grpc.RpcError as e:
        out.setdefault("responses", []).append({"error": e.code().name, "message": e.details()})
print(json.dumps(out))
"""


class TypedClientTest(SluicedTest):
    def setUp(self):
        super().setUp()
        self.tmp = os.environ["TEST_TMPDIR"]
        self.buf = os.environ.get("SLUICE_BUF", "")
        self.assertTrue(os.access(self.buf, os.X_OK),
                        "SLUICE_BUF must name the buf binary (tools/test.sh installs it and sets it)")

    def register(self, schema):
        registered = self.schemas.RegisterSchema(schema_service_pb2.RegisterSchemaRequest(
            schema=json_format.ParseDict(schema, schema_pb2.Schema())))
        self.migrations.Push(migration_service_pb2.PushRequest(target=target_pb2.Target(schema="shop")))
        return registered.version.version

    def codegen(self, name):
        """sluice codegen into a fresh folder, then buf generate there: the folder of Python stubs."""
        out = os.path.join(self.tmp, name)
        os.makedirs(out)
        written = subprocess.run(["tools/sluice/sluice", "--addr", self.addr, "codegen", "shop", "--out", out],
                                 check=True, capture_output=True, text=True).stdout.split()
        self.assertEqual(written, [os.path.join(out, p) for p in ["sluice/schemas/shop.proto", "buf.yaml",
                                                                   "buf.gen.yaml"]])
        subprocess.run([self.buf, "generate"], cwd=out, check=True)
        return os.path.join(out, "gen", "python")

    def client(self, stubs, steps):
        env = dict(os.environ, PYTHONPATH=stubs)
        done = subprocess.run([sys.executable, "-c", CLIENT, self.addr, json.dumps(steps)], env=env,
                              check=True, capture_output=True, text=True)
        return json.loads(done.stdout)

    def test_generated_stubs_call_the_table_services(self):
        with open("examples/shop.schema.json") as f:
            shop = json.load(f)
        self.assertEqual(self.register(shop), 1)
        v1 = self.codegen("v1")
        first = self.client(v1, [
            ["Insert", {"rows": [{"email": "ada@example.com", "name": "Ada", "role": "ROLE_ADMIN", "balance": "12.50",
                                  "created_at": "2024-02-29T13:45:00Z"}], "returning": {"columns": ["USERS_COLUMN_ID"]}}],
            ["Find", {"where": {"email": {"ilike": "ADA@%"}}, "columns": ["USERS_COLUMN_NAME", "USERS_COLUMN_ROLE",
                                                                           "USERS_COLUMN_CREATED_AT"]}],
            ["Get", {"key": {"id": 2}}],
            ["Insert", {"rows": [{"email": "x" * 200, "created_at": "2024-02-29T13:45:00Z"}]}],
        ])
        self.assertEqual(first["numbers"], {"id": 1, "email": 2, "name": 3, "role": 4, "balance": 5, "active": 6,
                                            "created_at": 7})
        self.assertEqual(first["responses"][0], {"rowsAffected": "1", "rows": [{"id": 1}], "lastInsertId": "1"})
        self.assertEqual(first["responses"][1], {"rows": [{"name": "Ada", "role": "ROLE_ADMIN",
                                                           "createdAt": "2024-02-29T13:45:00Z"}]})
        self.assertEqual(first["responses"][2]["error"], "NOT_FOUND")
        self.assertEqual(first["responses"][3]["error"], "INVALID_ARGUMENT")
        self.assertIn("rows[0].email", first["responses"][3]["message"])

        # Version 2: users gains `nickname`.
        users = shop["tables"][0]
        users["columns"].append({"name": "nickname", "type": "TEXT"})
        self.assertEqual(self.register(shop), 2)
        v2 = self.codegen("v2")
        second = self.client(v2, [
            ["Update", {"set": {"nickname": "Countess"}, "where": {"id": {"eq": 1}}}],
            ["Get", {"key": {"id": 1}, "columns": ["USERS_COLUMN_NICKNAME", "USERS_COLUMN_EMAIL"]}],
        ])
        numbers = dict(first["numbers"], nickname=9)  # 8 is the relation `posts`
        self.assertEqual(second["numbers"], numbers)
        self.assertEqual(second["responses"][1], {"row": {"email": "ada@example.com", "nickname": "Countess"}})
        # The first version's stubs, unchanged, against version 2.
        old = self.client(v1, [["Get", {"key": {"id": 1}, "columns": ["USERS_COLUMN_EMAIL"]}],
                               ["Insert", {"rows": [{"email": "bob@example.com", "created_at": "2024-03-01T08:00:00Z"}]}]])
        self.assertEqual(old["responses"], [{"row": {"email": "ada@example.com"}},
                                            {"rowsAffected": "1", "lastInsertId": "2"}])


if __name__ == "__main__":
    unittest.main(verbosity=2)
