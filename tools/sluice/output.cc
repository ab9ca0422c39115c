#include "tools/sluice/output.h"

#include <algorithm>
#include <ostream>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace sluice::cli {
namespace {

std::string Hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex = "\\x";
  for (unsigned char c : bytes) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

// A value as a table cell: its text, NULL, true / false, bytes as \x hex.
std::string Cell(const v1::Value& value) {
  const auto* reflection = value.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(value, &fields);
  if (fields.empty() || value.has_null_value()) return "NULL";
  const auto* field = fields[0];
  using F = google::protobuf::FieldDescriptor;
  switch (field->cpp_type()) {
    case F::CPPTYPE_STRING:
      return field->type() == F::TYPE_BYTES ? Hex(reflection->GetString(value, field))
                                            : reflection->GetString(value, field);
    case F::CPPTYPE_INT64:
      return std::to_string(reflection->GetInt64(value, field));
    case F::CPPTYPE_UINT64:
      return std::to_string(reflection->GetUInt64(value, field));
    case F::CPPTYPE_BOOL:
      return reflection->GetBool(value, field) ? "true" : "false";
    case F::CPPTYPE_DOUBLE: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", reflection->GetDouble(value, field));
      return buf;
    }
    default: {  // a message (an array value): its JSON
      std::string json;
      (void)google::protobuf::util::MessageToJsonString(value, &json);
      return json;
    }
  }
}

}  // namespace

std::string IndentedJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

bool PrintJson(const google::protobuf::Message& message, const std::string& field, std::ostream& out) {
  if (field.empty()) {
    out << IndentedJson(message);
    return true;
  }
  const auto* f = message.GetDescriptor()->FindFieldByName(field);
  if (f == nullptr) return false;
  if (f->type() == google::protobuf::FieldDescriptor::TYPE_STRING && !f->is_repeated()) {
    out << message.GetReflection()->GetString(message, f) << "\n";
    return true;
  }
  // Any other field: the message with only that field, as JSON.
  std::unique_ptr<google::protobuf::Message> only(message.New());
  only->CopyFrom(message);
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  only->GetReflection()->ListFields(*only, &fields);
  for (const auto* other : fields) {
    if (other != f) only->GetReflection()->ClearField(only.get(), other);
  }
  out << IndentedJson(*only);
  return true;
}

void PrintTable(const v1::QueryResult& result, std::ostream& out) {
  std::vector<std::vector<std::string>> cells(1);
  for (const auto& column : result.columns()) cells[0].push_back(column.name());
  for (const auto& row : result.rows()) {
    cells.emplace_back();
    for (const auto& value : row.values()) cells.back().push_back(Cell(value));
  }
  std::vector<size_t> width;
  for (const auto& line : cells) {
    width.resize(std::max(width.size(), line.size()));
    for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
  }
  auto print = [&](const std::vector<std::string>& line) {
    for (size_t i = 0; i < line.size(); ++i) {
      out << (i ? " | " : "") << line[i];
      if (i + 1 < line.size()) out << std::string(width[i] - line[i].size(), ' ');
    }
    out << "\n";
  };
  if (!cells[0].empty()) {
    print(cells[0]);
    for (size_t i = 0; i < width.size(); ++i) out << (i ? "-+-" : "") << std::string(width[i], '-');
    out << "\n";
  }
  for (size_t r = 1; r < cells.size(); ++r) print(cells[r]);
  out << "(" << result.rows_size() << (result.rows_size() == 1 ? " row" : " rows");
  if (result.rows_affected() > 0) out << "; " << result.rows_affected() << " affected";
  out << ")\n";
}

void PrintSql(const v1::Statement& statement, std::ostream& out) {
  out << statement.sql() << ";\n";
  for (int i = 0; i < statement.params_size(); ++i) {
    out << "-- $" << (i + 1) << " = " << Cell(statement.params(i)) << "\n";
  }
}

int ReportFailure(const grpc::Status& status, std::ostream& err) {
  err << "sluice: " << status.error_code() << " " << status.error_message() << "\n";
  google::rpc::Status rich;
  if (!status.error_details().empty() && rich.ParseFromString(status.error_details())) {
    for (const auto& any : rich.details()) {
      google::rpc::BadRequest bad;
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&bad)) {
        for (const auto& v : bad.field_violations()) err << "  field " << v.field() << ": " << v.description() << "\n";
      } else if (any.UnpackTo(&info)) {
        err << "  reason " << info.reason();
        for (const auto& [k, v] : info.metadata()) err << " " << k << "=" << v;
        err << "\n";
      }
    }
  }
  return status.error_code() == 0 ? 1 : status.error_code();
}

}  // namespace sluice::cli
