#include "planner/value_check.h"

#include <cctype>
#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/json.h"
#include "plugins/sluice_dialect.h"

namespace sluice {
namespace {

using v1::ColumnType;
using v1::Value;

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

int Num(absl::string_view s) {
  int n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}

bool ValidDate(absl::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!AllDigits(s.substr(0, 4)) || !AllDigits(s.substr(5, 2)) || !AllDigits(s.substr(8, 2))) {
    return false;
  }
  const int y = Num(s.substr(0, 4)), m = Num(s.substr(5, 2)), d = Num(s.substr(8, 2));
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// HH:MM:SS with an optional fraction of 1 to 6 digits; `rest` gets what follows.
bool ValidTime(absl::string_view s, absl::string_view* rest) {
  if (s.size() < 8 || s[2] != ':' || s[5] != ':') return false;
  if (!AllDigits(s.substr(0, 2)) || !AllDigits(s.substr(3, 2)) || !AllDigits(s.substr(6, 2))) {
    return false;
  }
  if (Num(s.substr(0, 2)) > 23 || Num(s.substr(3, 2)) > 59 || Num(s.substr(6, 2)) > 59) {
    return false;
  }
  s.remove_prefix(8);
  if (!s.empty() && s[0] == '.') {
    size_t n = 1;
    while (n < s.size() && std::isdigit(static_cast<unsigned char>(s[n]))) ++n;
    if (n == 1 || n > 7) return false;
    s.remove_prefix(n);
  }
  *rest = s;
  return true;
}

bool ValidTimestamp(absl::string_view s) {
  if (s.size() < 19 || (s[10] != 'T' && s[10] != ' ') || !ValidDate(s.substr(0, 10))) return false;
  absl::string_view rest;
  if (!ValidTime(s.substr(11), &rest)) return false;
  if (rest.empty() || rest == "Z") return true;
  // ±HH:MM
  return rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' && AllDigits(rest.substr(1, 2)) &&
         AllDigits(rest.substr(4, 2)) && Num(rest.substr(1, 2)) <= 23 && Num(rest.substr(4, 2)) <= 59;
}

// A valid timestamp as an instant in UTC, `YYYY-MM-DDTHH:MM:SS[.f]Z`: one without an offset is
// taken as UTC (as every dialect's session is), one with an offset is moved to UTC. Every dialect
// then stores the same instant (SQLite keeps the text as given).
std::string UtcTimestamp(absl::string_view s) {
  std::string text(s);
  text[10] = 'T';
  if (absl::EndsWith(text, "Z")) return text;
  const size_t offset = text.find_first_of("+-", 19);
  if (offset == std::string::npos) return text + "Z";
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%dT%H:%M:%E*S%Ez", text, &time, &error)) return text;  // ValidTimestamp held
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone());
}

// [-]digits[.digits]: returns digits before and after the point.
bool ValidDecimal(absl::string_view s, size_t* integer_digits, size_t* fraction_digits) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  size_t point = s.find('.');
  absl::string_view whole = s.substr(0, point);
  absl::string_view fraction = point == absl::string_view::npos ? "" : s.substr(point + 1);
  if (!AllDigits(whole) || (point != absl::string_view::npos && !AllDigits(fraction))) return false;
  while (whole.size() > 1 && whole[0] == '0') whole.remove_prefix(1);
  *integer_digits = whole == "0" ? 0 : whole.size();
  *fraction_digits = fraction.size();
  return true;
}

bool ValidUuid(absl::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

size_t Utf8Length(absl::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

const char* KindName(Value::KindCase kind) {
  switch (kind) {
    case Value::kNullValue:
      return "null_value";
    case Value::kBoolValue:
      return "bool_value";
    case Value::kIntValue:
      return "int_value";
    case Value::kUintValue:
      return "uint_value";
    case Value::kDoubleValue:
      return "double_value";
    case Value::kStringValue:
      return "string_value";
    case Value::kBytesValue:
      return "bytes_value";
    case Value::kDecimalValue:
      return "decimal_value";
    case Value::kDateValue:
      return "date_value";
    case Value::kTimeValue:
      return "time_value";
    case Value::kTimestampValue:
      return "timestamp_value";
    case Value::kJsonValue:
      return "json_value";
    case Value::kUuidValue:
      return "uuid_value";
    case Value::kListValue:
      return "list_value";
    case Value::KIND_NOT_SET:
      break;
  }
  return "no value";
}

// The integer range of a column type.
void IntRange(const v1::Column& column, long double* lo, long double* hi) {
  int bits = 64;
  switch (column.type()) {
    case v1::TINYINT:
      bits = 8;
      break;
    case v1::SMALLINT:
      bits = 16;
      break;
    case v1::MEDIUMINT:
      bits = 24;
      break;
    case v1::INTEGER:
      bits = 32;
      break;
    default:
      break;
  }
  if (column.unsigned_()) {
    *lo = 0;
    *hi = std::ldexp(1.0L, bits) - 1;
  } else {
    *lo = -std::ldexp(1.0L, bits - 1);
    *hi = std::ldexp(1.0L, bits - 1) - 1;
  }
}

// A plain string (what a hand-written request or the CLI's plain JSON gives) in the kind of
// `column`: an integer written as a string (exact beyond 2^53), a decimal, a date, a time, a
// timestamp, a UUID. Anything else as it is.
Value FromPlainString(const Value& value, const v1::Column& column) {
  if (!value.has_string_value()) return value;
  Value out;
  const std::string& s = value.string_value();
  switch (column.type()) {
    case v1::SMALLINT:
    case v1::INTEGER:
    case v1::BIGINT:
    case v1::TINYINT:
    case v1::MEDIUMINT: {
      int64_t i;
      uint64_t u;
      if (absl::SimpleAtoi(s, &i)) {
        out.set_int_value(i);
      } else if (absl::SimpleAtoi(s, &u)) {
        out.set_uint_value(u);
      } else {
        return value;
      }
      return out;
    }
    case v1::DECIMAL:
      out.set_decimal_value(s);
      return out;
    case v1::DATE:
      out.set_date_value(s);
      return out;
    case v1::TIME:
      out.set_time_value(s);
      return out;
    case v1::TIMESTAMP:
    case v1::TIMESTAMPTZ:
      out.set_timestamp_value(s);
      return out;
    case v1::UUID:
      out.set_uuid_value(s);
      return out;
    default:
      return value;
  }
}

absl::StatusOr<Value> CheckScalar(const Value& given, const v1::Column& column, const SchemaIndex& schema,
                                  const std::string& path) {
  const Value value = FromPlainString(given, column);
  auto mismatch = [&](absl::string_view expected) {
    return InvalidField(path, absl::StrCat("column `", column.name(), "` is ", TypeLabel(column), " and takes ",
                                           expected, ", not ", KindName(value.kind_case())));
  };
  auto malformed = [&](absl::string_view what) {
    return InvalidField(path, absl::StrCat("column `", column.name(), "` is ", TypeLabel(column), ": ", what));
  };
  Value out = value;
  switch (column.type()) {
    case v1::SMALLINT:
    case v1::INTEGER:
    case v1::BIGINT:
    case v1::TINYINT:
    case v1::MEDIUMINT: {
      long double v;
      if (value.has_int_value()) {
        v = value.int_value();
      } else if (value.has_uint_value()) {
        v = value.uint_value();
      } else {
        return mismatch("int_value");
      }
      long double lo, hi;
      IntRange(column, &lo, &hi);
      if (v < lo || v > hi) {
        return malformed(absl::StrCat(
            "value out of range (",
            value.has_int_value() ? absl::StrCat(value.int_value()) : absl::StrCat(value.uint_value()), ")"));
      }
      if (value.has_uint_value() && value.uint_value() <= uint64_t{INT64_MAX}) {
        out.set_int_value(static_cast<int64_t>(value.uint_value()));
      }
      return out;
    }
    case v1::BOOLEAN:
      if (!value.has_bool_value()) return mismatch("bool_value");
      return out;
    case v1::TEXT:
    case v1::VARCHAR:
    case v1::CHAR:
    case v1::INTERVAL:
      if (!value.has_string_value()) return mismatch("string_value");
      if ((column.type() == v1::VARCHAR || column.type() == v1::CHAR) &&
          Utf8Length(value.string_value()) > column.length()) {
        return malformed(absl::StrCat("value is ", Utf8Length(value.string_value()), " characters long; the limit is ",
                                      column.length()));
      }
      return out;
    case v1::DECIMAL: {
      if (value.has_int_value()) {
        out.set_decimal_value(absl::StrCat(value.int_value()));
      } else if (!value.has_decimal_value()) {
        return mismatch("decimal_value (or int_value)");
      }
      size_t whole = 0, fraction = 0;
      if (!ValidDecimal(out.decimal_value(), &whole, &fraction)) {
        return malformed(absl::StrCat("`", out.decimal_value(), "` is not a decimal number"));
      }
      if (column.precision() > 0) {
        if (fraction > column.scale()) {
          return malformed(
              absl::StrCat("`", out.decimal_value(), "` has more than ", column.scale(), " digits after the point"));
        }
        if (whole > column.precision() - column.scale()) {
          return malformed(absl::StrCat("`", out.decimal_value(), "` has more than ",
                                        column.precision() - column.scale(), " digits before the point"));
        }
      }
      return out;
    }
    case v1::REAL:
    case v1::DOUBLE:
      if (value.has_int_value()) {
        out.set_double_value(static_cast<double>(value.int_value()));
      } else if (!value.has_double_value()) {
        return mismatch("double_value (or int_value)");
      }
      if (!std::isfinite(out.double_value())) return malformed("value is not a finite number");
      return out;
    case v1::DATE:
      if (!value.has_date_value()) return mismatch("date_value");
      if (!ValidDate(value.date_value())) {
        return malformed(absl::StrCat("`", value.date_value(), "` is not a date (YYYY-MM-DD)"));
      }
      return out;
    case v1::TIME: {
      if (!value.has_time_value()) return mismatch("time_value");
      absl::string_view rest;
      if (!ValidTime(value.time_value(), &rest) || !rest.empty()) {
        return malformed(absl::StrCat("`", value.time_value(), "` is not a time (HH:MM:SS[.ffffff])"));
      }
      return out;
    }
    case v1::TIMESTAMP:
    case v1::TIMESTAMPTZ:
      if (!value.has_timestamp_value()) return mismatch("timestamp_value");
      if (!ValidTimestamp(value.timestamp_value())) {
        return malformed(absl::StrCat("`", value.timestamp_value(),
                                      "` is not a timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM])"));
      }
      if (column.type() == v1::TIMESTAMPTZ) out.set_timestamp_value(UtcTimestamp(value.timestamp_value()));
      return out;
    case v1::JSON:
    case v1::JSONB: {
      if (!value.has_json_value()) return mismatch("json_value");
      // Our reader: linear time, a documented depth (protobuf's JSON parser took seconds of CPU
      // on a deeply nested 32 KB value and refused 100 levels as "not valid JSON").
      if (absl::StatusOr<JsonValue> parsed = ParseJson(value.json_value()); !parsed.ok()) {
        return malformed(absl::StrCat("value is not valid JSON: ", parsed.status().message()));
      }
      return out;
    }
    case v1::UUID:
      if (!value.has_uuid_value()) return mismatch("uuid_value");
      if (!ValidUuid(value.uuid_value())) {
        return malformed(absl::StrCat("`", value.uuid_value(), "` is not a UUID"));
      }
      out.set_uuid_value(absl::AsciiStrToLower(value.uuid_value()));
      return out;
    case v1::BYTES:
      if (!value.has_bytes_value()) return mismatch("bytes_value");
      return out;
    case v1::ENUM: {
      if (!value.has_string_value()) return mismatch("string_value");
      const v1::Enum* e = schema.FindEnum(column.enum_name());
      if (e != nullptr) {
        for (const std::string& allowed : e->values()) {
          if (allowed == value.string_value()) return out;
        }
      }
      return malformed(absl::StrCat("`", value.string_value(), "` is not a value of enum `", column.enum_name(), "`"));
    }
    default:
      break;
  }
  return malformed("the column has no type");
}

}  // namespace

std::string TypeLabel(const v1::Column& column) {
  std::string label = v1::ColumnType_Name(column.type());
  switch (column.type()) {
    case v1::VARCHAR:
    case v1::CHAR:
      absl::StrAppend(&label, "(", column.length(), ")");
      break;
    case v1::DECIMAL:
      if (column.precision() > 0) {
        absl::StrAppend(&label, "(", column.precision(), ", ", column.scale(), ")");
      }
      break;
    case v1::ENUM:
      absl::StrAppend(&label, " ", column.enum_name());
      break;
    default:
      break;
  }
  if (column.unsigned_()) label += " UNSIGNED";
  if (column.array()) label += "[]";
  return label;
}

absl::StatusOr<Value> CheckValue(const Value& value, const v1::Column& column, const SchemaIndex& schema,
                                 const std::string& path) {
  if (value.kind_case() == Value::KIND_NOT_SET) {
    return InvalidField(path,
                        absl::StrCat("a value for column `", column.name(), "` is required (set one field of Value)"));
  }
  if (value.has_null_value()) return value;
  if (column.array()) {
    if (!value.has_list_value()) {
      return InvalidField(path,
                          absl::StrCat("column `", column.name(), "` is ", TypeLabel(column), " and takes list_value"));
    }
    v1::Column element = column;
    element.set_array(false);
    Value out;
    for (int i = 0; i < value.list_value().values_size(); ++i) {
      auto checked =
          CheckValue(value.list_value().values(i), element, schema, absl::StrCat(path, ".list_value.values[", i, "]"));
      if (!checked.ok()) return checked.status();
      *out.mutable_list_value()->add_values() = *std::move(checked);
    }
    return out;
  }
  return CheckScalar(value, column, schema, path);
}

plan::Type PlanType(const v1::Column& column, const SchemaIndex& schema) {
  plan::Type type;
  type.set_kind(static_cast<plan::TypeKind>(column.type()));
  type.set_length(column.length());
  type.set_precision(column.precision());
  type.set_scale(column.scale());
  type.set_array(column.array());
  type.set_unsigned_(column.unsigned_());
  if (column.type() == v1::ENUM) {
    type.set_enum_name(column.enum_name());
    if (const v1::Enum* e = schema.FindEnum(column.enum_name())) {
      type.set_enum_namespace(e->namespace_());
      *type.mutable_enum_values() = e->values();
    }
  }
  return type;
}

int32_t ValueKind(const Value& value) {
  switch (value.kind_case()) {
    case Value::kBoolValue:
      return SLUICE_VALUE_BOOL;
    case Value::kIntValue:
      return SLUICE_VALUE_INT64;
    case Value::kUintValue:
      return SLUICE_VALUE_UINT64;
    case Value::kDoubleValue:
      return SLUICE_VALUE_DOUBLE;
    case Value::kStringValue:
      return SLUICE_VALUE_TEXT;
    case Value::kBytesValue:
      return SLUICE_VALUE_BYTES;
    case Value::kDecimalValue:
      return SLUICE_VALUE_DECIMAL;
    case Value::kDateValue:
      return SLUICE_VALUE_DATE;
    case Value::kTimeValue:
      return SLUICE_VALUE_TIME;
    case Value::kTimestampValue:
      return SLUICE_VALUE_TIMESTAMP;
    case Value::kJsonValue:
      return SLUICE_VALUE_JSON;
    case Value::kUuidValue:
      return SLUICE_VALUE_UUID;
    case Value::kListValue:
      return SLUICE_VALUE_ARRAY;
    default:
      return SLUICE_VALUE_NULL;
  }
}

plan::Literal ToLiteral(const Value& value) {
  plan::Literal literal;
  literal.set_kind(static_cast<plan::LiteralKind>(ValueKind(value)));
  switch (value.kind_case()) {
    case Value::kBoolValue:
      literal.set_int_value(value.bool_value() ? 1 : 0);
      break;
    case Value::kIntValue:
      literal.set_int_value(value.int_value());
      break;
    case Value::kUintValue:
      literal.set_uint_value(value.uint_value());
      break;
    case Value::kDoubleValue:
      literal.set_double_value(value.double_value());
      break;
    case Value::kStringValue:
      literal.set_text(value.string_value());
      break;
    case Value::kBytesValue:
      literal.set_text(value.bytes_value());
      break;
    case Value::kDecimalValue:
      literal.set_text(value.decimal_value());
      break;
    case Value::kDateValue:
      literal.set_text(value.date_value());
      break;
    case Value::kTimeValue:
      literal.set_text(value.time_value());
      break;
    case Value::kTimestampValue:
      literal.set_text(value.timestamp_value());
      break;
    case Value::kJsonValue:
      literal.set_text(value.json_value());
      break;
    case Value::kUuidValue:
      literal.set_text(value.uuid_value());
      break;
    default:
      break;
  }
  return literal;
}

absl::Status CheckWritable(const v1::Column& column, const std::string& path) {
  if (column.has_generated()) {
    return InvalidField(path,
                        absl::StrCat("column `", column.name(), "` is generated: the database computes its value"));
  }
  if (column.identity() != v1::Column::ALWAYS) return absl::OkStatus();
  return InvalidField(
      path, absl::StrCat("column `", column.name(), "` is GENERATED ALWAYS AS IDENTITY: the database gives its value"));
}

absl::Status NotNullViolation(const std::string& path, const std::string& table, const std::string& column) {
  return WithErrorInfo(InvalidField(path, absl::StrCat("column `", column, "` is not null")),
                       SLUICE_REASON_NOT_NULL_VIOLATION, {{"table", table}, {"column", column}});
}

}  // namespace sluice
