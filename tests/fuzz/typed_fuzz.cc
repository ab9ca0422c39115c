// Typed requests (the shop schema's typed API) → the generic requests → plans, and results → wire
// bytes: whatever the bytes, translation answers a status, and what translates plans without
// crashing; and the server's wire reader (typed/wire_message.h) agrees with protobuf's parser
// (it aborts where they differ). An input is a method (`UsersService/Find`), a newline, then the request (JSON after
// `J`, or wire bytes).
#include <cstdlib>
#include <cstring>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "planner/planner.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/support/test_schema.h"
#include "typed/encode.h"
#include "typed/field_numbers.h"
#include "typed/translate.h"
#include "typed/typed_schema.h"
#include "typed/wire_message.h"

namespace {

// Whether `m` or a message in it holds fields its type does not have.
bool HasUnknownFields(const google::protobuf::Message& m) {
  const google::protobuf::Reflection* r = m.GetReflection();
  if (!r->GetUnknownFields(m).empty()) return true;
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const google::protobuf::FieldDescriptor* f : fields) {
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        if (HasUnknownFields(r->GetRepeatedMessage(m, f, i))) return true;
      }
    } else if (HasUnknownFields(r->GetMessage(m, f))) {
      return true;
    }
  }
  return false;
}

}  // namespace

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
  // The request as protobuf's own parser reads it (JSON seeds: their wire bytes).
  google::protobuf::Arena arena;
  google::protobuf::Message* parsed = api->New(method->request, &arena);
  const uint8_t* body = newline + 1;
  const size_t body_size = size - static_cast<size_t>(newline + 1 - data);
  const bool parses = fuzz::Decode(body, body_size, parsed);
  const bool json = body_size > 0 && body[0] == 'J';
  if (json && !parses) return 0;  // not a request: nothing to compare
  const std::string wire =
      json ? parsed->SerializeAsString() : std::string(reinterpret_cast<const char*>(body), body_size);
  // WireMessage agrees with protobuf: what protobuf refuses, or reads with fields this version
  // lacks, it refuses; what protobuf reads, it reads to the same translation as the message's
  // canonical bytes (no repeats, packed, defaults left out).
  typed::WireMessage request;
  const absl::Status read = request.Merge(method->request, wire);
  if (!parses || HasUnknownFields(*parsed)) {
    if (read.ok()) std::abort();
    return 0;
  }
  if (!read.ok()) std::abort();
  const std::string canonical_bytes = parsed->SerializeAsString();
  typed::WireMessage canonical;
  if (!canonical.Merge(method->request, canonical_bytes).ok()) std::abort();
  const SchemaIndex& schema = api->index();
  auto same = [](const auto& a, const auto& b) {
    if (a.ok() != b.ok() || (a.ok() && !google::protobuf::util::MessageDifferencer::Equals(*a, *b)) ||
        (!a.ok() && a.status() != b.status())) {
      std::abort();
    }
    return a.ok();
  };
  switch (method->kind) {
    case typed::MethodKind::kFind:
    case typed::MethodKind::kFindFirst:
    case typed::MethodKind::kGet: {
      auto find = typed::ToFind(*api, *method, request);
      if (!same(find, typed::ToFind(*api, *method, canonical))) return 0;
      const bool first = method->kind != typed::MethodKind::kFind;
      (void)PlanFind(schema, find->find(), first, "find.");
      if (auto select = typed::AsSelect(&*find, first)) (void)PlanSelect(schema, select->select(), "select");
      (void)typed::EncodeFind(*api, *method, v1::FindResult());
      break;
    }
    case typed::MethodKind::kInsert:
      if (auto insert = typed::ToInsert(*api, *method, request);
          same(insert, typed::ToInsert(*api, *method, canonical))) {
        (void)PlanInsert(schema, insert->insert(), "insert");
      }
      (void)typed::EncodeWrite(*api, *method, v1::QueryResult());
      break;
    case typed::MethodKind::kUpdate:
      if (auto update = typed::ToUpdate(*api, *method, request);
          same(update, typed::ToUpdate(*api, *method, canonical))) {
        (void)PlanUpdate(schema, update->update(), "update");
      }
      break;
    case typed::MethodKind::kDelete:
      if (auto remove = typed::ToDelete(*api, *method, request);
          same(remove, typed::ToDelete(*api, *method, canonical))) {
        (void)PlanDelete(schema, remove->delete_(), "delete");
      }
      break;
    case typed::MethodKind::kStream:
      if (auto stream = typed::ToStream(*api, *method, request);
          same(stream, typed::ToStream(*api, *method, canonical))) {
        (void)PlanSelect(schema, stream->select(), "select");
      }
      break;
  }
  return 0;
}
