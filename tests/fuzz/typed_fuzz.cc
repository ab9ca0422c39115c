// Typed requests (the shop schema's typed API) → the generic requests → plans, and results → wire
// bytes: whatever the bytes, translation answers a status, and what translates plans without
// crashing. An input is a method (`UsersService/Find`), a newline, then the request (JSON after
// `J`, or wire bytes).
#include <cstring>

#include "planner/planner.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/support/test_schema.h"
#include "typed/encode.h"
#include "typed/field_numbers.h"
#include "typed/translate.h"
#include "typed/typed_schema.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;  // NOLINT: a fuzz target's one function
  // Kept for the process's life (a fuzz target's static, reachable: no leak to report).
  static const std::shared_ptr<const typed::TypedSchema>* built = [] {
    const v1::Schema shop = sluice::testing::ShopSchema();
    return new std::shared_ptr<const typed::TypedSchema>(*typed::TypedSchema::Build(
        std::make_shared<const SchemaIndex>(shop), 1, *typed::NextFieldNumbers({}, shop, {})));
  }();
  const typed::TypedSchema* api = built->get();
  const uint8_t* newline = static_cast<const uint8_t*>(std::memchr(data, '\n', size));
  if (newline == nullptr) return 0;
  const typed::TypedMethod* method =
      api->FindMethod("/sluice.schemas.shop." + std::string(reinterpret_cast<const char*>(data), newline - data));
  if (method == nullptr) return 0;
  google::protobuf::Arena arena;
  google::protobuf::Message* request = api->New(method->request, &arena);
  if (!fuzz::Decode(newline + 1, size - static_cast<size_t>(newline + 1 - data), request)) return 0;
  if (!typed::CheckKnownFields(*request).ok()) return 0;
  const SchemaIndex& schema = api->index();
  switch (method->kind) {
    case typed::MethodKind::kFind:
    case typed::MethodKind::kFindFirst:
    case typed::MethodKind::kGet: {
      auto find = typed::ToFind(*api, *method, *request);
      if (!find.ok()) return 0;
      const bool first = method->kind != typed::MethodKind::kFind;
      if (auto select = typed::AsSelect(*find, first)) (void)PlanSelect(schema, select->select(), "select");
      (void)PlanFind(schema, find->find(), first, "find.");
      (void)typed::EncodeFind(*api, *method, v1::FindResult());
      break;
    }
    case typed::MethodKind::kInsert:
      if (auto insert = typed::ToInsert(*api, *method, *request); insert.ok()) {
        (void)PlanInsert(schema, insert->insert(), "insert");
      }
      (void)typed::EncodeWrite(*api, *method, v1::QueryResult());
      break;
    case typed::MethodKind::kUpdate:
      if (auto update = typed::ToUpdate(*api, *method, *request); update.ok()) {
        (void)PlanUpdate(schema, update->update(), "update");
      }
      break;
    case typed::MethodKind::kDelete:
      if (auto remove = typed::ToDelete(*api, *method, *request); remove.ok()) {
        (void)PlanDelete(schema, remove->delete_(), "delete");
      }
      break;
    case typed::MethodKind::kStream:
      if (auto stream = typed::ToStream(*api, *method, *request); stream.ok()) {
        (void)PlanSelect(schema, stream->select(), "select");
      }
      break;
  }
  return 0;
}
