// Freezes the dialect ABI 1.0 layout: any change to these numbers breaks every built plugin,
// so it must come with a new major version (or, for members appended at the end, a minor).
#include <cstddef>

#include "gtest/gtest.h"
#include "plugins/sluice_dialect.h"

static_assert(SLUICE_DIALECT_ABI_MAJOR == 1, "ABI major changed: update this test deliberately");
static_assert(sizeof(void*) == 8, "the frozen layout below is for 64-bit platforms");

static_assert(sizeof(sluice_error) == 4 + 8 + 128 + 1024 + 32, "sluice_error size (1.3 appended reason)");
static_assert(offsetof(sluice_error, reason) == 1164, "added in 1.3");
static_assert(offsetof(sluice_error, sqlstate) == 4, "");
static_assert(offsetof(sluice_error, constraint_name) == 12, "");
static_assert(offsetof(sluice_error, message) == 140, "");

static_assert(sizeof(sluice_value) == 32, "sluice_value size");
static_assert(offsetof(sluice_value, num) == 8, "");
static_assert(offsetof(sluice_value, data) == 16, "");
static_assert(offsetof(sluice_value, size) == 24, "");

static_assert(sizeof(sluice_sql) == 32, "sluice_sql size");

static_assert(offsetof(sluice_dialect_api, struct_size) == 0, "struct_size comes first");
static_assert(offsetof(sluice_dialect_api, abi_major) == 4, "");
static_assert(offsetof(sluice_dialect_api, abi_minor) == 6, "");
static_assert(offsetof(sluice_dialect_api, name) == 8, "");
static_assert(offsetof(sluice_dialect_api, version) == 16, "");
static_assert(offsetof(sluice_dialect_api, url_schemes) == 24, "");
static_assert(offsetof(sluice_dialect_api, capabilities) == 32, "");
static_assert(offsetof(sluice_dialect_api, compile) == 40, "");
static_assert(offsetof(sluice_dialect_api, sql_free) == 48, "");
static_assert(offsetof(sluice_dialect_api, connect) == 56, "");
static_assert(offsetof(sluice_dialect_api, disconnect) == 64, "");
static_assert(offsetof(sluice_dialect_api, ping) == 72, "");
static_assert(offsetof(sluice_dialect_api, prepare) == 80, "");
static_assert(offsetof(sluice_dialect_api, bind) == 88, "");
static_assert(offsetof(sluice_dialect_api, step) == 96, "");
static_assert(offsetof(sluice_dialect_api, column_count) == 104, "");
static_assert(offsetof(sluice_dialect_api, column_name) == 112, "");
static_assert(offsetof(sluice_dialect_api, column_value) == 120, "");
static_assert(offsetof(sluice_dialect_api, changes) == 128, "");
static_assert(offsetof(sluice_dialect_api, reset) == 136, "");
static_assert(offsetof(sluice_dialect_api, finalize) == 144, "");
static_assert(offsetof(sluice_dialect_api, begin) == 152, "");
static_assert(offsetof(sluice_dialect_api, commit) == 160, "");
static_assert(offsetof(sluice_dialect_api, rollback) == 168, "");
static_assert(offsetof(sluice_dialect_api, interrupt) == 176, "");
// ABI 1.0 ends at 184 bytes; 1.2 appended introspection, 1.3 non-blocking execution, 1.5 pipelining,
// 1.6 grouped sends.
static_assert(offsetof(sluice_dialect_api, introspect) == 184, "added in 1.2");
static_assert(offsetof(sluice_dialect_api, buffer_free) == 192, "added in 1.2");
static_assert(offsetof(sluice_dialect_api, socket) == 200, "added in 1.3");
static_assert(offsetof(sluice_dialect_api, send) == 208, "added in 1.3");
static_assert(offsetof(sluice_dialect_api, poll) == 216, "added in 1.3");
static_assert(offsetof(sluice_dialect_api, pipeline_depth) == 224, "added in 1.5");
static_assert(offsetof(sluice_dialect_api, send_grouped) == 232, "added in 1.6");
static_assert(sizeof(sluice_dialect_api) == 240, "ABI 1.6 table size");
static_assert(SLUICE_CAP_ALTER_TABLE == (1ull << 5), "added in 1.2");

// Value kinds and status codes are part of the wire contract too.
static_assert(SLUICE_VALUE_UUID == 12, "");
static_assert(SLUICE_VALUE_ARRAY == 13, "added in 1.1");
static_assert(SLUICE_STATUS_UNAUTHENTICATED == 16, "");

TEST(AbiLayout, TheHeaderCompilesAsCAndTheLayoutIsFrozen) {
  // The static_asserts above are the test; this records that they were compiled.
  EXPECT_EQ(sizeof(sluice_dialect_api), 240u);
}
