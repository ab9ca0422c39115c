#include "typed/translate.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "planner/value_check.h"
#include "typed/field_numbers.h"

namespace sluice::typed {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::vector<const FieldDescriptor*> SetFields(const Message& m) {
  std::vector<const FieldDescriptor*> fields;
  m.GetReflection()->ListFields(m, &fields);
  return fields;
}

const Message* SubMessage(const Message& m, const char* name) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
  if (f == nullptr || !m.GetReflection()->HasField(m, f)) return nullptr;
  return &m.GetReflection()->GetMessage(m, f);
}

std::string Str(const Message& m, const char* name) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
  return f == nullptr ? "" : m.GetReflection()->GetString(m, f);
}

bool Bool(const Message& m, const char* name) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
  return f != nullptr && m.GetReflection()->GetBool(m, f);
}

std::string At(const std::string& path, const FieldDescriptor* f, int index = -1) {
  std::string out = path.empty() ? f->name() : absl::StrCat(path, ".", f->name());
  if (index >= 0) absl::StrAppend(&out, "[", index, "]");
  return out;
}

// Between a typed message and the generic API, for one schema.
class Translator {
 public:
  explicit Translator(const TypedSchema& schema) : schema_(schema), file_(schema.file()) {}

  v1::Target Target(const Message& request) const {
    v1::Target target;
    target.set_database(Str(request, "database"));
    target.set_schema(schema_.name());
    return target;
  }

  // A value of `column` from field `f` of `m` (element `index` of a repeated field, or the
  // whole list with index -1), checked.
  absl::StatusOr<v1::Value> ValueOf(const Message& m, const FieldDescriptor* f, int index, const v1::Column& column,
                                    const std::string& path) const {
    const Reflection* r = m.GetReflection();
    v1::Value v;
    if (f->is_repeated() && index < 0) {
      v1::Column element = column;
      element.set_array(false);
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        SLUICE_ASSIGN_OR_RETURN(*v.mutable_list_value()->add_values(),
                                ValueOf(m, f, i, element, absl::StrCat(path, "[", i, "]")));
      }
      v.mutable_list_value();
      return CheckValue(v, column, schema_.index(), path);
    }
    const bool rep = index >= 0;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        v.set_int_value(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        v.set_int_value(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        v.set_int_value(rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        v.set_uint_value(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        v.set_bool_value(rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f));
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        v.set_double_value(rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f));
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        v.set_double_value(rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f));
        break;
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string s = rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
        if (f->type() == FieldDescriptor::TYPE_BYTES) {
          v.set_bytes_value(std::move(s));
          break;
        }
        switch (column.type()) {
          case v1::DECIMAL:
            v.set_decimal_value(std::move(s));
            break;
          case v1::DATE:
            v.set_date_value(std::move(s));
            break;
          case v1::TIME:
            v.set_time_value(std::move(s));
            break;
          case v1::TIMESTAMP:
            v.set_timestamp_value(std::move(s));
            break;
          case v1::UUID:
            v.set_uuid_value(std::move(s));
            break;
          default:
            v.set_string_value(std::move(s));
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const int number = rep ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f);
        auto values = file_.enum_values.find(column.enum_name());
        auto value = values == file_.enum_values.end() ? std::map<int, std::string>::const_iterator()
                                                       : values->second.find(number);
        if (values == file_.enum_values.end() || value == values->second.end()) {
          return InvalidField(path, absl::StrCat(number, " is not a value of enum `", column.enum_name(), "`"));
        }
        v.set_string_value(value->second);
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const Message& sub = rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f);
        if (column.type() == v1::TIMESTAMPTZ) {
          google::protobuf::Timestamp ts;
          ts.CopyFrom(sub);
          if (ts.seconds() < google::protobuf::util::TimeUtil::kTimestampMinSeconds ||
              ts.seconds() > google::protobuf::util::TimeUtil::kTimestampMaxSeconds || ts.nanos() < 0 ||
              ts.nanos() > 999999999) {
            return InvalidField(path, "not a valid timestamp");
          }
          v.set_timestamp_value(google::protobuf::util::TimeUtil::ToString(ts));
        } else {
          std::string json;
          if (!google::protobuf::util::MessageToJsonString(sub, &json).ok()) {
            return InvalidField(path, "not a JSON value");
          }
          v.set_json_value(std::move(json));
        }
        break;
      }
    }
    return CheckValue(v, column, schema_.index(), path);
  }

  absl::StatusOr<const v1::Column*> ColumnOfNumber(const TableFields& t, int number, const std::string& path) const {
    auto it = t.column_of_number.find(number);
    if (it == t.column_of_number.end()) {
      return InvalidField(path, absl::StrCat(number, " is not a column of `", t.info->table->name(), "`"));
    }
    return it->second;
  }

  // Repeated column enum field `name` of `m` (at `path`) → column names.
  absl::Status ColumnList(const TableFields& t, const Message& m, const char* name, const std::string& path,
                          google::protobuf::RepeatedPtrField<std::string>* out) const {
    const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
    if (f == nullptr) return absl::OkStatus();
    for (int i = 0; i < m.GetReflection()->FieldSize(m, f); ++i) {
      SLUICE_ASSIGN_OR_RETURN(const v1::Column* c, ColumnOfNumber(t, m.GetReflection()->GetRepeatedEnumValue(m, f, i),
                                                                  absl::StrCat(path, "[", i, "]")));
      out->Add(std::string(c->name()));
    }
    return absl::OkStatus();
  }

  static v1::Expression Column(const std::string& name) {
    v1::Expression e;
    e.mutable_column()->set_name(name);
    return e;
  }

  // A Where message as a condition; false when it has none.
  absl::StatusOr<bool> Where(const TableFields& t, const Message& where, const std::string& path,
                             v1::Condition* out) const {
    std::vector<v1::Condition> parts;
    const Reflection* r = where.GetReflection();
    for (const FieldDescriptor* f : SetFields(where)) {
      if (f->name() == "and" || f->name() == "or") {
        v1::Condition list;
        v1::ConditionList* items = f->name() == "and" ? list.mutable_and_() : list.mutable_or_();
        for (int i = 0; i < r->FieldSize(where, f); ++i) {
          v1::Condition item;
          SLUICE_ASSIGN_OR_RETURN(bool any, Where(t, r->GetRepeatedMessage(where, f, i), At(path, f, i), &item));
          if (any) *items->add_conditions() = std::move(item);
        }
        if (items->conditions_size() > 0) parts.push_back(std::move(list));
      } else if (f->name() == "not") {
        v1::Condition inner;
        SLUICE_ASSIGN_OR_RETURN(bool any, Where(t, r->GetMessage(where, f), At(path, f), &inner));
        if (any) {
          v1::Condition negated;
          *negated.mutable_not_() = std::move(inner);
          parts.push_back(std::move(negated));
        }
      } else {
        SLUICE_RETURN_IF_ERROR(Filter(*t.column_of_field.at(f->name()), r->GetMessage(where, f), At(path, f), &parts));
      }
    }
    if (parts.empty()) return false;
    if (parts.size() == 1) {
      *out = std::move(parts[0]);
    } else {
      for (v1::Condition& p : parts) *out->mutable_and_()->add_conditions() = std::move(p);
    }
    return true;
  }

  // A column's filter message: a condition per operator.
  absl::Status Filter(const v1::Column& column, const Message& filter, const std::string& path,
                      std::vector<v1::Condition>* parts) const {
    const Reflection* r = filter.GetReflection();
    for (const FieldDescriptor* op : SetFields(filter)) {
      const std::string& name = op->name();
      v1::Condition c;
      if (name == "is_null") {
        *(r->GetBool(filter, op) ? c.mutable_is_null() : c.mutable_is_not_null()) = Column(column.name());
      } else if (name == "in" || name == "not_in") {
        v1::InList* in = name == "in" ? c.mutable_in() : c.mutable_not_in();
        *in->mutable_left() = Column(column.name());
        for (int i = 0; i < r->FieldSize(filter, op); ++i) {
          SLUICE_ASSIGN_OR_RETURN(*in->add_values()->mutable_value(), ValueOf(filter, op, i, column, At(path, op, i)));
        }
      } else {
        v1::Comparison* cmp = nullptr;
        static const std::map<std::string, v1::Comparison* (v1::Condition::*)()> kOps = {
            {"eq", &v1::Condition::mutable_eq},
            {"ne", &v1::Condition::mutable_ne},
            {"gt", &v1::Condition::mutable_gt},
            {"gte", &v1::Condition::mutable_gte},
            {"lt", &v1::Condition::mutable_lt},
            {"lte", &v1::Condition::mutable_lte},
            {"like", &v1::Condition::mutable_like},
            {"not_like", &v1::Condition::mutable_not_like},
            {"ilike", &v1::Condition::mutable_ilike},
            {"not_ilike", &v1::Condition::mutable_not_ilike},
            {"contains", &v1::Condition::mutable_array_contains},
            {"overlaps", &v1::Condition::mutable_array_overlaps}};
        cmp = (c.*kOps.at(name))();
        *cmp->mutable_left() = Column(column.name());
        if (name == "like" || name == "not_like" || name == "ilike" || name == "not_ilike") {
          cmp->mutable_right()->mutable_value()->set_string_value(r->GetString(filter, op));
        } else {
          SLUICE_ASSIGN_OR_RETURN(*cmp->mutable_right()->mutable_value(),
                                  ValueOf(filter, op, -1, column, At(path, op)));
        }
      }
      parts->push_back(std::move(c));
    }
    return absl::OkStatus();
  }

  // A query message (FindRequest, Query, StreamRequest) into `find`; `path` is its prefix ("" or
  // "with.posts.").
  absl::Status Query(const TableFields& t, const Message& q, const std::string& path, v1::Find* find) const {
    if (path.empty()) find->set_table(t.info->table->name());  // nested levels: the relation's
    if (const Message* where = SubMessage(q, "where")) {
      SLUICE_RETURN_IF_ERROR(Where(t, *where, path + "where", find->mutable_where()).status());
    }
    const Reflection* r = q.GetReflection();
    const Descriptor* d = q.GetDescriptor();
    const FieldDescriptor* order = d->FindFieldByName("order_by");
    for (int i = 0; i < r->FieldSize(q, order); ++i) {
      const Message& o = r->GetRepeatedMessage(q, order, i);
      const FieldDescriptor* column = o.GetDescriptor()->FindFieldByName("column");
      SLUICE_ASSIGN_OR_RETURN(const v1::Column* c, ColumnOfNumber(t, o.GetReflection()->GetEnumValue(o, column),
                                                                  absl::StrCat(path, "order_by[", i, "].column")));
      v1::OrderBy* by = find->add_order_by();
      *by->mutable_expression() = Column(c->name());
      by->set_descending(Bool(o, "descending"));
    }
    if (const FieldDescriptor* f = d->FindFieldByName("limit"); r->HasField(q, f)) find->set_limit(r->GetInt32(q, f));
    if (const FieldDescriptor* f = d->FindFieldByName("offset"); r->HasField(q, f)) find->set_offset(r->GetInt32(q, f));
    SLUICE_RETURN_IF_ERROR(ColumnList(t, q, "columns", path + "columns", find->mutable_columns()));
    if (const Message* with = SubMessage(q, "with")) SLUICE_RETURN_IF_ERROR(With(t, *with, path + "with", find));
    return absl::OkStatus();
  }

  absl::Status With(const TableFields& t, const Message& with, const std::string& path, v1::Find* find) const {
    for (const FieldDescriptor* f : SetFields(with)) {
      const v1::Relation* relation = t.relation_of_field.at(f->name());
      const TableFields& target = file_.tables.at(relation->target_table());
      SLUICE_RETURN_IF_ERROR(Query(target, with.GetReflection()->GetMessage(with, f), At(path, f) + ".",
                                   &(*find->mutable_with())[relation->name()]));
    }
    return absl::OkStatus();
  }

  // A Values message into column → value.
  absl::Status Values(const TableFields& t, const Message& values, const std::string& path,
                      google::protobuf::Map<std::string, v1::Value>* out) const {
    for (const FieldDescriptor* f : SetFields(values)) {
      const v1::Column& column = *t.column_of_field.at(f->name());
      SLUICE_ASSIGN_OR_RETURN((*out)[column.name()], ValueOf(values, f, -1, column, At(path, f)));
    }
    return absl::OkStatus();
  }

  absl::Status Returning(const TableFields& t, const Message& request, const std::string& path,
                         google::protobuf::RepeatedPtrField<std::string>* out) const {
    const Message* returning = SubMessage(request, "returning");
    if (returning == nullptr) return absl::OkStatus();
    SLUICE_RETURN_IF_ERROR(ColumnList(t, *returning, "columns", path + "returning.columns", out));
    if (out->empty()) {  // present and empty: every column
      for (const v1::Column& c : t.info->table->columns()) out->Add(std::string(c.name()));
    }
    return absl::OkStatus();
  }

 private:
  const TypedSchema& schema_;
  const SchemaFile& file_;
};

absl::Status CheckKnown(const Message& m, const std::string& path) {
  const Reflection* r = m.GetReflection();
  const auto& unknown = r->GetUnknownFields(m);
  if (!unknown.empty()) {
    return InvalidField(path.empty() ? "request" : path,
                        absl::StrCat("field number ", unknown.field(0).number(),
                                     " is not in this version of the typed API (a client generated from another "
                                     "version of the schema: run `sluice codegen` again)"));
  }
  for (const FieldDescriptor* f : SetFields(m)) {
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        SLUICE_RETURN_IF_ERROR(CheckKnown(r->GetRepeatedMessage(m, f, i), At(path, f, i)));
      }
    } else {
      SLUICE_RETURN_IF_ERROR(CheckKnown(r->GetMessage(m, f), At(path, f)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckKnownFields(const Message& request) { return CheckKnown(request, ""); }

absl::StatusOr<v1::FindManyRequest> ToFind(const TypedSchema& schema, const TypedMethod& method,
                                           const Message& request) {
  Translator t(schema);
  v1::FindManyRequest out;
  *out.mutable_target() = t.Target(request);
  const TableFields& table = *method.table;
  if (method.kind != MethodKind::kGet) {
    SLUICE_RETURN_IF_ERROR(t.Query(table, request, "", out.mutable_find()));
    if (method.kind == MethodKind::kFindFirst && out.find().has_limit()) {
      return InvalidField("limit", "FindFirst reads one row: no limit");
    }
    return out;
  }
  // Get: the key's columns, all of them.
  v1::Find* find = out.mutable_find();
  find->set_table(table.info->table->name());
  const Message* key = SubMessage(request, "key");
  if (key == nullptr) return InvalidField("key", "the row's primary key is required");
  for (int i = 0; i < key->GetDescriptor()->field_count(); ++i) {
    const FieldDescriptor* f = key->GetDescriptor()->field(i);
    const v1::Column& column = *table.column_of_field.at(f->name());
    v1::Comparison* eq = find->mutable_where()->mutable_and_()->add_conditions()->mutable_eq();
    *eq->mutable_left() = Translator::Column(column.name());
    SLUICE_ASSIGN_OR_RETURN(*eq->mutable_right()->mutable_value(), t.ValueOf(*key, f, -1, column, At("key", f)));
  }
  SLUICE_RETURN_IF_ERROR(t.ColumnList(table, request, "columns", "columns", find->mutable_columns()));
  if (const Message* with = SubMessage(request, "with")) SLUICE_RETURN_IF_ERROR(t.With(table, *with, "with", find));
  return out;
}

std::optional<v1::SelectRequest> AsSelect(const v1::FindManyRequest& request, bool first) {
  const v1::Find& find = request.find();
  if (!find.with().empty() || !find.extras().empty() || !find.exclude_columns().empty()) return std::nullopt;
  v1::SelectRequest out;
  *out.mutable_target() = request.target();
  v1::Select* select = out.mutable_select();
  select->set_table(find.table());
  for (const std::string& c : find.columns()) *select->add_columns()->mutable_expression() = Translator::Column(c);
  if (find.has_where()) *select->mutable_where() = find.where();
  *select->mutable_order_by() = find.order_by();
  if (first) {
    select->set_limit(1);
  } else if (find.has_limit()) {
    select->set_limit(find.limit());
  }
  if (find.has_offset()) select->set_offset(find.offset());
  return out;
}

absl::StatusOr<v1::InsertRequest> ToInsert(const TypedSchema& schema, const TypedMethod& method,
                                           const Message& request) {
  Translator t(schema);
  const TableFields& table = *method.table;
  v1::InsertRequest out;
  *out.mutable_target() = t.Target(request);
  v1::Insert* insert = out.mutable_insert();
  insert->set_table(table.info->table->name());
  const FieldDescriptor* rows = request.GetDescriptor()->FindFieldByName("rows");
  const Reflection* r = request.GetReflection();
  for (int i = 0; i < r->FieldSize(request, rows); ++i) {
    SLUICE_RETURN_IF_ERROR(t.Values(table, r->GetRepeatedMessage(request, rows, i), At("", rows, i),
                                    insert->add_rows()->mutable_values()));
  }
  if (const Message* conflict = SubMessage(request, "on_conflict")) {
    v1::OnConflict* on = insert->mutable_on_conflict();
    SLUICE_RETURN_IF_ERROR(t.ColumnList(table, *conflict, "target", "on_conflict.target", on->mutable_columns()));
    if (const Message* set = SubMessage(*conflict, "set")) {
      SLUICE_RETURN_IF_ERROR(t.Values(table, *set, "on_conflict.set", on->mutable_set()));
    }
    google::protobuf::RepeatedPtrField<std::string> excluded;
    SLUICE_RETURN_IF_ERROR(t.ColumnList(table, *conflict, "set_excluded", "on_conflict.set_excluded", &excluded));
    for (const std::string& c : excluded) (*on->mutable_set_expressions())[c].set_excluded(c);
  }
  SLUICE_RETURN_IF_ERROR(t.Returning(table, request, "", insert->mutable_returning()));
  return out;
}

absl::StatusOr<v1::UpdateRequest> ToUpdate(const TypedSchema& schema, const TypedMethod& method,
                                           const Message& request) {
  Translator t(schema);
  const TableFields& table = *method.table;
  v1::UpdateRequest out;
  *out.mutable_target() = t.Target(request);
  v1::Update* update = out.mutable_update();
  update->set_table(table.info->table->name());
  if (const Message* set = SubMessage(request, "set"))
    SLUICE_RETURN_IF_ERROR(t.Values(table, *set, "set", update->mutable_set()));
  google::protobuf::RepeatedPtrField<std::string> nulls;
  SLUICE_RETURN_IF_ERROR(t.ColumnList(table, request, "set_null", "set_null", &nulls));
  for (const std::string& c : nulls) {
    if (update->set().count(c) > 0) {
      return InvalidField("set_null", absl::StrCat("column `", c, "` is in `set` too: give one"));
    }
    (*update->mutable_set())[c].set_null_value(google::protobuf::NULL_VALUE);
  }
  if (const Message* where = SubMessage(request, "where")) {
    SLUICE_RETURN_IF_ERROR(t.Where(table, *where, "where", update->mutable_where()).status());
  }
  update->set_all_rows(Bool(request, "all_rows"));
  SLUICE_RETURN_IF_ERROR(t.Returning(table, request, "", update->mutable_returning()));
  return out;
}

absl::StatusOr<v1::DeleteRequest> ToDelete(const TypedSchema& schema, const TypedMethod& method,
                                           const Message& request) {
  Translator t(schema);
  const TableFields& table = *method.table;
  v1::DeleteRequest out;
  *out.mutable_target() = t.Target(request);
  v1::Delete* remove = out.mutable_delete_();
  remove->set_table(table.info->table->name());
  if (const Message* where = SubMessage(request, "where")) {
    SLUICE_RETURN_IF_ERROR(t.Where(table, *where, "where", remove->mutable_where()).status());
  }
  remove->set_all_rows(Bool(request, "all_rows"));
  SLUICE_RETURN_IF_ERROR(t.Returning(table, request, "", remove->mutable_returning()));
  return out;
}

absl::StatusOr<v1::SelectStreamRequest> ToStream(const TypedSchema& schema, const TypedMethod& method,
                                                 const Message& request) {
  Translator t(schema);
  v1::Find find;
  SLUICE_RETURN_IF_ERROR(t.Query(*method.table, request, "", &find));
  v1::SelectStreamRequest out;
  *out.mutable_target() = t.Target(request);
  v1::Select* select = out.mutable_select();
  select->set_table(find.table());
  for (const std::string& c : find.columns()) *select->add_columns()->mutable_expression() = Translator::Column(c);
  if (find.has_where()) *select->mutable_where() = std::move(*find.mutable_where());
  *select->mutable_order_by() = std::move(*find.mutable_order_by());
  if (find.has_limit()) select->set_limit(find.limit());
  if (find.has_offset()) select->set_offset(find.offset());
  return out;
}

}  // namespace sluice::typed
