"""The base of the Python tests: a sluiced of its own on a fresh SQLite file (with the class's
ARGS), a channel to it, and the SchemaService and MigrationService stubs; stopped (SIGTERM, exit 0)
after each test."""
import os
import signal
import subprocess
import unittest
import uuid

import grpc

from sluice.v1 import migration_service_pb2_grpc, schema_service_pb2_grpc


class SluicedTest(unittest.TestCase):
    # More sluiced flags, for a test class that needs them (e.g. --http-listen, --tokens).
    ARGS = []

    def setUp(self):
        db = os.path.join(os.environ["TEST_TMPDIR"], "python_%s.db" % uuid.uuid4().hex)
        self.server = subprocess.Popen(
            ["server/sluiced", "--listen", "127.0.0.1:0", "--plugin-dir", "lib/plugins",
             "--database", "default=sqlite:" + db] + self.ARGS,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = self.server.stdout.readline().decode()
        self.assertTrue(line.startswith("sluiced listening on "), line)
        self.addr = line.split()[-1]
        if "--http-listen" in self.ARGS:  # announced next
            line = self.server.stdout.readline().decode()
            self.assertTrue(line.startswith("sluiced http on "), line)
            self.http = "http://" + line.split()[-1]
        self.channel = grpc.insecure_channel(self.addr)
        grpc.channel_ready_future(self.channel).result(timeout=10)
        self.schemas = schema_service_pb2_grpc.SchemaServiceStub(self.channel)
        self.migrations = migration_service_pb2_grpc.MigrationServiceStub(self.channel)

    def tearDown(self):
        self.channel.close()
        self.server.stdout.close()
        self.server.send_signal(signal.SIGTERM)
        self.assertEqual(self.server.wait(timeout=20), 0)
