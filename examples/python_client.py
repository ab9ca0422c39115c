#!/usr/bin/python3
"""A Python client of sluiced (Debian's python3-grpcio): registers the blog schema, migrates,
inserts, and runs a relational query; prints the Drizzle-shaped JSON.

  python3 examples/python_client.py HOST:PORT [TOKEN]      (from any folder)

It makes its own stubs on first run: protoc and grpc_python_plugin (Debian's protobuf-compiler
and protobuf-compiler-grpc) compile the repository's proto/ into examples/.python-stubs/ (or the
folder SLUICE_PYTHON_STUBS names), which it creates and puts on the import path.
"""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO = os.path.join(os.path.dirname(HERE), "proto")
STUBS = os.environ.get("SLUICE_PYTHON_STUBS") or os.path.join(HERE, ".python-stubs")


def ensure_stubs():
    """Generates the Python stubs of sluice.v1 (and google.rpc) into STUBS once."""
    if os.path.exists(os.path.join(STUBS, "sluice", "v1", "query_service_pb2_grpc.py")):
        return
    os.makedirs(STUBS, exist_ok=True)
    protos = sorted(glob.glob(os.path.join(PROTO, "sluice", "v1", "*.proto")) +
                    glob.glob(os.path.join(PROTO, "google", "rpc", "*.proto")))
    subprocess.run(["protoc", "-I" + PROTO, "--python_out=" + STUBS, "--grpc_python_out=" + STUBS,
                    "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin", *protos], check=True)


ensure_stubs()
sys.path.insert(0, STUBS)

import grpc  # noqa: E402 (after the stubs are on the path)
from google.protobuf import json_format  # noqa: E402

from sluice.v1 import (migration_service_pb2, migration_service_pb2_grpc, query_pb2, query_service_pb2_grpc,  # noqa: E402
                       schema_pb2, schema_service_pb2, schema_service_pb2_grpc, target_pb2)


def main(address, token=None):
    channel = grpc.insecure_channel(address)
    metadata = [("authorization", "Bearer " + token)] if token else []
    schemas = schema_service_pb2_grpc.SchemaServiceStub(channel)
    migrations = migration_service_pb2_grpc.MigrationServiceStub(channel)
    queries = query_service_pb2_grpc.QueryServiceStub(channel)

    with open(os.path.join(HERE, "blog.schema.json")) as f:
        schema = json_format.Parse(f.read(), schema_pb2.Schema())
    schemas.RegisterSchema(schema_service_pb2.RegisterSchemaRequest(schema=schema, strict=True), metadata=metadata)
    migrations.Migrate(migration_service_pb2.MigrateRequest(target=target_pb2.Target(schema="blog")), metadata=metadata)

    queries.Batch(json_format.ParseDict({"target": {"schema": "blog"}, "operations": [
        {"insert": {"table": "authors", "rows": [
            {"values": {"id": {"int_value": "1"}, "name": {"string_value": "Ada"}, "balance": {"decimal_value": "12.50"}}}]}},
        {"insert": {"table": "articles", "rows": [
            {"values": {"id": {"int_value": "10"}, "author_id": {"int_value": "1"}, "editor_id": {"int_value": "1"},
                        "title": {"string_value": "From Python"}}}]}},
        {"insert": {"table": "comments", "rows": [
            {"values": {"id": {"int_value": "100"}, "article_id": {"int_value": "10"}, "body": {"string_value": "hi"},
                        "likes": {"int_value": "2"}}}]}}]}, query_pb2.BatchRequest()), metadata=metadata)

    found = queries.FindMany(json_format.ParseDict({
        "target": {"schema": "blog"}, "find": {"table": "authors", "columns": ["name", "balance"],
        "with": {"articles": {"columns": ["title"], "with": {"comments": {"columns": ["body", "likes"]}}}}}},
        query_pb2.FindManyRequest()), metadata=metadata).result
    print(found.json)
    # The typed rows carry the same: a decimal stays exact.
    assert found.rows[0].fields["balance"].value.decimal_value == "12.50"


if __name__ == "__main__":
    main(*sys.argv[1:])
