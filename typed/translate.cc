#include "typed/translate.h"

#include <vector>

#include "absl/base/casts.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "planner/value_check.h"
#include "typed/field_numbers.h"

namespace sluice::typed {
namespace {

using google::protobuf::FieldDescriptor;
using Field = WireMessage::Field;
using At = FieldPath;

// A singular message field's message (the last of a repeated one's); null when not set.
const WireMessage* SubMessage(const WireMessage& m, absl::string_view name) {
  const Field* f = m.Find(name);
  return f == nullptr || f->messages.empty() ? nullptr : &f->messages.back();
}

bool Bool(const WireMessage& m, absl::string_view name) {
  const Field* f = m.Find(name);
  return f != nullptr && f->Number() != 0;
}

// Between a typed message and the generic API, for one schema.
class Translator {
 public:
  explicit Translator(const TypedSchema& schema) : schema_(schema), file_(schema.file()) {}

  v1::Target Target(const WireMessage& request) const {
    v1::Target target;
    if (const Field* database = request.Find("database")) target.set_database(std::string(database->Bytes()));
    target.set_schema(schema_.name());
    return target;
  }

  // `v` checked against `column` (the path put into words only for an error).
  absl::StatusOr<v1::Value> Checked(const v1::Value& v, const v1::Column& column, const At& at) const {
    static const std::string kNowhere;
    absl::StatusOr<v1::Value> checked = CheckValue(v, column, schema_.index(), kNowhere);
    if (!checked.ok()) return CheckValue(v, column, schema_.index(), at.str());
    return checked;
  }

  // A value of `column` from field `field` (element `index` of a repeated field, or the whole
  // list with index -1), checked.
  absl::StatusOr<v1::Value> ValueOf(const Field& field, int index, const v1::Column& column, const At& at) const {
    const FieldDescriptor* f = field.descriptor;
    v1::Value v;
    if (f->is_repeated() && index < 0) {
      v1::Column element = column;
      element.set_array(false);
      for (int i = 0; i < field.size(); ++i) {
        SLUICE_ASSIGN_OR_RETURN(*v.mutable_list_value()->add_values(), ValueOf(field, i, element, At(at, "", i)));
      }
      v.mutable_list_value();
      return Checked(v, column, at);
    }
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        v.set_int_value(static_cast<int32_t>(field.Number(index)));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        v.set_int_value(static_cast<int64_t>(field.Number(index)));
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        v.set_int_value(static_cast<uint32_t>(field.Number(index)));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        v.set_uint_value(field.Number(index));
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        v.set_bool_value(field.Number(index) != 0);
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        v.set_double_value(absl::bit_cast<float>(static_cast<uint32_t>(field.Number(index))));
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        v.set_double_value(absl::bit_cast<double>(field.Number(index)));
        break;
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string s(field.Bytes(index));
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
        const int number = static_cast<int32_t>(field.Number(index));
        auto values = file_.enum_values.find(column.enum_name());
        auto value = values == file_.enum_values.end() ? std::map<int, std::string>::const_iterator()
                                                       : values->second.find(number);
        if (values == file_.enum_values.end() || value == values->second.end()) {
          return InvalidField(at.str(), absl::StrCat(number, " is not a value of enum `", column.enum_name(), "`"));
        }
        v.set_string_value(value->second);
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        if (column.type() == v1::TIMESTAMPTZ) {
          google::protobuf::Timestamp ts;
          if (!field.MergeInto(&ts, index) || ts.seconds() < google::protobuf::util::TimeUtil::kTimestampMinSeconds ||
              ts.seconds() > google::protobuf::util::TimeUtil::kTimestampMaxSeconds || ts.nanos() < 0 ||
              ts.nanos() > 999999999) {
            return InvalidField(at.str(), "not a valid timestamp");
          }
          v.set_timestamp_value(google::protobuf::util::TimeUtil::ToString(ts));
        } else {
          google::protobuf::Value value;
          std::string json;
          if (!field.MergeInto(&value, index) || !google::protobuf::util::MessageToJsonString(value, &json).ok()) {
            return InvalidField(at.str(), "not a JSON value");
          }
          v.set_json_value(std::move(json));
        }
        break;
      }
    }
    return Checked(v, column, at);
  }

  absl::StatusOr<const v1::Column*> ColumnOfNumber(const TableFields& t, int number, const At& at) const {
    auto it = t.column_of_number.find(number);
    if (it == t.column_of_number.end()) {
      return InvalidField(at.str(), absl::StrCat(number, " is not a column of `", t.info->table->name(), "`"));
    }
    return it->second;
  }

  // Repeated column enum field `f` (at `at`) → column names.
  absl::Status ColumnList(const TableFields& t, const Field& f, const At& at,
                          google::protobuf::RepeatedPtrField<std::string>* out) const {
    for (int i = 0; i < f.size(); ++i) {
      SLUICE_ASSIGN_OR_RETURN(const v1::Column* c, ColumnOfNumber(t, static_cast<int32_t>(f.Number(i)), At(at, "", i)));
      out->Add(std::string(c->name()));
    }
    return absl::OkStatus();
  }
  // The same for field `name` of `m`, the message at `at` (not set: nothing).
  absl::Status ColumnList(const TableFields& t, const WireMessage& m, absl::string_view name, const At& at,
                          google::protobuf::RepeatedPtrField<std::string>* out) const {
    const Field* f = m.Find(name);
    return f == nullptr ? absl::OkStatus() : ColumnList(t, *f, At(at, f->descriptor), out);
  }

  static v1::Expression Column(const std::string& name) {
    v1::Expression e;
    e.mutable_column()->set_name(name);
    return e;
  }

  // A Where message as a condition; false when it has none.
  absl::StatusOr<bool> Where(const TableFields& t, const WireMessage& where, const At& at, v1::Condition* out) const {
    std::vector<v1::Condition> parts;
    for (const Field& field : where.fields()) {
      const FieldDescriptor* f = field.descriptor;
      if (f->name() == "and" || f->name() == "or") {
        v1::Condition list;
        v1::ConditionList* items = f->name() == "and" ? list.mutable_and_() : list.mutable_or_();
        for (int i = 0; i < field.size(); ++i) {
          v1::Condition item;
          SLUICE_ASSIGN_OR_RETURN(bool any, Where(t, field.messages[i], At(at, f, i), &item));
          if (any) *items->add_conditions() = std::move(item);
        }
        if (items->conditions_size() > 0) parts.push_back(std::move(list));
      } else if (f->name() == "not") {
        v1::Condition inner;
        SLUICE_ASSIGN_OR_RETURN(bool any, Where(t, field.messages.back(), At(at, f), &inner));
        if (any) {
          v1::Condition negated;
          *negated.mutable_not_() = std::move(inner);
          parts.push_back(std::move(negated));
        }
      } else {
        SLUICE_RETURN_IF_ERROR(Filter(*t.column_of_number.at(f->number()), field.messages.back(), At(at, f), &parts));
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
  absl::Status Filter(const v1::Column& column, const WireMessage& filter, const At& at,
                      std::vector<v1::Condition>* parts) const {
    for (const Field& field : filter.fields()) {
      const FieldDescriptor* op = field.descriptor;
      const std::string& name = op->name();
      v1::Condition c;
      if (name == "is_null") {
        *(field.Number() != 0 ? c.mutable_is_null() : c.mutable_is_not_null()) = Column(column.name());
      } else if (name == "in" || name == "not_in") {
        v1::InList* in = name == "in" ? c.mutable_in() : c.mutable_not_in();
        *in->mutable_left() = Column(column.name());
        for (int i = 0; i < field.size(); ++i) {
          SLUICE_ASSIGN_OR_RETURN(*in->add_values()->mutable_value(), ValueOf(field, i, column, At(at, op, i)));
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
          cmp->mutable_right()->mutable_value()->set_string_value(std::string(field.Bytes()));
        } else {
          SLUICE_ASSIGN_OR_RETURN(*cmp->mutable_right()->mutable_value(), ValueOf(field, -1, column, At(at, op)));
        }
      }
      parts->push_back(std::move(c));
    }
    return absl::OkStatus();
  }

  // A query message (FindRequest, Query, StreamRequest; its fields read in one pass) into `find`;
  // a relation's query (`nested`) has no table of its own.
  absl::Status Query(const TableFields& t, const WireMessage& q, const At& at, bool nested, v1::Find* find) const {
    if (!nested) find->set_table(t.info->table->name());
    for (const Field& field : q.fields()) {  // in field-number order
      const FieldDescriptor* f = field.descriptor;
      const std::string& name = f->name();
      if (name == "where") {
        SLUICE_RETURN_IF_ERROR(Where(t, field.messages.back(), At(at, f), find->mutable_where()).status());
      } else if (name == "order_by") {
        for (int i = 0; i < field.size(); ++i) {
          const WireMessage& o = field.messages[i];
          const Field* column_field = o.Find("column");
          const int column = column_field == nullptr ? 0 : static_cast<int32_t>(column_field->Number());  // 0: none
          const bool descending = Bool(o, "descending");
          SLUICE_ASSIGN_OR_RETURN(const v1::Column* c, ColumnOfNumber(t, column, At(At(at, f, i), "column")));
          v1::OrderBy* by = find->add_order_by();
          *by->mutable_expression() = Column(c->name());
          by->set_descending(descending);
        }
      } else if (name == "limit") {
        find->set_limit(static_cast<int32_t>(field.Number()));
      } else if (name == "offset") {
        find->set_offset(static_cast<int32_t>(field.Number()));
      } else if (name == "columns") {
        SLUICE_RETURN_IF_ERROR(ColumnList(t, field, At(at, f), find->mutable_columns()));
      } else if (name == "with") {
        SLUICE_RETURN_IF_ERROR(With(t, field.messages.back(), At(at, f), find));
      }
    }
    return absl::OkStatus();
  }

  absl::Status With(const TableFields& t, const WireMessage& with, const At& at, v1::Find* find) const {
    for (const Field& field : with.fields()) {
      const FieldDescriptor* f = field.descriptor;
      const v1::Relation* relation = t.relation_of_field.at(f->name());
      const TableFields& target = file_.tables.at(relation->target_table());
      SLUICE_RETURN_IF_ERROR(
          Query(target, field.messages.back(), At(at, f), true, &(*find->mutable_with())[relation->name()]));
    }
    return absl::OkStatus();
  }

  // A Values message into column → value.
  absl::Status Values(const TableFields& t, const WireMessage& values, const At& at,
                      google::protobuf::Map<std::string, v1::Value>* out) const {
    for (const Field& field : values.fields()) {
      const v1::Column& column = *t.column_of_number.at(field.descriptor->number());
      SLUICE_ASSIGN_OR_RETURN((*out)[column.name()], ValueOf(field, -1, column, At(at, field.descriptor)));
    }
    return absl::OkStatus();
  }

  absl::Status Returning(const TableFields& t, const WireMessage& request,
                         google::protobuf::RepeatedPtrField<std::string>* out) const {
    const WireMessage* returning = SubMessage(request, "returning");
    if (returning == nullptr) return absl::OkStatus();
    SLUICE_RETURN_IF_ERROR(ColumnList(t, *returning, "columns", At(At(), "returning"), out));
    if (out->empty()) {  // present and empty: every column
      for (const v1::Column& c : t.info->table->columns()) out->Add(std::string(c.name()));
    }
    return absl::OkStatus();
  }

 private:
  const TypedSchema& schema_;
  const SchemaFile& file_;
};

}  // namespace

absl::StatusOr<v1::FindManyRequest> ToFind(const TypedSchema& schema, const TypedMethod& method,
                                           const WireMessage& request) {
  Translator t(schema);
  v1::FindManyRequest out;
  *out.mutable_target() = t.Target(request);
  out.set_format(v1::FIND_FORMAT_ROWS);  // a typed answer is made of the rows only
  const TableFields& table = *method.table;
  if (method.kind != MethodKind::kGet) {
    SLUICE_RETURN_IF_ERROR(t.Query(table, request, At(), false, out.mutable_find()));
    if (method.kind == MethodKind::kFindFirst && out.find().has_limit()) {
      return InvalidField("limit", "FindFirst reads one row: no limit");
    }
    return out;
  }
  // Get: the key's columns, all of them.
  v1::Find* find = out.mutable_find();
  find->set_table(table.info->table->name());
  const WireMessage* key = SubMessage(request, "key");
  if (key == nullptr) return InvalidField("key", "the row's primary key is required");
  for (int i = 0; i < key->type()->field_count(); ++i) {
    const FieldDescriptor* f = key->type()->field(i);
    const v1::Column& column = *table.column_of_field.at(f->name());
    v1::Comparison* eq = find->mutable_where()->mutable_and_()->add_conditions()->mutable_eq();
    *eq->mutable_left() = Translator::Column(column.name());
    const Field* given = key->Find(f->name());
    Field unset;  // a key column not given: its default, as protobuf reads it
    unset.descriptor = f;
    SLUICE_ASSIGN_OR_RETURN(*eq->mutable_right()->mutable_value(),
                            t.ValueOf(given != nullptr ? *given : unset, -1, column, At(At(At(), "key"), f)));
  }
  SLUICE_RETURN_IF_ERROR(t.ColumnList(table, request, "columns", At(), find->mutable_columns()));
  if (const WireMessage* with = SubMessage(request, "with")) {
    SLUICE_RETURN_IF_ERROR(t.With(table, *with, At(At(), "with"), find));
  }
  return out;
}

std::optional<v1::SelectRequest> AsSelect(v1::FindManyRequest* request, bool first) {
  v1::Find& find = *request->mutable_find();
  if (!find.with().empty() || !find.extras().empty() || !find.exclude_columns().empty()) return std::nullopt;
  v1::SelectRequest out;
  *out.mutable_target() = std::move(*request->mutable_target());
  v1::Select* select = out.mutable_select();
  select->set_table(find.table());
  for (const std::string& c : find.columns()) *select->add_columns()->mutable_expression() = Translator::Column(c);
  if (find.has_where()) *select->mutable_where() = std::move(*find.mutable_where());
  *select->mutable_order_by() = std::move(*find.mutable_order_by());
  if (first) {
    select->set_limit(1);
  } else if (find.has_limit()) {
    select->set_limit(find.limit());
  }
  if (find.has_offset()) select->set_offset(find.offset());
  return out;
}

absl::StatusOr<v1::InsertRequest> ToInsert(const TypedSchema& schema, const TypedMethod& method,
                                           const WireMessage& request) {
  Translator t(schema);
  const TableFields& table = *method.table;
  v1::InsertRequest out;
  *out.mutable_target() = t.Target(request);
  v1::Insert* insert = out.mutable_insert();
  insert->set_table(table.info->table->name());
  const Field* rows = request.Find("rows");
  for (int i = 0; rows != nullptr && i < rows->size(); ++i) {
    SLUICE_RETURN_IF_ERROR(
        t.Values(table, rows->messages[i], At(At(), rows->descriptor, i), insert->add_rows()->mutable_values()));
  }
  if (const WireMessage* conflict = SubMessage(request, "on_conflict")) {
    v1::OnConflict* on = insert->mutable_on_conflict();
    const At at(At(), "on_conflict");
    SLUICE_RETURN_IF_ERROR(t.ColumnList(table, *conflict, "target", at, on->mutable_columns()));
    if (const WireMessage* set = SubMessage(*conflict, "set")) {
      SLUICE_RETURN_IF_ERROR(t.Values(table, *set, At(at, "set"), on->mutable_set()));
    }
    google::protobuf::RepeatedPtrField<std::string> excluded;
    SLUICE_RETURN_IF_ERROR(t.ColumnList(table, *conflict, "set_excluded", at, &excluded));
    for (const std::string& c : excluded) (*on->mutable_set_expressions())[c].set_excluded(c);
  }
  SLUICE_RETURN_IF_ERROR(t.Returning(table, request, insert->mutable_returning()));
  return out;
}

absl::StatusOr<v1::UpdateRequest> ToUpdate(const TypedSchema& schema, const TypedMethod& method,
                                           const WireMessage& request) {
  Translator t(schema);
  const TableFields& table = *method.table;
  v1::UpdateRequest out;
  *out.mutable_target() = t.Target(request);
  v1::Update* update = out.mutable_update();
  update->set_table(table.info->table->name());
  if (const WireMessage* set = SubMessage(request, "set"))
    SLUICE_RETURN_IF_ERROR(t.Values(table, *set, At(At(), "set"), update->mutable_set()));
  google::protobuf::RepeatedPtrField<std::string> nulls;
  SLUICE_RETURN_IF_ERROR(t.ColumnList(table, request, "set_null", At(), &nulls));
  for (const std::string& c : nulls) {
    if (update->set().count(c) > 0) {
      return InvalidField("set_null", absl::StrCat("column `", c, "` is in `set` too: give one"));
    }
    (*update->mutable_set())[c].set_null_value(google::protobuf::NULL_VALUE);
  }
  if (const WireMessage* where = SubMessage(request, "where")) {
    SLUICE_RETURN_IF_ERROR(t.Where(table, *where, At(At(), "where"), update->mutable_where()).status());
  }
  update->set_all_rows(Bool(request, "all_rows"));
  SLUICE_RETURN_IF_ERROR(t.Returning(table, request, update->mutable_returning()));
  return out;
}

absl::StatusOr<v1::DeleteRequest> ToDelete(const TypedSchema& schema, const TypedMethod& method,
                                           const WireMessage& request) {
  Translator t(schema);
  const TableFields& table = *method.table;
  v1::DeleteRequest out;
  *out.mutable_target() = t.Target(request);
  v1::Delete* remove = out.mutable_delete_();
  remove->set_table(table.info->table->name());
  if (const WireMessage* where = SubMessage(request, "where")) {
    SLUICE_RETURN_IF_ERROR(t.Where(table, *where, At(At(), "where"), remove->mutable_where()).status());
  }
  remove->set_all_rows(Bool(request, "all_rows"));
  SLUICE_RETURN_IF_ERROR(t.Returning(table, request, remove->mutable_returning()));
  return out;
}

absl::StatusOr<v1::SelectStreamRequest> ToStream(const TypedSchema& schema, const TypedMethod& method,
                                                 const WireMessage& request) {
  Translator t(schema);
  v1::Find find;
  SLUICE_RETURN_IF_ERROR(t.Query(*method.table, request, At(), false, &find));
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
