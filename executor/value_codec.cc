#include "executor/value_codec.h"

#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "planner/value_check.h"

namespace sluice {

std::string FormatDouble(double d) {
  // The shortest text that reads back as the same double (one call: no printf, no strtod).
  char buf[32];
  const std::to_chars_result written = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, written.ptr);
}

namespace {

absl::string_view Text(const sluice_value& raw) { return absl::string_view(raw.data ? raw.data : "", raw.size); }

absl::Status Unexpected(const sluice_value& raw, const v1::Column& column) {
  return absl::InternalError(absl::StrCat("the database returned a value of kind ", raw.kind, " for column `",
                                          column.name(), "` (", TypeLabel(column), ")"));
}

// A decimal's text with exactly `scale` fraction digits, from a database number.
std::string DecimalText(const sluice_value& raw, const v1::Column& column) {
  if (raw.kind == SLUICE_VALUE_INT64) {
    std::string s = absl::StrCat(raw.num.i64);
    if (column.scale() > 0) s += "." + std::string(column.scale(), '0');
    return s;
  }
  if (raw.kind == SLUICE_VALUE_DOUBLE) {
    char buf[64];
    if (column.precision() > 0) {
      std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(column.scale()), raw.num.f64);
      return buf;
    }
    return FormatDouble(raw.num.f64);
  }
  return std::string(Text(raw));
}

bool IsInteger(v1::ColumnType t) {
  return t == v1::SMALLINT || t == v1::INTEGER || t == v1::BIGINT || t == v1::TINYINT || t == v1::MEDIUMINT;
}

}  // namespace

// The text form of an array element (SLUICE_VALUE_ARRAY).
std::string ElementText(const v1::Value& v) {
  switch (v.kind_case()) {
    case v1::Value::kBoolValue:
      return v.bool_value() ? "true" : "false";
    case v1::Value::kIntValue:
      return absl::StrCat(v.int_value());
    case v1::Value::kUintValue:
      return absl::StrCat(v.uint_value());
    case v1::Value::kDoubleValue:
      return FormatDouble(v.double_value());
    default: {
      sluice_value scalar = ToAbiValue(v, nullptr);
      return std::string(Text(scalar));
    }
  }
}

sluice_value ToAbiValue(const v1::Value& value, std::string* scratch) {
  sluice_value out{};
  out.kind = ValueKind(value);
  if (value.has_list_value() && scratch != nullptr) {
    google::protobuf::ListValue list;
    for (const v1::Value& element : value.list_value().values()) {
      if (element.has_null_value()) {
        list.add_values()->set_null_value(google::protobuf::NULL_VALUE);
      } else {
        list.add_values()->set_string_value(ElementText(element));
      }
    }
    scratch->clear();  // MessageToJsonString appends
    (void)google::protobuf::util::MessageToJsonString(list, scratch);
    out.data = scratch->data();
    out.size = scratch->size();
    return out;
  }
  auto text = [&](const std::string& s) {
    out.data = s.data();
    out.size = s.size();
  };
  switch (value.kind_case()) {
    case v1::Value::kBoolValue:
      out.num.i64 = value.bool_value() ? 1 : 0;
      break;
    case v1::Value::kIntValue:
      out.num.i64 = value.int_value();
      break;
    case v1::Value::kUintValue:
      out.num.u64 = value.uint_value();
      break;
    case v1::Value::kDoubleValue:
      out.num.f64 = value.double_value();
      break;
    case v1::Value::kStringValue:
      text(value.string_value());
      break;
    case v1::Value::kBytesValue:
      text(value.bytes_value());
      break;
    case v1::Value::kDecimalValue:
      text(value.decimal_value());
      break;
    case v1::Value::kDateValue:
      text(value.date_value());
      break;
    case v1::Value::kTimeValue:
      text(value.time_value());
      break;
    case v1::Value::kTimestampValue:
      text(value.timestamp_value());
      break;
    case v1::Value::kJsonValue:
      text(value.json_value());
      break;
    case v1::Value::kUuidValue:
      text(value.uuid_value());
      break;
    default:
      break;
  }
  return out;
}

absl::Status FromAbiValue(const sluice_value& raw, const v1::Column& column, v1::Value* out) {
  out->Clear();
  if (raw.kind == SLUICE_VALUE_NULL) {
    out->set_null_value(google::protobuf::NULL_VALUE);
    return absl::OkStatus();
  }
  if (column.array()) {
    google::protobuf::ListValue list;
    if (raw.kind != SLUICE_VALUE_ARRAY ||
        !google::protobuf::util::JsonStringToMessage(std::string(Text(raw)), &list).ok()) {
      return Unexpected(raw, column);
    }
    v1::Column element = column;
    element.set_array(false);
    v1::ValueList* values = out->mutable_list_value();
    for (const google::protobuf::Value& item : list.values()) {
      sluice_value scalar{};
      std::string text = item.kind_case() == google::protobuf::Value::kStringValue   ? item.string_value()
                         : item.kind_case() == google::protobuf::Value::kNumberValue ? FormatDouble(item.number_value())
                                                                                     : "";
      if (item.kind_case() != google::protobuf::Value::kNullValue) {
        scalar.kind = SLUICE_VALUE_TEXT;
        scalar.data = text.data();
        scalar.size = text.size();
      }
      SLUICE_RETURN_IF_ERROR(FromAbiValue(scalar, element, values->add_values()));
    }
    return absl::OkStatus();
  }
  const v1::ColumnType type = column.type();
  if (IsInteger(type)) {
    switch (raw.kind) {
      case SLUICE_VALUE_INT64:
      case SLUICE_VALUE_BOOL:
        out->set_int_value(raw.num.i64);
        return absl::OkStatus();
      case SLUICE_VALUE_UINT64:
        if (raw.num.u64 > static_cast<uint64_t>(INT64_MAX)) {
          out->set_uint_value(raw.num.u64);
        } else {
          out->set_int_value(static_cast<int64_t>(raw.num.u64));
        }
        return absl::OkStatus();
      case SLUICE_VALUE_DOUBLE:
        out->set_int_value(static_cast<int64_t>(raw.num.f64));
        return absl::OkStatus();
      case SLUICE_VALUE_TEXT:
      case SLUICE_VALUE_DECIMAL: {
        int64_t i;
        uint64_t u;
        if (absl::SimpleAtoi(Text(raw), &i)) {
          out->set_int_value(i);
          return absl::OkStatus();
        }
        if (absl::SimpleAtoi(Text(raw), &u)) {
          out->set_uint_value(u);
          return absl::OkStatus();
        }
        break;
      }
      default:
        break;
    }
    return Unexpected(raw, column);
  }
  switch (type) {
    case v1::BOOLEAN:
      if (raw.kind == SLUICE_VALUE_BOOL || raw.kind == SLUICE_VALUE_INT64) {
        out->set_bool_value(raw.num.i64 != 0);
        return absl::OkStatus();
      }
      if (raw.kind == SLUICE_VALUE_TEXT) {
        const std::string t = absl::AsciiStrToLower(Text(raw));
        out->set_bool_value(t == "t" || t == "true" || t == "1");
        return absl::OkStatus();
      }
      return Unexpected(raw, column);
    case v1::DECIMAL:
      out->set_decimal_value(DecimalText(raw, column));
      return absl::OkStatus();
    case v1::REAL:
    case v1::DOUBLE:
      switch (raw.kind) {
        case SLUICE_VALUE_DOUBLE:
          out->set_double_value(raw.num.f64);
          return absl::OkStatus();
        case SLUICE_VALUE_INT64:
          out->set_double_value(static_cast<double>(raw.num.i64));
          return absl::OkStatus();
        case SLUICE_VALUE_TEXT:
        case SLUICE_VALUE_DECIMAL: {
          double d;
          if (absl::SimpleAtod(Text(raw), &d)) {
            out->set_double_value(d);
            return absl::OkStatus();
          }
          break;
        }
        default:
          break;
      }
      return Unexpected(raw, column);
    case v1::BYTES:
      if (raw.kind == SLUICE_VALUE_BYTES || raw.kind == SLUICE_VALUE_TEXT) {
        out->set_bytes_value(std::string(Text(raw)));
        return absl::OkStatus();
      }
      return Unexpected(raw, column);
    case v1::JSON:
    case v1::JSONB:
      if (raw.kind == SLUICE_VALUE_INT64) {
        out->set_json_value(absl::StrCat(raw.num.i64));
      } else if (raw.kind == SLUICE_VALUE_DOUBLE) {
        out->set_json_value(FormatDouble(raw.num.f64));
      } else {
        out->set_json_value(std::string(Text(raw)));
      }
      return absl::OkStatus();
    default:
      break;
  }
  // The remaining types travel as text.
  if (raw.kind == SLUICE_VALUE_INT64 || raw.kind == SLUICE_VALUE_DOUBLE || raw.kind == SLUICE_VALUE_UINT64 ||
      raw.kind == SLUICE_VALUE_BOOL) {
    if (type != v1::COLUMN_TYPE_UNSPECIFIED) return Unexpected(raw, column);
    // A computed value without a declared type keeps the database's kind.
    if (raw.kind == SLUICE_VALUE_DOUBLE) {
      out->set_double_value(raw.num.f64);
    } else if (raw.kind == SLUICE_VALUE_UINT64) {
      out->set_uint_value(raw.num.u64);
    } else if (raw.kind == SLUICE_VALUE_BOOL) {
      out->set_bool_value(raw.num.i64 != 0);
    } else {
      out->set_int_value(raw.num.i64);
    }
    return absl::OkStatus();
  }
  std::string text(Text(raw));
  switch (type) {
    case v1::DATE:
      out->set_date_value(std::move(text));
      break;
    case v1::TIME:
      out->set_time_value(std::move(text));
      break;
    case v1::TIMESTAMP:
    case v1::TIMESTAMPTZ:
      if (text.size() > 10 && text[10] == ' ') text[10] = 'T';
      out->set_timestamp_value(std::move(text));
      break;
    case v1::UUID:
      out->set_uuid_value(absl::AsciiStrToLower(text));
      break;
    case v1::COLUMN_TYPE_UNSPECIFIED:
      if (raw.kind == SLUICE_VALUE_BYTES) {
        out->set_bytes_value(std::move(text));
      } else {
        out->set_string_value(std::move(text));
      }
      break;
    default:
      out->set_string_value(std::move(text));
      break;
  }
  return absl::OkStatus();
}

}  // namespace sluice
