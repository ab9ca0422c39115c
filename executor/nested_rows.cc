#include "executor/nested_rows.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/json.h"
#include "common/status_macros.h"
#include "executor/value_codec.h"

namespace sluice {
namespace {

absl::Status Mismatch(const std::string& field, absl::string_view what) {
  return absl::InternalError(absl::StrCat("related rows: `", field, "` ", what));
}

bool IsInteger(v1::ColumnType t) {
  return t == v1::SMALLINT || t == v1::INTEGER || t == v1::BIGINT || t == v1::TINYINT || t == v1::MEDIUMINT;
}

// A decimal's text with (at least) `scale` fraction digits.
std::string Scaled(std::string text, uint32_t scale) {
  if (scale == 0) return text;
  size_t point = text.find('.');
  if (point == std::string::npos) {
    text += '.';
    point = text.size() - 1;
  }
  const size_t have = text.size() - point - 1;
  if (have < scale) text.append(scale - have, '0');
  return text;
}

// What the dialects write into JSON for a value of `type`, as the driver would hand it over, into
// `out`.
absl::Status Leaf(const JsonValue& j, const v1::Column& type, const std::string& field, v1::Value* out) {
  if (j.kind == JsonValue::kNull) {
    out->set_null_value(google::protobuf::NULL_VALUE);
    return absl::OkStatus();
  }
  sluice_value raw{};
  std::string text = j.text, scratch;
  auto as_text = [&](int32_t kind) {
    raw.kind = kind;
    raw.data = text.data();
    raw.size = text.size();
  };
  if (type.array()) {
    // Elements to the ABI's array form: a JSON array of each element's text.
    if (j.kind != JsonValue::kArray) return Mismatch(field, "is not an array");
    scratch = "[";
    for (size_t i = 0; i < j.items.size(); ++i) {
      const JsonValue& e = j.items[i];
      if (i > 0) scratch += ',';
      if (e.kind == JsonValue::kNull) {
        scratch += "null";
      } else if (e.kind == JsonValue::kBool) {
        scratch += e.boolean ? "\"true\"" : "\"false\"";
      } else if (e.kind == JsonValue::kString || e.kind == JsonValue::kNumber) {
        std::string element = e.text;
        if (type.type() == v1::TIMESTAMPTZ && absl::EndsWith(element, "+00:00")) {
          element.replace(element.size() - 6, 6, "Z");
        }
        AppendJsonString(element, &scratch);
      } else {
        return Mismatch(field, "has a nested array or object element");
      }
    }
    scratch += ']';
    raw.kind = SLUICE_VALUE_ARRAY;
    raw.data = scratch.data();
    raw.size = scratch.size();
    return FromAbiValue(raw, type, out);
  }
  if (j.kind == JsonValue::kArray || j.kind == JsonValue::kObject) return Mismatch(field, "is not a single value");
  if (j.kind == JsonValue::kBool) {
    raw.kind = SLUICE_VALUE_BOOL;
    raw.num.i64 = j.boolean ? 1 : 0;
    return FromAbiValue(raw, type, out);
  }
  const v1::ColumnType t = type.type();
  if (j.kind == JsonValue::kNumber) {
    if (t == v1::DECIMAL) {
      if (absl::StrContains(text, 'e') || absl::StrContains(text, 'E')) {  // a float written with an exponent
        double d = 0;
        if (!absl::SimpleAtod(text, &d)) return Mismatch(field, "is not a number");
        raw.kind = SLUICE_VALUE_DOUBLE;
        raw.num.f64 = d;
        return FromAbiValue(raw, type, out);
      }
      text = Scaled(text, type.scale());
      as_text(SLUICE_VALUE_DECIMAL);
      return FromAbiValue(raw, type, out);
    }
    if (t == v1::REAL || t == v1::DOUBLE) {
      raw.kind = SLUICE_VALUE_DOUBLE;
      if (!absl::SimpleAtod(text, &raw.num.f64)) return Mismatch(field, "is not a number");
      return FromAbiValue(raw, type, out);
    }
    if (IsInteger(t) || t == v1::BOOLEAN) {
      if (absl::SimpleAtoi(text, &raw.num.i64)) {
        raw.kind = SLUICE_VALUE_INT64;
      } else if (absl::SimpleAtoi(text, &raw.num.u64)) {
        raw.kind = SLUICE_VALUE_UINT64;
      } else {
        return Mismatch(field, "is not an integer");
      }
      return FromAbiValue(raw, type, out);
    }
    as_text(SLUICE_VALUE_TEXT);  // a number where text is declared (JSON columns)
    return FromAbiValue(raw, type, out);
  }
  // A string.
  switch (t) {
    case v1::BYTES: {
      // Hex (either case), as the dialects write bytes into JSON.
      auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
      if (text.size() % 2 != 0 || !std::all_of(text.begin(), text.end(), absl::ascii_isxdigit)) {
        return Mismatch(field, "is not hex");
      }
      std::string bytes(text.size() / 2, '\0');
      for (size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<char>(nibble(text[2 * i]) * 16 + nibble(text[2 * i + 1]));
      text = std::move(bytes);
      as_text(SLUICE_VALUE_BYTES);
      break;
    }
    case v1::DECIMAL:
      text = Scaled(text, type.scale());
      as_text(SLUICE_VALUE_DECIMAL);
      break;
    case v1::TIMESTAMPTZ:
      if (absl::EndsWith(text, "+00:00")) text.replace(text.size() - 6, 6, "Z");  // UTC sessions
      as_text(SLUICE_VALUE_TIMESTAMP);
      break;
    default:
      as_text(SLUICE_VALUE_TEXT);
      break;
  }
  return FromAbiValue(raw, type, out);
}

absl::Status Row(const JsonValue& row, const FindShape& shape, const std::string& field, v1::NestedRow* out);

// A relation's JSON (one: a row or null; many: an array of rows) into `out`.
absl::Status Related(const JsonValue& j, const FindShape::Field& f, v1::Field* out) {
  if (f.kind == FindShape::Field::kOne) {
    if (j.kind == JsonValue::kNull) {
      out->mutable_value()->set_null_value(google::protobuf::NULL_VALUE);
      return absl::OkStatus();
    }
    return Row(j, *f.nested, f.name, out->mutable_row());
  }
  if (j.kind != JsonValue::kArray) return Mismatch(f.name, "is not an array of rows");
  v1::NestedRows* rows = out->mutable_rows();
  for (const JsonValue& item : j.items) {
    SLUICE_RETURN_IF_ERROR(Row(item, *f.nested, f.name, rows->add_rows()));
  }
  return absl::OkStatus();
}

// A related row's JSON (an array of its values, in the shape's order) into `out`.
absl::Status Row(const JsonValue& row, const FindShape& shape, const std::string& field, v1::NestedRow* out) {
  if (row.kind != JsonValue::kArray || row.items.size() != shape.fields.size()) {
    return Mismatch(field, absl::StrCat("has a row of ", row.items.size(), " values; expected ", shape.fields.size()));
  }
  auto& fields = *out->mutable_fields();
  for (size_t i = 0; i < shape.fields.size(); ++i) {
    const FindShape::Field& f = shape.fields[i];
    v1::Field& value = fields[f.name];
    if (f.kind == FindShape::Field::kValue) {
      SLUICE_RETURN_IF_ERROR(Leaf(row.items[i], f.type, f.name, value.mutable_value()));
    } else {
      SLUICE_RETURN_IF_ERROR(Related(row.items[i], f, &value));
    }
  }
  return absl::OkStatus();
}

void AppendFieldJson(const v1::Field& field, const FindShape::Field& shape, std::string* out);

void AppendRowJson(const v1::NestedRow& row, const FindShape& shape, std::string* out) {
  *out += '{';
  for (size_t i = 0; i < shape.fields.size(); ++i) {
    if (i > 0) *out += ',';
    AppendJsonString(shape.fields[i].name, out);
    *out += ':';
    auto it = row.fields().find(shape.fields[i].name);
    if (it == row.fields().end()) {
      *out += "null";
    } else {
      AppendFieldJson(it->second, shape.fields[i], out);
    }
  }
  *out += '}';
}

void AppendFieldJson(const v1::Field& field, const FindShape::Field& shape, std::string* out) {
  switch (field.kind_case()) {
    case v1::Field::kValue:
      AppendValueJson(field.value(), out);
      return;
    case v1::Field::kRow:
      AppendRowJson(field.row(), *shape.nested, out);
      return;
    case v1::Field::kRows:
      *out += '[';
      for (int i = 0; i < field.rows().rows_size(); ++i) {
        if (i > 0) *out += ',';
        AppendRowJson(field.rows().rows(i), *shape.nested, out);
      }
      *out += ']';
      return;
    case v1::Field::KIND_NOT_SET:
      *out += "null";
      return;
  }
}

}  // namespace

void AppendValueJson(const v1::Value& v, std::string* out) {
  constexpr int64_t kSafe = (int64_t{1} << 53) - 1;  // beyond: a string, so that no reader rounds it
  switch (v.kind_case()) {
    case v1::Value::kBoolValue:
      *out += v.bool_value() ? "true" : "false";
      return;
    case v1::Value::kIntValue:
      if (v.int_value() > kSafe || v.int_value() < -kSafe) {
        AppendJsonString(absl::StrCat(v.int_value()), out);
      } else {
        absl::StrAppend(out, v.int_value());
      }
      return;
    case v1::Value::kUintValue:
      if (v.uint_value() > static_cast<uint64_t>(kSafe)) {
        AppendJsonString(absl::StrCat(v.uint_value()), out);
      } else {
        absl::StrAppend(out, v.uint_value());
      }
      return;
    case v1::Value::kDoubleValue:
      if (std::isfinite(v.double_value())) {
        *out += FormatDouble(v.double_value());
      } else {
        AppendJsonString(std::isnan(v.double_value()) ? "NaN" : v.double_value() > 0 ? "Infinity" : "-Infinity", out);
      }
      return;
    case v1::Value::kStringValue:
      AppendJsonString(v.string_value(), out);
      return;
    case v1::Value::kBytesValue:
      AppendJsonString(absl::Base64Escape(v.bytes_value()), out);
      return;
    case v1::Value::kDecimalValue:
      AppendJsonString(v.decimal_value(), out);
      return;
    case v1::Value::kDateValue:
      AppendJsonString(v.date_value(), out);
      return;
    case v1::Value::kTimeValue:
      AppendJsonString(v.time_value(), out);
      return;
    case v1::Value::kTimestampValue:
      AppendJsonString(v.timestamp_value(), out);
      return;
    case v1::Value::kUuidValue:
      AppendJsonString(v.uuid_value(), out);
      return;
    case v1::Value::kJsonValue:
      // Valid JSON (checked when written); kept as its text.
      *out += ParseJson(v.json_value()).ok() ? v.json_value() : "null";
      return;
    case v1::Value::kListValue:
      *out += '[';
      for (int i = 0; i < v.list_value().values_size(); ++i) {
        if (i > 0) *out += ',';
        AppendValueJson(v.list_value().values(i), out);
      }
      *out += ']';
      return;
    default:
      *out += "null";
      return;
  }
}

absl::Status NestRows(const v1::QueryResult& result, const FindShape& shape, v1::FindFormat format,
                      v1::FindResult* response) {
  const bool with_rows = format != v1::FIND_FORMAT_JSON;
  const bool with_json = format != v1::FIND_FORMAT_ROWS;
  response->clear_rows();
  v1::NestedRow only_json;  // each row in turn, when the rows are not kept
  std::string json = "[";
  for (int r = 0; r < result.rows_size(); ++r) {
    const v1::Row& row = result.rows(r);
    if (static_cast<size_t>(row.values_size()) != shape.fields.size()) {
      return absl::InternalError(
          absl::StrCat("a relational row has ", row.values_size(), " columns; expected ", shape.fields.size()));
    }
    v1::NestedRow* nested = with_rows ? response->add_rows() : &only_json;
    nested->Clear();
    for (size_t i = 0; i < shape.fields.size(); ++i) {
      const FindShape::Field& f = shape.fields[i];
      v1::Field& field = (*nested->mutable_fields())[f.name];
      if (f.kind == FindShape::Field::kValue) {
        *field.mutable_value() = row.values(i);
        continue;
      }
      const v1::Value& text = row.values(i);
      JsonValue parsed;  // null
      if (text.kind_case() == v1::Value::kJsonValue) {
        auto p = ParseJson(text.json_value());
        if (!p.ok()) return Mismatch(f.name, p.status().message());
        parsed = *std::move(p);
      } else if (text.kind_case() != v1::Value::kNullValue) {
        return Mismatch(f.name, "is not JSON");
      }
      SLUICE_RETURN_IF_ERROR(Related(parsed, f, &field));
    }
    if (!with_json) continue;
    if (r > 0) json += ',';
    AppendRowJson(*nested, shape, &json);
  }
  if (with_json) response->set_json(json + "]");
  return absl::OkStatus();
}

}  // namespace sluice
