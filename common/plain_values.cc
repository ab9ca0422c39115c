#include "common/plain_values.h"

#include <cmath>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace sluice {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using JsonValue = google::protobuf::Value;

constexpr char kValueType[] = "sluice.v1.Value";

const FieldDescriptor* FieldOf(const Descriptor& type, const std::string& key) {
  if (const FieldDescriptor* f = type.FindFieldByName(key)) return f;
  for (int i = 0; i < type.field_count(); ++i) {
    if (type.field(i)->json_name() == key) return type.field(i);
  }
  return nullptr;
}

// A JSON object that already is a Value: one key, one of Value's fields.
bool IsValueObject(const JsonValue& v, const Descriptor& value_type) {
  return v.has_struct_value() && v.struct_value().fields_size() == 1 &&
         FieldOf(value_type, v.struct_value().fields().begin()->first) != nullptr;
}

void Wrap(JsonValue* v, const Descriptor& value_type) {
  if (IsValueObject(*v, value_type)) return;
  JsonValue out;
  auto& fields = *out.mutable_struct_value()->mutable_fields();
  switch (v->kind_case()) {
    case JsonValue::kStringValue:
      fields["string_value"].set_string_value(v->string_value());
      break;
    case JsonValue::kBoolValue:
      fields["bool_value"].set_bool_value(v->bool_value());
      break;
    case JsonValue::kNullValue:
      fields["null_value"].set_string_value("NULL_VALUE");
      break;
    case JsonValue::kNumberValue: {
      const double n = v->number_value();
      if (std::trunc(n) == n && std::fabs(n) <= 9007199254740992.0) {
        fields["int_value"].set_string_value(std::to_string(static_cast<int64_t>(n)));
      } else {
        fields["double_value"].set_number_value(n);
      }
      break;
    }
    default: {  // an object or an array: a JSON column's value
      std::string text;
      (void)google::protobuf::util::MessageToJsonString(*v, &text);
      fields["json_value"].set_string_value(text);
    }
  }
  *v = std::move(out);
}

// `v` is the JSON of a message of `type`.
void Walk(JsonValue* v, const Descriptor& type) {
  if (!v->has_struct_value()) return;
  for (auto& [key, child] : *v->mutable_struct_value()->mutable_fields()) {
    const FieldDescriptor* f = FieldOf(type, key);
    if (f == nullptr || f->message_type() == nullptr) continue;
    const Descriptor* element = f->message_type();
    if (f->is_map()) element = f->message_type()->FindFieldByName("value")->message_type();
    if (element == nullptr) continue;
    auto visit = [&](JsonValue* item) {
      if (element->full_name() == kValueType) {
        Wrap(item, *element);
      } else {
        Walk(item, *element);
      }
    };
    if (f->is_map() && child.has_struct_value()) {
      for (auto& [k, item] : *child.mutable_struct_value()->mutable_fields()) visit(&item);
    } else if (f->is_repeated() && child.has_list_value()) {
      for (JsonValue& item : *child.mutable_list_value()->mutable_values()) visit(&item);
    } else if (!f->is_repeated()) {
      visit(&child);
    }
  }
}

}  // namespace

std::string WrapPlainValues(const std::string& json, const Descriptor& type) {
  JsonValue root;
  if (!google::protobuf::util::JsonStringToMessage(json, &root).ok()) return json;
  Walk(&root, type);
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(root, &out).ok()) return json;
  return out;
}

}  // namespace sluice
