"""A Python client of sluiced (python3-grpcio): register, migrate, insert, select, errors."""
import json
import unittest

import grpc
from google.protobuf import json_format
from google.rpc import error_details_pb2, status_pb2

from sluice.v1 import (admin_service_pb2, admin_service_pb2_grpc, migration_service_pb2, query_pb2,
                       query_service_pb2_grpc, schema_pb2, schema_service_pb2, target_pb2)
from sluiced_test import SluicedTest


def field_paths(error):
    """The google.rpc.BadRequest field paths in a failed call's trailers."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            paths = []
            for detail in status.details:
                bad = error_details_pb2.BadRequest()
                if detail.Unpack(bad):
                    paths += [v.field for v in bad.field_violations]
            return paths
    return []


class ClientTest(SluicedTest):
    def setUp(self):
        super().setUp()
        self.queries = query_service_pb2_grpc.QueryServiceStub(self.channel)
        self.admin = admin_service_pb2_grpc.AdminServiceStub(self.channel)

    def register_shop(self):
        with open("examples/shop.schema.json") as f:
            schema = json_format.Parse(f.read(), schema_pb2.Schema())
        registered = self.schemas.RegisterSchema(schema_service_pb2.RegisterSchemaRequest(schema=schema))
        self.assertEqual(registered.version.version, 1)
        migrated = self.migrations.Migrate(migration_service_pb2.MigrateRequest(target=target_pb2.Target(schema="shop")))
        self.assertEqual(list(migrated.applied), ["0000_initial_v1"])

    def test_insert_and_select(self):
        self.register_shop()
        inserted = self.queries.Insert(json_format.ParseDict({
            "target": {"schema": "shop"},
            "insert": {"table": "users", "rows": [
                {"values": {"email": {"string_value": "ada@example.com"}, "balance": {"decimal_value": "3.10"}}},
                {"values": {"email": {"string_value": "bob@example.com"}, "active": {"bool_value": False}}}],
                "returning": ["id"]}}, query_pb2.InsertRequest())).result
        self.assertEqual(inserted.rows_affected, 2)
        self.assertEqual([r.values[0].int_value for r in inserted.rows], [1, 2])

        result = self.queries.Select(json_format.ParseDict({
            "target": {"schema": "shop"},
            "select": {"table": "users",
                       "columns": [{"expression": {"column": {"name": "email"}}},
                                   {"expression": {"column": {"name": "balance"}}},
                                   {"expression": {"column": {"name": "active"}}}],
                       "order_by": [{"expression": {"column": {"name": "id"}}}]}}, query_pb2.SelectRequest())).result
        rows = [[json_format.MessageToDict(v) for v in r.values] for r in result.rows]
        self.assertEqual(rows, [
            [{"stringValue": "ada@example.com"}, {"decimalValue": "3.10"}, {"boolValue": True}],
            [{"stringValue": "bob@example.com"}, {"decimalValue": "0.00"}, {"boolValue": False}]])
        self.assertEqual([c.name for c in result.columns], ["email", "balance", "active"])

    def test_bad_request_names_the_field(self):
        self.register_shop()
        with self.assertRaises(grpc.RpcError) as raised:
            self.queries.Select(json_format.ParseDict({
                "target": {"schema": "shop"},
                "select": {"table": "users", "where": {"eq": {
                    "left": {"column": {"name": "email"}}, "right": {"value": {"int_value": "5"}}}}}},
                query_pb2.SelectRequest()))
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(field_paths(raised.exception), ["select.where.eq.right.value"])

    def test_lists_the_plugins(self):
        plugins = self.admin.ListPlugins(admin_service_pb2.ListPluginsRequest())
        self.assertEqual([(p.name, p.abi_major) for p in plugins.plugins], [("mysql", 1), ("postgres", 1), ("sqlite", 1)])
        capabilities = {p.name: list(p.capabilities) for p in plugins.plugins}
        self.assertEqual(capabilities["mysql"], ["returning", "alter_table"])
        self.assertEqual(capabilities["postgres"],
                         ["returning", "update_returning", "alter_table", "transactional_ddl", "namespaces",
                          "enum_types"])
        self.assertEqual(capabilities["sqlite"], ["returning", "update_returning", "transactional_ddl"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
