#include "services/unstorable_value.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "plugins/sluice_dialect.h"
#include "sluice/v1/value.pb.h"

namespace sluice {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// The path of the first v1::Value under `m` whose text holds a NUL character, or nullopt.
std::optional<std::string> NulPath(const Message& m, const std::string& path) {
  if (const auto* value = google::protobuf::DynamicCastToGenerated<v1::Value>(&m)) {
    if (value->kind_case() == v1::Value::kStringValue && value->string_value().find('\0') != std::string::npos) {
      return path;
    }
  }
  const google::protobuf::Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const std::string field = path.empty() ? f->name() : absl::StrCat(path, ".", f->name());
    if (!f->is_repeated()) {
      if (auto found = NulPath(r->GetMessage(m, f), field)) return found;
      continue;
    }
    for (int i = 0; i < r->FieldSize(m, f); ++i) {
      const Message& element = r->GetRepeatedMessage(m, f, i);
      if (!f->is_map()) {
        if (auto found = NulPath(element, absl::StrCat(field, "[", i, "]"))) return found;
        continue;
      }
      // A map entry: its value, named by its key (the requests' maps have text keys).
      const FieldDescriptor* key = f->message_type()->map_key();
      const FieldDescriptor* value = f->message_type()->map_value();
      if (value->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
      const google::protobuf::Reflection* er = element.GetReflection();
      const std::string name = key->cpp_type() == FieldDescriptor::CPPTYPE_STRING
                                   ? absl::StrCat("\"", er->GetString(element, key), "\"")
                                   : absl::StrCat(i);
      if (auto found = NulPath(er->GetMessage(element, value), absl::StrCat(field, "[", name, "]"))) return found;
    }
  }
  return std::nullopt;
}

}  // namespace

absl::Status NameUnstorableValue(const absl::Status& status, const Message& request, absl::string_view prefix) {
  if (status.code() != absl::StatusCode::kInvalidArgument || ErrorReason(status) != SLUICE_REASON_UNSTORABLE_VALUE ||
      !FieldViolations(status).empty()) {
    return status;
  }
  std::optional<std::string> path = NulPath(request, std::string(prefix));
  if (!path) return status;
  absl::Status named = InvalidField(*path, status.message());
  if (auto info = status.GetPayload(kErrorInfoUrl)) named.SetPayload(kErrorInfoUrl, *info);
  return named;
}

}  // namespace sluice
