// The example shop schema (examples/shop.schema.json) for unit tests.
#ifndef SLUICE_TESTS_SUPPORT_TEST_SCHEMA_H_
#define SLUICE_TESTS_SUPPORT_TEST_SCHEMA_H_

#include "sluice/v1/schema.pb.h"
#include "tests/support/proto_json.h"

namespace sluice::testing {

inline v1::Schema ShopSchema() { return FromJson<v1::Schema>(ReadFile("examples/shop.schema.json")); }

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_SUPPORT_TEST_SCHEMA_H_
