#include "typed/schema_file.h"

#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "typed/field_numbers.h"
#include "typed/names.h"

namespace sluice::typed {
namespace {

using google::protobuf::DescriptorProto;
using google::protobuf::EnumDescriptorProto;
using google::protobuf::FieldDescriptorProto;
using google::protobuf::FileDescriptorProto;

// The numbers of a Where message's combinators, above every column's.
constexpr int kAnd = kMaxFieldNumber + 2;
constexpr int kOr = kMaxFieldNumber + 3;
constexpr int kNot = kMaxFieldNumber + 4;

// What a filter message of a value type offers.
enum Ops : unsigned {
  kEquality = 1,    // eq, ne
  kOrdering = 2,    // gt, gte, lt, lte
  kMembership = 4,  // in, not_in
  kPattern = 8,     // like, not_like, ilike, not_ilike
  kArray = 16,      // contains, overlaps (an array column)
};

// A column's protobuf type.
struct ProtoType {
  FieldDescriptorProto::Type type = FieldDescriptorProto::TYPE_STRING;
  std::string type_name;  // messages and enums: `.google.protobuf.Timestamp`
  std::string filter;     // its filter message: `Int64Filter`
  unsigned ops = kEquality | kMembership;
  std::string import;  // the file that declares type_name, for the well-known types
};

// A column's protobuf type in the file of `package`.
absl::StatusOr<ProtoType> ProtoTypeOf(const v1::Column& c, const std::string& package) {
  ProtoType t;
  const bool u = c.unsigned_();
  switch (c.type()) {
    case v1::SMALLINT:
    case v1::INTEGER:
    case v1::TINYINT:
    case v1::MEDIUMINT:
      t.type = u ? FieldDescriptorProto::TYPE_UINT32 : FieldDescriptorProto::TYPE_INT32;
      t.filter = u ? "Uint32Filter" : "Int32Filter";
      t.ops |= kOrdering;
      break;
    case v1::BIGINT:
      t.type = u ? FieldDescriptorProto::TYPE_UINT64 : FieldDescriptorProto::TYPE_INT64;
      t.filter = u ? "Uint64Filter" : "Int64Filter";
      t.ops |= kOrdering;
      break;
    case v1::BOOLEAN:
      t.type = FieldDescriptorProto::TYPE_BOOL;
      t.filter = "BoolFilter";
      t.ops = kEquality;
      break;
    case v1::TEXT:
    case v1::VARCHAR:
    case v1::CHAR:
      t.filter = "TextFilter";
      t.ops |= kOrdering | kPattern;
      break;
    case v1::DECIMAL:
    case v1::DATE:
    case v1::TIME:
    case v1::TIMESTAMP:
    case v1::INTERVAL:
    case v1::UUID:
      t.filter = "StringFilter";
      t.ops |= kOrdering;
      break;
    case v1::REAL:
      t.type = FieldDescriptorProto::TYPE_FLOAT;
      t.filter = "FloatFilter";
      t.ops |= kOrdering;
      break;
    case v1::DOUBLE:
      t.type = FieldDescriptorProto::TYPE_DOUBLE;
      t.filter = "DoubleFilter";
      t.ops |= kOrdering;
      break;
    case v1::TIMESTAMPTZ:
      t.type = FieldDescriptorProto::TYPE_MESSAGE;
      t.type_name = ".google.protobuf.Timestamp";
      t.filter = "TimestampFilter";
      t.ops |= kOrdering;
      t.import = "google/protobuf/timestamp.proto";
      break;
    case v1::JSON:
    case v1::JSONB:
      t.type = FieldDescriptorProto::TYPE_MESSAGE;
      t.type_name = ".google.protobuf.Value";
      t.filter = "JsonFilter";
      t.ops = 0;
      t.import = "google/protobuf/struct.proto";
      break;
    case v1::BYTES:
      t.type = FieldDescriptorProto::TYPE_BYTES;
      t.filter = "BytesFilter";
      break;
    case v1::ENUM: {
      const std::string name = MessageNameOf(c.enum_name());
      t.type = FieldDescriptorProto::TYPE_ENUM;
      t.type_name = absl::StrCat(".", package, ".", name);
      t.filter = name + "Filter";
      break;
    }
    default:
      return absl::InternalError(absl::StrCat("column `", c.name(), "` has no type"));
  }
  if (c.array()) {
    t.filter = t.filter.substr(0, t.filter.size() - 6) + "ArrayFilter";
    t.ops = kArray;
  }
  return t;
}

class Builder {
 public:
  Builder(const SchemaIndex& schema, const FieldNumbers& numbers) : schema_(schema), numbers_(numbers) {}

  absl::StatusOr<SchemaFile> Build() {
    const v1::Schema& s = schema_.schema();
    package_ = PackageOf(s.name());
    file().set_name(SchemaFileName(s.name()));
    file().set_package(package_);
    file().set_syntax("proto3");
    for (int i = 0; i < s.enums_size(); ++i)
      SLUICE_RETURN_IF_ERROR(AddEnum(s.enums(i), absl::StrCat("schema.enums[", i, "]")));
    // Every table's names first: a relation's message may come later in the schema.
    for (int i = 0; i < s.tables_size(); ++i) {
      SLUICE_RETURN_IF_ERROR(Name(s.tables(i).name(), s.tables(i).columns(), absl::StrCat("schema.tables[", i, "]")));
    }
    for (int i = 0; i < s.views_size(); ++i) {
      SLUICE_RETURN_IF_ERROR(Name(s.views(i).name(), s.views(i).columns(), absl::StrCat("schema.views[", i, "]")));
    }
    for (int i = 0; i < s.relations_size(); ++i) SLUICE_RETURN_IF_ERROR(NameRelation(s.relations(i), i));
    for (const v1::Table& t : s.tables()) SLUICE_RETURN_IF_ERROR(AddTable(out_.tables.at(t.name())));
    for (const v1::View& v : s.views()) SLUICE_RETURN_IF_ERROR(AddTable(out_.tables.at(v.name())));
    for (auto& [name, fields] : out_.tables) out_.by_message[fields.message] = &fields;
    return std::move(out_);
  }

 private:
  FileDescriptorProto& file() { return out_.proto; }
  std::string Full(const std::string& name) const { return absl::StrCat(".", package_, ".", name); }

  // A top-level name, once: INVALID_ARGUMENT naming both declarations otherwise.
  absl::Status Claim(const std::string& symbol, const std::string& what, const std::string& path) {
    auto [it, fresh] = symbols_.emplace(symbol, what);
    if (fresh) return absl::OkStatus();
    return InvalidField(path, absl::StrCat(what, " and ", it->second, " both make the protobuf name `", symbol,
                                           "` of the typed API; rename one"));
  }

  DescriptorProto* AddMessage(const std::string& name) {
    DescriptorProto* m = file().add_message_type();
    m->set_name(name);
    return m;
  }

  static FieldDescriptorProto* AddField(DescriptorProto* m, const std::string& name, int number,
                                        FieldDescriptorProto::Type type, const std::string& type_name = "",
                                        bool repeated = false, bool optional = false) {
    FieldDescriptorProto* f = m->add_field();
    f->set_name(name);
    f->set_number(number);
    f->set_type(type);
    if (!type_name.empty()) f->set_type_name(type_name);
    f->set_label(repeated ? FieldDescriptorProto::LABEL_REPEATED : FieldDescriptorProto::LABEL_OPTIONAL);
    if (optional && !repeated) {  // proto3 `optional`: presence, through a synthetic oneof
      f->set_proto3_optional(true);
      f->set_oneof_index(m->oneof_decl_size());
      m->add_oneof_decl()->set_name("_" + name);
    }
    return f;
  }

  void Import(const std::string& file_name) {
    if (imports_.insert(file_name).second) file().add_dependency(file_name);
  }

  absl::StatusOr<ProtoType> TypeOf(const v1::Column& c) {
    absl::StatusOr<ProtoType> t = ProtoTypeOf(c, package_);
    if (t.ok() && !t->import.empty()) Import(t->import);
    return t;
  }

  // The filter message of a value type, made once.
  absl::Status AddFilter(const ProtoType& t, const std::string& path) {
    if (!filters_.insert(t.filter).second) return absl::OkStatus();
    SLUICE_RETURN_IF_ERROR(Claim(t.filter, "the filter of a column type", path));
    DescriptorProto* m = AddMessage(t.filter);
    int n = 1;
    auto scalar = [&](const char* name) {
      const bool message = t.type == FieldDescriptorProto::TYPE_MESSAGE;
      AddField(m, name, n++, t.type, t.type_name, false, !message);
    };
    auto list = [&](const char* name) { AddField(m, name, n++, t.type, t.type_name, true); };
    // Fixed numbers per operator, whichever a type has.
    n = 1;
    if (t.ops & kEquality) scalar("eq"), scalar("ne");
    n = 3;
    if (t.ops & kOrdering) scalar("gt"), scalar("gte"), scalar("lt"), scalar("lte");
    n = 7;
    if (t.ops & kMembership) list("in"), list("not_in");
    n = 10;
    if (t.ops & kPattern) {
      for (const char* op : {"like", "not_like", "ilike", "not_ilike"}) {
        AddField(m, op, n++, FieldDescriptorProto::TYPE_STRING, "", false, true);
      }
    }
    n = 14;
    if (t.ops & kArray) list("contains"), list("overlaps");
    AddField(m, "is_null", 9, FieldDescriptorProto::TYPE_BOOL, "", false, true);
    return absl::OkStatus();
  }

  absl::Status AddEnum(const v1::Enum& e, const std::string& path) {
    const std::string name = MessageNameOf(e.name());
    SLUICE_RETURN_IF_ERROR(Claim(name, absl::StrCat("enum `", e.name(), "`"), path + ".name"));
    EnumDescriptorProto* out = file().add_enum_type();
    out->set_name(name);
    const std::string prefix = UpperSnakeOf(name);
    auto* zero = out->add_value();
    zero->set_name(prefix + "_UNSPECIFIED");
    zero->set_number(0);
    SLUICE_RETURN_IF_ERROR(Claim(zero->name(), absl::StrCat("enum `", e.name(), "`"), path + ".name"));
    auto numbers = numbers_.enums().find(e.name());
    if (numbers == numbers_.enums().end()) return absl::InternalError("no field numbers for enum " + e.name());
    for (int i = 0; i < e.values_size(); ++i) {
      const std::string& value = e.values(i);
      auto* v = out->add_value();
      v->set_name(absl::StrCat(prefix, "_", UpperSnakeOf(value)));
      v->set_number(static_cast<int>(numbers->second.columns().at(value)));
      SLUICE_RETURN_IF_ERROR(Claim(v->name(), absl::StrCat("value `", value, "` of enum `", e.name(), "`"),
                                   absl::StrCat(path, ".values[", i, "]")));
      out_.enum_values[e.name()][v->number()] = value;
      out_.enum_numbers[e.name()][value] = v->number();
    }
    for (const Reserved& r : numbers->second.reserved()) {
      out->add_reserved_range()->set_start(static_cast<int>(r.number()));
      out->mutable_reserved_range(out->reserved_range_size() - 1)->set_end(static_cast<int>(r.number()));  // inclusive
      if (!r.name().empty()) out->add_reserved_name(absl::StrCat(prefix, "_", UpperSnakeOf(r.name())));
    }
    return absl::OkStatus();
  }

  // A table's message name and its columns' field names (checked for clashes).
  absl::Status Name(const std::string& table, const google::protobuf::RepeatedPtrField<v1::Column>& columns,
                    const std::string& path) {
    TableFields& t = out_.tables[table];
    t.info = schema_.FindTable(table);
    t.message = MessageNameOf(table);
    const std::string what = absl::StrCat("`", table, "`");
    SLUICE_RETURN_IF_ERROR(Claim(t.message, what, path + ".name"));
    for (const char* suffix : {"WithRelations",     "Column",        "Values",        "Where",
                               "OrderBy",           "With",          "Query",         "Key",
                               "Returning",         "OnConflict",    "FindRequest",   "FindResponse",
                               "FindFirstResponse", "GetRequest",    "GetResponse",   "InsertRequest",
                               "UpdateRequest",     "DeleteRequest", "WriteResponse", "StreamRequest",
                               "StreamResponse",    "Service"}) {
      SLUICE_RETURN_IF_ERROR(Claim(t.message + suffix, what, path + ".name"));
    }
    std::map<std::string, std::string> json;   // JSON name → column
    std::map<std::string, std::string> upper;  // column enum value → column
    for (int i = 0; i < columns.size(); ++i) {
      const v1::Column& c = columns[i];
      const std::string field = FieldNameOf(c.name());
      const std::string at = absl::StrCat(path, ".columns[", i, "].name");
      for (auto [names, key] : {std::pair{&json, JsonNameOf(field)}, std::pair{&upper, UpperSnakeOf(field)}}) {
        auto [it, fresh] = names->emplace(key, c.name());
        if (!fresh) {
          return InvalidField(at, absl::StrCat("columns `", it->second, "` and `", c.name(), "` of ", what,
                                               " map to the same protobuf field (`", key, "`); rename one"));
        }
      }
      t.column_of_field[field] = &c;
      t.field_of_column[c.name()] = field;
    }
    return absl::OkStatus();
  }

  absl::Status NameRelation(const v1::Relation& r, int i) {
    auto table = out_.tables.find(r.table());
    if (table == out_.tables.end()) return absl::OkStatus();  // the validator reports it
    const std::string field = FieldNameOf(r.name());
    for (const auto& [column_field, column] : table->second.column_of_field) {
      if (JsonNameOf(column_field) == JsonNameOf(field)) {
        return InvalidField(absl::StrCat("schema.relations[", i, "].name"),
                            absl::StrCat("relation `", r.name(), "` and column `", column->name(), "` of `", r.table(),
                                         "` map to the same protobuf field; rename one"));
      }
    }
    for (const auto& [other_field, other] : table->second.relation_of_field) {
      if (JsonNameOf(other_field) == JsonNameOf(field)) {
        return InvalidField(absl::StrCat("schema.relations[", i, "].name"),
                            absl::StrCat("relations `", other->name(), "` and `", r.name(), "` of `", r.table(),
                                         "` map to the same protobuf field; rename one"));
      }
    }
    table->second.relation_of_field[field] = &r;
    return absl::OkStatus();
  }

  absl::Status AddTable(TableFields& t) {
    const v1::Table& table = *t.info->table;
    const bool writable = t.info->view == nullptr;
    const MessageNumbers& numbers = numbers_.tables().at(table.name());
    const std::string& T = t.message;
    const std::string path = absl::StrCat("schema.", writable ? "tables" : "views");

    // The row, and the row with its relations.
    DescriptorProto* row = AddMessage(T);
    DescriptorProto* related = AddMessage(T + "WithRelations");
    DescriptorProto* values = writable ? AddMessage(T + "Values") : nullptr;
    EnumDescriptorProto* column_enum = file().add_enum_type();
    column_enum->set_name(T + "Column");
    const std::string column_prefix = UpperSnakeOf(T + "Column");
    auto* unspecified = column_enum->add_value();
    unspecified->set_name(column_prefix + "_UNSPECIFIED");
    unspecified->set_number(0);
    DescriptorProto* where = AddMessage(T + "Where");
    for (const v1::Column& c : table.columns()) {
      const std::string& field = t.field_of_column.at(c.name());
      const int number = static_cast<int>(numbers.columns().at(c.name()));
      t.column_of_number[number] = &c;
      auto type = TypeOf(c);
      if (!type.ok()) return type.status();
      const bool nullable = !c.not_null() && !c.primary_key();
      for (DescriptorProto* m : {row, related})
        AddField(m, field, number, type->type, type->type_name, c.array(), nullable);
      if (values != nullptr) AddField(values, field, number, type->type, type->type_name, c.array(), true);
      auto* v = column_enum->add_value();
      v->set_name(absl::StrCat(column_prefix, "_", UpperSnakeOf(field)));
      v->set_number(number);
      SLUICE_RETURN_IF_ERROR(AddFilter(*type, path));
      AddField(where, field, number, FieldDescriptorProto::TYPE_MESSAGE, Full(type->filter));
    }
    AddField(where, "and", kAnd, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "Where"), true);
    AddField(where, "or", kOr, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "Where"), true);
    AddField(where, "not", kNot, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "Where"));
    DescriptorProto* with = AddMessage(T + "With");
    for (const auto& [field, relation] : t.relation_of_field) {
      const int number = static_cast<int>(numbers.relations().at(relation->name()));
      const TableFields& target = out_.tables.at(relation->target_table());
      AddField(related, field, number, FieldDescriptorProto::TYPE_MESSAGE, Full(target.message + "WithRelations"),
               relation->kind() == v1::Relation::MANY);
      AddField(with, field, number, FieldDescriptorProto::TYPE_MESSAGE, Full(target.message + "Query"));
    }
    // Dropped columns: their numbers (and names) never come back.
    for (const Reserved& r : numbers.reserved()) {
      for (DescriptorProto* m : {row, related, values, where}) {
        if (m == nullptr) continue;
        auto* range = m->add_reserved_range();
        range->set_start(static_cast<int>(r.number()));
        range->set_end(static_cast<int>(r.number()) + 1);  // exclusive
        if (!r.name().empty()) m->add_reserved_name(FieldNameOf(r.name()));
      }
      auto* range = column_enum->add_reserved_range();
      range->set_start(static_cast<int>(r.number()));
      range->set_end(static_cast<int>(r.number()));  // inclusive
    }

    DescriptorProto* order = AddMessage(T + "OrderBy");
    AddField(order, "column", 1, FieldDescriptorProto::TYPE_ENUM, Full(T + "Column"));
    AddField(order, "descending", 2, FieldDescriptorProto::TYPE_BOOL);

    // A query's parts: FindRequest has them with the same numbers, and `database`.
    auto query_fields = [&](DescriptorProto* m, bool relations) {
      AddField(m, "where", 2, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "Where"));
      AddField(m, "order_by", 3, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "OrderBy"), true);
      AddField(m, "limit", 4, FieldDescriptorProto::TYPE_INT32, "", false, true);
      AddField(m, "offset", 5, FieldDescriptorProto::TYPE_INT32, "", false, true);
      AddField(m, "columns", 6, FieldDescriptorProto::TYPE_ENUM, Full(T + "Column"), true);
      if (relations) AddField(m, "with", 7, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "With"));
    };
    auto database = [&](DescriptorProto* m) { AddField(m, "database", 1, FieldDescriptorProto::TYPE_STRING); };
    query_fields(AddMessage(T + "Query"), true);
    DescriptorProto* find = AddMessage(T + "FindRequest");
    database(find);
    query_fields(find, true);
    AddField(AddMessage(T + "FindResponse"), "rows", 1, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "WithRelations"),
             true);
    AddField(AddMessage(T + "FindFirstResponse"), "row", 1, FieldDescriptorProto::TYPE_MESSAGE,
             Full(T + "WithRelations"));
    DescriptorProto* stream = AddMessage(T + "StreamRequest");
    database(stream);
    query_fields(stream, false);
    AddField(AddMessage(T + "StreamResponse"), "rows", 1, FieldDescriptorProto::TYPE_MESSAGE, Full(T), true);

    auto* service = file().add_service();
    service->set_name(T + "Service");
    auto method = [&](const std::string& name, const std::string& request, const std::string& response,
                      bool streaming = false) {
      auto* m = service->add_method();
      m->set_name(name);
      m->set_input_type(Full(request));
      m->set_output_type(Full(response));
      if (streaming) m->set_server_streaming(true);
    };
    method("Find", T + "FindRequest", T + "FindResponse");
    method("FindFirst", T + "FindRequest", T + "FindFirstResponse");

    std::vector<const v1::Column*> key;
    for (const std::string& name : table.primary_key()) key.push_back(t.info->columns.at(name));
    for (const v1::Column& c : table.columns()) {
      if (c.primary_key()) key.push_back(&c);
    }
    if (writable && !key.empty()) {
      DescriptorProto* key_message = AddMessage(T + "Key");
      int n = 1;
      for (const v1::Column* c : key) {
        auto type = TypeOf(*c);
        if (!type.ok()) return type.status();
        AddField(key_message, t.field_of_column.at(c->name()), n++, type->type, type->type_name);
      }
      DescriptorProto* get = AddMessage(T + "GetRequest");
      database(get);
      AddField(get, "key", 2, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "Key"));
      AddField(get, "with", 3, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "With"));
      AddField(get, "columns", 4, FieldDescriptorProto::TYPE_ENUM, Full(T + "Column"), true);
      AddField(AddMessage(T + "GetResponse"), "row", 1, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "WithRelations"));
      method("Get", T + "GetRequest", T + "GetResponse");
    }
    if (writable) {
      AddField(AddMessage(T + "Returning"), "columns", 1, FieldDescriptorProto::TYPE_ENUM, Full(T + "Column"), true);
      DescriptorProto* conflict = AddMessage(T + "OnConflict");
      AddField(conflict, "target", 1, FieldDescriptorProto::TYPE_ENUM, Full(T + "Column"), true);
      AddField(conflict, "set", 2, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "Values"));
      AddField(conflict, "set_excluded", 3, FieldDescriptorProto::TYPE_ENUM, Full(T + "Column"), true);
      DescriptorProto* insert = AddMessage(T + "InsertRequest");
      database(insert);
      AddField(insert, "rows", 2, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "Values"), true);
      AddField(insert, "on_conflict", 3, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "OnConflict"));
      AddField(insert, "returning", 4, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "Returning"));
      DescriptorProto* update = AddMessage(T + "UpdateRequest");
      database(update);
      AddField(update, "set", 2, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "Values"));
      AddField(update, "where", 3, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "Where"));
      AddField(update, "all_rows", 4, FieldDescriptorProto::TYPE_BOOL);
      AddField(update, "returning", 5, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "Returning"));
      AddField(update, "set_null", 6, FieldDescriptorProto::TYPE_ENUM, Full(T + "Column"), true);
      DescriptorProto* remove = AddMessage(T + "DeleteRequest");
      database(remove);
      AddField(remove, "where", 2, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "Where"));
      AddField(remove, "all_rows", 3, FieldDescriptorProto::TYPE_BOOL);
      AddField(remove, "returning", 4, FieldDescriptorProto::TYPE_MESSAGE, Full(T + "Returning"));
      DescriptorProto* written = AddMessage(T + "WriteResponse");
      AddField(written, "rows_affected", 1, FieldDescriptorProto::TYPE_UINT64);
      AddField(written, "rows", 2, FieldDescriptorProto::TYPE_MESSAGE, Full(T), true);
      AddField(written, "last_insert_id", 3, FieldDescriptorProto::TYPE_INT64, "", false, true);
      method("Insert", T + "InsertRequest", T + "WriteResponse");
      method("Update", T + "UpdateRequest", T + "WriteResponse");
      method("Delete", T + "DeleteRequest", T + "WriteResponse");
    }
    method("Stream", T + "StreamRequest", T + "StreamResponse", true);
    return absl::OkStatus();
  }

  const SchemaIndex& schema_;
  const FieldNumbers& numbers_;
  std::string package_;
  SchemaFile out_;
  std::map<std::string, std::string> symbols_;  // top-level name → what made it
  std::set<std::string> filters_;
  std::set<std::string> imports_;
};

}  // namespace

std::string ProtoTypeName(const v1::Column& column) {
  absl::StatusOr<ProtoType> t = ProtoTypeOf(column, "");
  if (!t.ok()) return "";
  std::string name =
      t->type_name.empty()
          ? google::protobuf::FieldDescriptor::TypeName(static_cast<google::protobuf::FieldDescriptor::Type>(t->type))
          : t->type_name.substr(t->type_name.rfind('.') + 1);
  return column.array() ? "repeated " + name : name;
}

std::string SchemaFileName(const std::string& schema) { return absl::StrCat("sluice/schemas/", schema, ".proto"); }

absl::StatusOr<SchemaFile> BuildSchemaFile(const SchemaIndex& schema, const FieldNumbers& numbers) {
  absl::StatusOr<SchemaFile> file = Builder(schema, numbers).Build();
  if (!file.ok()) return file.status();
  // What protobuf itself refuses (a clash the names above did not foresee) is the schema's error too.
  google::protobuf::DescriptorPool pool(google::protobuf::DescriptorPool::generated_pool());
  struct Collector : google::protobuf::DescriptorPool::ErrorCollector {
    void AddError(const std::string& filename, const std::string& element_name, const google::protobuf::Message*,
                  ErrorLocation, const std::string& message) override {
      if (first.empty()) first = absl::StrCat(element_name, ": ", message);
    }
    std::string first;
  } errors;
  if (pool.BuildFileCollectingErrors(file->proto, &errors) == nullptr) {
    return InvalidField("schema", absl::StrCat("the schema's typed API is not a valid protobuf file: ", errors.first));
  }
  return file;
}

}  // namespace sluice::typed
