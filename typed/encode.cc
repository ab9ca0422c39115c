#include "typed/encode.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "google/protobuf/wire_format_lite.h"

namespace sluice::typed {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormatLite;
using Out = google::protobuf::io::CodedOutputStream;

// A message body being written into a string.
class Body {
 public:
  explicit Body(std::string* out) : stream_(out), out_(&stream_) {}
  Out* out() { return &out_; }

 private:
  google::protobuf::io::StringOutputStream stream_;
  Out out_;
};

// A length-delimited field (a nested message) whose body is `body`.
void Nested(int number, const std::string& body, Out* out) { WireFormatLite::WriteBytes(number, body, out); }

class Encoder {
 public:
  explicit Encoder(const SchemaFile& file) : file_(file) {}

  // Field `f` = `v` of `column` (each element, for an array).
  absl::Status Value(const FieldDescriptor* f, const v1::Value& v, const v1::Column& column, Out* out) const {
    if (v.has_null_value() || v.kind_case() == v1::Value::KIND_NOT_SET) return absl::OkStatus();
    if (f->is_repeated() && v.has_list_value()) {
      for (const v1::Value& element : v.list_value().values()) SLUICE_RETURN_IF_ERROR(Scalar(f, element, column, out));
      return absl::OkStatus();
    }
    return Scalar(f, v, column, out);
  }

  // A row of a relational read: a WithRelations message's body.
  absl::Status Related(const TableFields& t, const v1::NestedRow& row, Out* out) const {
    for (const auto& [name, field] : row.fields()) {
      auto slot = t.slots.find(name);
      if (slot == t.slots.end()) continue;
      const FieldSlot& s = slot->second;
      if (s.column != nullptr) {
        if (field.has_value()) SLUICE_RETURN_IF_ERROR(Value(s.in_with_relations, field.value(), *s.column, out));
        continue;
      }
      auto nested = [&](const v1::NestedRow& related) -> absl::Status {
        std::string body;
        {
          Body b(&body);
          SLUICE_RETURN_IF_ERROR(Related(*s.target, related, b.out()));
        }
        Nested(s.in_with_relations->number(), body, out);
        return absl::OkStatus();
      };
      if (field.has_row()) SLUICE_RETURN_IF_ERROR(nested(field.row()));
      for (const v1::NestedRow& r : field.rows().rows()) SLUICE_RETURN_IF_ERROR(nested(r));
    }
    return absl::OkStatus();
  }

  // A flat row (values by result column name): a row (`plain`) or WithRelations message's body.
  absl::Status Flat(const TableFields& t, bool plain,
                    const google::protobuf::RepeatedPtrField<v1::ResultColumn>& columns, const v1::Row& row,
                    Out* out) const {
    for (int i = 0; i < columns.size() && i < row.values_size(); ++i) {
      auto slot = t.slots.find(columns[i].name());
      if (slot == t.slots.end() || slot->second.column == nullptr) continue;
      const FieldSlot& s = slot->second;
      SLUICE_RETURN_IF_ERROR(Value(plain ? s.in_row : s.in_with_relations, row.values(i), *s.column, out));
    }
    return absl::OkStatus();
  }

  // Rows (the first `most`) as repeated field `number` (flat rows).
  absl::Status FlatRows(const TableFields& t, bool plain, int number,
                        const google::protobuf::RepeatedPtrField<v1::ResultColumn>& columns,
                        const google::protobuf::RepeatedPtrField<v1::Row>& rows, Out* out, int most = -1) const {
    std::string body;
    for (const v1::Row& row : rows) {
      if (most-- == 0) break;
      body.clear();
      {
        Body b(&body);
        SLUICE_RETURN_IF_ERROR(Flat(t, plain, columns, row, b.out()));
      }
      Nested(number, body, out);
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Scalar(const FieldDescriptor* f, const v1::Value& v, const v1::Column& column, Out* out) const {
    const int n = f->number();
    const int64_t i = v.has_uint_value() ? static_cast<int64_t>(v.uint_value()) : v.int_value();
    switch (f->type()) {
      case FieldDescriptor::TYPE_INT32:
        WireFormatLite::WriteInt32(n, static_cast<int32_t>(i), out);
        break;
      case FieldDescriptor::TYPE_INT64:
        WireFormatLite::WriteInt64(n, i, out);
        break;
      case FieldDescriptor::TYPE_UINT32:
        WireFormatLite::WriteUInt32(n, static_cast<uint32_t>(i), out);
        break;
      case FieldDescriptor::TYPE_UINT64:
        WireFormatLite::WriteUInt64(n, v.has_uint_value() ? v.uint_value() : static_cast<uint64_t>(v.int_value()), out);
        break;
      case FieldDescriptor::TYPE_BOOL:
        WireFormatLite::WriteBool(n, v.bool_value(), out);
        break;
      case FieldDescriptor::TYPE_FLOAT:
        WireFormatLite::WriteFloat(n, static_cast<float>(v.double_value()), out);
        break;
      case FieldDescriptor::TYPE_DOUBLE:
        WireFormatLite::WriteDouble(n, v.double_value(), out);
        break;
      case FieldDescriptor::TYPE_STRING:
      case FieldDescriptor::TYPE_BYTES:
        WireFormatLite::WriteBytes(n, TextOf(v), out);
        break;
      case FieldDescriptor::TYPE_ENUM: {
        auto values = file_.enum_numbers.find(column.enum_name());
        auto number = values == file_.enum_numbers.end() ? std::map<std::string, int>::const_iterator()
                                                         : values->second.find(v.string_value());
        if (values == file_.enum_numbers.end() || number == values->second.end()) {
          return absl::InternalError(absl::StrCat("`", v.string_value(), "` from the database is not a value of enum `",
                                                  column.enum_name(), "`"));
        }
        WireFormatLite::WriteEnum(n, number->second, out);
        break;
      }
      case FieldDescriptor::TYPE_MESSAGE: {
        std::string body;
        if (column.type() == v1::TIMESTAMPTZ) {
          google::protobuf::Timestamp ts;
          if (!google::protobuf::util::TimeUtil::FromString(v.timestamp_value(), &ts)) {
            return absl::InternalError(
                absl::StrCat("`", v.timestamp_value(), "` from the database is not a timestamp"));
          }
          ts.SerializeToString(&body);
        } else {
          google::protobuf::Value json;
          if (!google::protobuf::util::JsonStringToMessage(v.json_value(), &json).ok()) {
            return absl::InternalError(absl::StrCat("the JSON of column `", column.name(), "` does not convert"));
          }
          json.SerializeToString(&body);
        }
        Nested(n, body, out);
        break;
      }
      default:
        return absl::InternalError(absl::StrCat("field `", f->name(), "` has a type the typed API does not use"));
    }
    return absl::OkStatus();
  }

  static const std::string& TextOf(const v1::Value& v) {
    switch (v.kind_case()) {
      case v1::Value::kBytesValue:
        return v.bytes_value();
      case v1::Value::kDecimalValue:
        return v.decimal_value();
      case v1::Value::kDateValue:
        return v.date_value();
      case v1::Value::kTimeValue:
        return v.time_value();
      case v1::Value::kTimestampValue:
        return v.timestamp_value();
      case v1::Value::kJsonValue:
        return v.json_value();
      case v1::Value::kUuidValue:
        return v.uuid_value();
      default:
        return v.string_value();
    }
  }

  const SchemaFile& file_;
};

absl::Status RowNotFound(const TypedMethod& method) {
  return WithErrorInfo(
      absl::NotFoundError(absl::StrCat("no row of `", method.table->info->table->name(), "` has that key")),
      "ROW_NOT_FOUND", {{"table", method.table->info->table->name()}});
}

}  // namespace

absl::StatusOr<std::string> EncodeFind(const TypedSchema& schema, const TypedMethod& method,
                                       const v1::FindResult& result) {
  if (result.rows().empty() && method.kind == MethodKind::kGet) return RowNotFound(method);
  const Encoder encoder(schema.file());
  std::string out, body;
  {
    Body response(&out);
    for (const v1::NestedRow& row : result.rows()) {
      body.clear();
      {
        Body b(&body);
        SLUICE_RETURN_IF_ERROR(encoder.Related(*method.table, row, b.out()));
      }
      Nested(1, body, response.out());  // rows = 1 (Find), row = 1 (FindFirst, Get)
      if (method.kind != MethodKind::kFind) break;
    }
  }
  return out;
}

absl::StatusOr<std::string> EncodeSelect(const TypedSchema& schema, const TypedMethod& method,
                                         const v1::QueryResult& result) {
  if (result.rows().empty() && method.kind == MethodKind::kGet) return RowNotFound(method);
  const Encoder encoder(schema.file());
  std::string out;
  {
    Body response(&out);
    // rows = 1 (Find), row = 1 (FindFirst, Get: one)
    SLUICE_RETURN_IF_ERROR(encoder.FlatRows(*method.table, false, 1, result.columns(), result.rows(), response.out(),
                                            method.kind == MethodKind::kFind ? -1 : 1));
  }
  return out;
}

absl::StatusOr<std::string> EncodeWrite(const TypedSchema& schema, const TypedMethod& method,
                                        const v1::QueryResult& result) {
  const Encoder encoder(schema.file());
  std::string out;
  {
    Body response(&out);
    if (result.rows_affected() != 0) WireFormatLite::WriteUInt64(1, result.rows_affected(), response.out());
    SLUICE_RETURN_IF_ERROR(encoder.FlatRows(*method.table, true, 2, result.columns(), result.rows(), response.out()));
    if (result.has_last_insert_id()) WireFormatLite::WriteInt64(3, result.last_insert_id(), response.out());
  }
  return out;
}

absl::StatusOr<std::string> EncodeRows(const TypedSchema& schema, const TypedMethod& method,
                                       const google::protobuf::RepeatedPtrField<v1::ResultColumn>& columns,
                                       const google::protobuf::RepeatedPtrField<v1::Row>& rows) {
  const Encoder encoder(schema.file());
  std::string out;
  {
    Body response(&out);
    SLUICE_RETURN_IF_ERROR(encoder.FlatRows(*method.table, true, 1, columns, rows, response.out()));
  }
  return out;
}

}  // namespace sluice::typed
