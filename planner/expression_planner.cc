#include "planner/expression_planner.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "planner/plan_recording.h"
#include "planner/select_planner.h"
#include "planner/value_check.h"

namespace sluice {
namespace {

bool IsText(v1::ColumnType type) {
  return type == v1::TEXT || type == v1::VARCHAR || type == v1::CHAR || type == v1::ENUM;
}

bool IsNumeric(v1::ColumnType type) {
  switch (type) {
    case v1::SMALLINT:
    case v1::INTEGER:
    case v1::BIGINT:
    case v1::TINYINT:
    case v1::MEDIUMINT:
    case v1::DECIMAL:
    case v1::REAL:
    case v1::DOUBLE:
      return true;
    default:
      return false;
  }
}

bool IsInteger(v1::ColumnType type) {
  return IsNumeric(type) && type != v1::DECIMAL && type != v1::REAL && type != v1::DOUBLE;
}

v1::Column TypeOf(v1::ColumnType type, uint32_t precision = 0, uint32_t scale = 0) {
  v1::Column column;
  column.set_type(type);
  column.set_precision(precision);
  column.set_scale(scale);
  return column;
}

// The type a value has by its kind, where no column gives it one.
absl::StatusOr<v1::Column> KindType(const v1::Value& value, const std::string& path) {
  switch (value.kind_case()) {
    case v1::Value::kIntValue:
    case v1::Value::kUintValue:
      return TypeOf(v1::BIGINT);
    case v1::Value::kDoubleValue:
      return TypeOf(v1::DOUBLE);
    case v1::Value::kStringValue:
      return TypeOf(v1::TEXT);
    case v1::Value::kBoolValue:
      return TypeOf(v1::BOOLEAN);
    case v1::Value::kDecimalValue: {
      // The digits type the expression: a plan reused only for the same decimal.
      if (PlanRecording* recording = PlanRecording::Current()) recording->Verbatim(value);
      const std::string& text = value.decimal_value();
      const size_t point = text.find('.');
      uint32_t digits = 0;
      for (char c : text) digits += std::isdigit(static_cast<unsigned char>(c)) ? 1 : 0;
      const uint32_t scale = point == std::string::npos ? 0 : static_cast<uint32_t>(text.size() - point - 1);
      return TypeOf(v1::DECIMAL, std::max<uint32_t>(digits, 1), scale);
    }
    case v1::Value::kNullValue:
      return InvalidField(path + ".null_value", "null cannot stand here: use coalesce or is_null");
    default:
      return InvalidField(path, "an int, uint, double, decimal, string or bool value is expected here");
  }
}

// The type of `a <op> b` for numbers (ADD, SUBTRACT, MULTIPLY).
v1::Column NumericResult(v1::Arithmetic::Operator op, const v1::Column& a, const v1::Column& b) {
  if (IsInteger(a.type()) && IsInteger(b.type())) return TypeOf(v1::BIGINT);
  const bool floating =
      a.type() == v1::REAL || a.type() == v1::DOUBLE || b.type() == v1::REAL || b.type() == v1::DOUBLE;
  if (floating) return TypeOf(v1::DOUBLE);
  // Exact: integers count as scale 0; the precision covers the result (capped at 38).
  const uint32_t sa = a.type() == v1::DECIMAL ? a.scale() : 0, sb = b.type() == v1::DECIMAL ? b.scale() : 0;
  const uint32_t pa = a.type() == v1::DECIMAL ? a.precision() : 19, pb = b.type() == v1::DECIMAL ? b.precision() : 19;
  const uint32_t scale = op == v1::Arithmetic::MULTIPLY ? sa + sb : std::max(sa, sb);
  const uint32_t precision = op == v1::Arithmetic::MULTIPLY ? pa + pb : std::max(pa - sa, pb - sb) + scale + 1;
  return TypeOf(v1::DECIMAL, std::min<uint32_t>(precision, 38), std::min<uint32_t>(scale, 38));
}

}  // namespace

plan::Expr ExpressionPlanner::Call(plan::Op op, std::vector<plan::Expr> args) {
  plan::Expr expr;
  expr.mutable_call()->set_op(op);
  for (auto& arg : args) *expr.mutable_call()->add_args() = std::move(arg);
  return expr;
}

plan::Expr NextValue(const SchemaIndex& schema, const std::string& name) {
  std::string namespace_name;
  for (const v1::Sequence& q : schema.schema().sequences()) {
    if (q.name() == name) namespace_name = q.namespace_();
  }
  plan::Expr ns, seq;
  ns.mutable_literal()->set_kind(plan::LITERAL_TEXT);
  ns.mutable_literal()->set_text(namespace_name);
  seq.mutable_literal()->set_kind(plan::LITERAL_TEXT);
  seq.mutable_literal()->set_text(name);
  return ExpressionPlanner::Call(plan::NEXTVAL, {std::move(ns), std::move(seq)});
}

namespace {

// Columns whose values bind as elements of an array parameter (their text forms, PostgreSQL's
// array input): not bytes, JSON, intervals or arrays.
bool BindsAsArrayElement(const v1::Column& column) {
  if (column.array()) return false;
  switch (column.type()) {
    case v1::BYTES:
    case v1::JSON:
    case v1::JSONB:
    case v1::INTERVAL:
    case v1::COLUMN_TYPE_UNSPECIFIED:
      return false;
    default:
      return true;
  }
}

}  // namespace

absl::StatusOr<uint32_t> ExpressionPlanner::BindCount(const google::protobuf::Message& owner, const char* field,
                                                      const std::string& path) {
  const google::protobuf::FieldDescriptor* descriptor = owner.GetDescriptor()->FindFieldByName(field);
  const int32_t count = owner.GetReflection()->GetInt32(owner, descriptor);
  if (count < 0) return InvalidField(path, absl::StrCat("must not be negative (got ", count, ")"));
  if (params_ == nullptr) return InvalidField(path, "limit and offset are bound parameters: not in a view's select");
  v1::Value value;
  value.set_int_value(count);
  const uint32_t param = Bind(value).param();
  if (PlanRecording* recording = PlanRecording::Current()) recording->Count(param, owner, descriptor);
  return param;
}

plan::Expr ExpressionPlanner::Bind(const v1::Value& checked) {
  plan::Expr expr;
  if (params_ == nullptr) {
    *expr.mutable_literal() = ToLiteral(checked);
  } else {
    expr.set_param(static_cast<uint32_t>(params_->size()));
    params_->push_back(checked);
  }
  return expr;
}

absl::StatusOr<plan::Expr> ExpressionPlanner::BindValue(const v1::Value& value, const v1::Column& column,
                                                        const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(v1::Value checked, CheckValue(value, column, schema_, path));
  plan::Expr bound = Bind(checked);
  PlanRecording* recording = PlanRecording::Current();
  if (recording != nullptr && bound.has_param()) recording->Value(bound.param(), value, column);
  return bound;
}

absl::StatusOr<TypedExpr> ExpressionPlanner::Column(const v1::ColumnRef& ref, const std::string& path,
                                                    bool qualify) const {
  auto names = [&] {
    std::vector<std::string> all;
    for (const ScopeTable& t : scope_) all.push_back(t.name);
    return absl::StrJoin(all, "`, `");
  };
  const ScopeTable* found = nullptr;
  const v1::Column* column = nullptr;
  if (!ref.table().empty()) {
    for (const ScopeTable& t : scope_) {
      if (t.name == ref.table()) found = &t;
    }
    if (found == nullptr) {
      if (outer_ != nullptr) {
        auto outer = outer_->Column(ref, path, true);
        if (outer.ok()) return outer;
      }
      return InvalidField(path + ".column.table",
                          absl::StrCat("unknown table `", ref.table(), "` (this statement reads `", names(), "`)"));
    }
    column = schema_.FindColumn(*found->table, ref.name());
  } else {
    for (const ScopeTable& t : scope_) {
      const v1::Column* c = schema_.FindColumn(*t.table, ref.name());
      if (c == nullptr) continue;
      if (column != nullptr) {
        return InvalidField(
            path + ".column.table",
            absl::StrCat("column `", ref.name(), "` is in more than one table (`", names(), "`): name its table"));
      }
      column = c;
      found = &t;
    }
    if (column == nullptr && outer_ != nullptr) {
      auto outer = outer_->Column(ref, path, true);
      if (outer.ok()) return outer;
    }
  }
  if (column == nullptr && scope_.empty()) {
    return InvalidField(path + ".column", "this select reads no table: it has no columns to name");
  }
  if (column == nullptr) {
    const std::string where = found ? found->name : scope_.size() == 1 ? scope_[0].name : "";
    return InvalidField(
        path + ".column.name",
        where.empty() ? absl::StrCat("no table of this statement (`", names(), "`) has a column `", ref.name(), "`")
                      : absl::StrCat("table `", where, "` has no column `", ref.name(), "`"));
  }
  if (record_) references_.emplace_back(found->name, column->name());
  TypedExpr out;
  if (qualify) out.expr.mutable_column()->set_table(found->name);
  out.expr.mutable_column()->set_name(column->name());
  out.typed = true;
  out.type = *column;
  out.table = found->name;
  return out;
}

absl::StatusOr<plan::Expr> ExpressionPlanner::Subquery(const v1::Select& select, const std::string& path,
                                                       std::vector<ResultColumn>* columns) {
  if (params_ == nullptr) return InvalidField(path, "a subquery cannot stand here");
  SelectContext context{params_, placeholders_, this, common_tables_};
  plan::Expr expr;
  SLUICE_RETURN_IF_ERROR(PlanSelectInto(schema_, select, path, context, expr.mutable_subquery(), *columns));
  return expr;
}

absl::StatusOr<TypedExpr> ExpressionPlanner::OneColumnSubquery(const v1::Select& select, const std::string& path) {
  std::vector<ResultColumn> columns;
  TypedExpr out;
  SLUICE_ASSIGN_OR_RETURN(out.expr, Subquery(select, path, &columns));
  if (columns.size() != 1) {
    return InvalidField(path + ".columns",
                        absl::StrCat("this subquery must select exactly one column; it selects ", columns.size()));
  }
  out.typed = true;
  out.type = columns[0].column;
  out.type.set_name(columns[0].name);
  out.type.set_not_null(false);  // no row: NULL
  return out;
}

absl::StatusOr<TypedExpr> ExpressionPlanner::Operand(const v1::Expression& expression, const v1::Column* type,
                                                     const std::string& path, bool allow_aggregates) {
  if (!expression.has_value() && !expression.has_param()) return Typed(expression, path, allow_aggregates);
  TypedExpr out;
  out.typed = true;
  if (type != nullptr) {
    out.type = *type;
  } else if (expression.has_param()) {
    return InvalidField(path + ".param", "a placeholder takes the type of the other side, which must not be a value");
  } else {
    SLUICE_ASSIGN_OR_RETURN(out.type, KindType(expression.value(), path + ".value"));
  }
  out.type.set_not_null(false);
  if (expression.has_value() && expression.value().has_null_value()) {
    return InvalidField(path + ".value.null_value", "null cannot stand here: use coalesce or is_null");
  }
  SLUICE_ASSIGN_OR_RETURN(out.expr, ValueOrPlaceholder(expression, out.type, path));
  return out;
}

absl::StatusOr<TypedExpr> ExpressionPlanner::Arithmetic(const v1::Arithmetic& arithmetic, const std::string& path,
                                                        bool allow_aggregates) {
  const v1::Arithmetic::Operator op = arithmetic.operator_();
  if (op == v1::Arithmetic::ARITHMETIC_OPERATOR_UNSPECIFIED)
    return InvalidField(path + ".operator", "an operator is required");
  const bool left_value = arithmetic.left().has_value() || arithmetic.left().has_param();
  const bool right_value = arithmetic.right().has_value() || arithmetic.right().has_param();
  if (left_value && right_value) {
    return InvalidField(path + ".right", "one side must be a column or an expression (values are bound parameters)");
  }
  // The side that is not a value first: a value on the other side is typed by it where it is a
  // placeholder, by its own kind where it is a value.
  TypedExpr left, right;
  if (left_value) {
    SLUICE_ASSIGN_OR_RETURN(right, Operand(arithmetic.right(), nullptr, path + ".right", allow_aggregates));
    SLUICE_ASSIGN_OR_RETURN(left, Operand(arithmetic.left(), arithmetic.left().has_param() ? &right.type : nullptr,
                                          path + ".left", allow_aggregates));
  } else {
    SLUICE_ASSIGN_OR_RETURN(left, Operand(arithmetic.left(), nullptr, path + ".left", allow_aggregates));
    SLUICE_ASSIGN_OR_RETURN(right, Operand(arithmetic.right(), arithmetic.right().has_param() ? &left.type : nullptr,
                                           path + ".right", allow_aggregates));
  }
  const std::string name = absl::AsciiStrToLower(v1::Arithmetic::Operator_Name(op));
  for (const auto& [side, spath] : {std::pair{&left, ".left"}, std::pair{&right, ".right"}}) {
    const bool ok = op == v1::Arithmetic::CONCAT   ? IsText(side->type.type())
                    : op == v1::Arithmetic::MODULO ? IsInteger(side->type.type())
                                                   : IsNumeric(side->type.type());
    if (!ok) {
      return InvalidField(path + spath, absl::StrCat(name, " needs ",
                                                     op == v1::Arithmetic::CONCAT   ? "text"
                                                     : op == v1::Arithmetic::MODULO ? "integers"
                                                                                    : "numbers",
                                                     "; this side is ", TypeLabel(side->type)));
    }
  }
  TypedExpr out;
  out.typed = true;
  plan::Op planned;
  switch (op) {
    case v1::Arithmetic::ADD:
      planned = plan::ADD;
      out.type = NumericResult(op, left.type, right.type);
      break;
    case v1::Arithmetic::SUBTRACT:
      planned = plan::SUBTRACT;
      out.type = NumericResult(op, left.type, right.type);
      break;
    case v1::Arithmetic::MULTIPLY:
      planned = plan::MULTIPLY;
      out.type = NumericResult(op, left.type, right.type);
      break;
    case v1::Arithmetic::DIVIDE:
      planned = plan::DIVIDE;
      out.type = TypeOf(v1::DOUBLE);
      break;
    case v1::Arithmetic::MODULO:
      planned = plan::MODULO;
      out.type = TypeOf(v1::BIGINT);
      break;
    case v1::Arithmetic::CONCAT:
      planned = plan::CONCAT;
      out.type = TypeOf(v1::TEXT);
      break;
    default:
      return InvalidField(path + ".operator", "unknown operator");
  }
  out.type.set_name(name);
  out.expr = Call(planned, {std::move(left.expr), std::move(right.expr)});
  return out;
}

absl::StatusOr<TypedExpr> ExpressionPlanner::Function(const v1::FunctionCall& call, const std::string& path,
                                                      bool allow_aggregates) {
  static const std::map<v1::FunctionCall::Name, plan::Op> kOps = {
      {v1::FunctionCall::LOWER, plan::LOWER}, {v1::FunctionCall::UPPER, plan::UPPER},
      {v1::FunctionCall::TRIM, plan::TRIM},   {v1::FunctionCall::LENGTH, plan::LENGTH},
      {v1::FunctionCall::ABS, plan::ABS},     {v1::FunctionCall::COALESCE, plan::COALESCE}};
  auto op = kOps.find(call.function());
  if (op == kOps.end()) return InvalidField(path + ".function", "a function is required");
  const std::string name = absl::AsciiStrToLower(v1::FunctionCall::Name_Name(call.function()));
  const bool coalesce = call.function() == v1::FunctionCall::COALESCE;
  if (coalesce ? call.args_size() < 2 : call.args_size() != 1) {
    return InvalidField(path + ".args",
                        absl::StrCat(name, coalesce ? " takes two or more arguments" : " takes one argument"));
  }
  std::vector<plan::Expr> args;
  TypedExpr first;
  for (int i = 0; i < call.args_size(); ++i) {
    const std::string apath = absl::StrCat(path, ".args[", i, "]");
    if (i == 0 && (call.args(0).has_value() || call.args(0).has_param())) {
      return InvalidField(apath, "the first argument must be a column or an expression");
    }
    SLUICE_ASSIGN_OR_RETURN(TypedExpr arg, i == 0 ? Typed(call.args(i), apath, allow_aggregates)
                                                  : Operand(call.args(i), &first.type, apath, allow_aggregates));
    if (i == 0) first = arg;
    args.push_back(std::move(arg.expr));
  }
  const v1::ColumnType type = first.type.type();
  const bool text_function = call.function() != v1::FunctionCall::ABS && !coalesce;
  if ((text_function && !IsText(type)) || (call.function() == v1::FunctionCall::ABS && !IsNumeric(type))) {
    return InvalidField(
        absl::StrCat(path, ".args[0]"),
        absl::StrCat(name, " needs ", text_function ? "text" : "a number", "; it is ", TypeLabel(first.type)));
  }
  TypedExpr out;
  out.typed = true;
  out.type = call.function() == v1::FunctionCall::LENGTH ? TypeOf(v1::BIGINT)
             : text_function                             ? TypeOf(v1::TEXT)
                                                         : first.type;
  out.type.set_not_null(false);
  out.type.set_auto_increment(false);
  out.type.set_primary_key(false);
  out.type.set_name(name);
  out.expr = Call(op->second, std::move(args));
  return out;
}

ExpressionPlanner::Level::Level(const ExpressionPlanner* planner, const std::string& path) : planner(planner) {
  if (++planner->depth_ + (planner->outer_ != nullptr ? planner->outer_->Depth() : 0) > kMaxDepth) {
    status = InvalidField(path, absl::StrCat("expressions and conditions nest at most ", kMaxDepth, " levels"));
  }
}

absl::StatusOr<TypedExpr> ExpressionPlanner::Typed(const v1::Expression& expression, const std::string& path,
                                                   bool allow_aggregates) {
  const Level level(this, path);
  SLUICE_RETURN_IF_ERROR(level.status);
  TypedExpr out;
  switch (expression.kind_case()) {
    case v1::Expression::kColumn:
      return Column(expression.column(), path, qualify_);
    case v1::Expression::kSubquery:
      return OneColumnSubquery(expression.subquery(), path + ".subquery");
    case v1::Expression::kArithmetic:
      return Arithmetic(expression.arithmetic(), path + ".arithmetic", allow_aggregates);
    case v1::Expression::kFunction:
      return Function(expression.function(), path + ".function", allow_aggregates);
    case v1::Expression::kAggregate: {
      if (!allow_aggregates) {
        return InvalidField(path + ".aggregate", "aggregates are not allowed here (use having)");
      }
      const v1::Aggregate& agg = expression.aggregate();
      const std::string apath = path + ".aggregate";
      if (agg.function() == v1::Aggregate::COUNT && !agg.has_argument()) {
        out.expr = Call(plan::COUNT_STAR, {});
        out.typed = true;
        out.type.set_name("count");
        out.type.set_type(v1::BIGINT);
        return out;
      }
      if (!agg.has_argument()) {
        return InvalidField(apath + ".argument", "this aggregate needs an argument");
      }
      SLUICE_ASSIGN_OR_RETURN(TypedExpr arg, Typed(agg.argument(), apath + ".argument", false));
      plan::Op op;
      out.typed = true;
      out.type = arg.type;
      out.type.set_not_null(false);
      out.type.set_auto_increment(false);
      switch (agg.function()) {
        case v1::Aggregate::COUNT:
        case v1::Aggregate::COUNT_DISTINCT:
          op = agg.function() == v1::Aggregate::COUNT ? plan::COUNT : plan::COUNT_DISTINCT;
          out.type = v1::Column();
          out.type.set_type(v1::BIGINT);
          break;
        case v1::Aggregate::SUM:
        case v1::Aggregate::AVG:
        case v1::Aggregate::SUM_DISTINCT:
        case v1::Aggregate::AVG_DISTINCT: {
          if (!IsNumeric(arg.type.type())) {
            return InvalidField(apath + ".argument", absl::StrCat("sum and avg need a numeric column; `",
                                                                  arg.type.name(), "` is ", TypeLabel(arg.type)));
          }
          const bool sum = agg.function() == v1::Aggregate::SUM || agg.function() == v1::Aggregate::SUM_DISTINCT;
          const bool distinct =
              agg.function() == v1::Aggregate::SUM_DISTINCT || agg.function() == v1::Aggregate::AVG_DISTINCT;
          op = sum ? (distinct ? plan::SUM_DISTINCT : plan::SUM) : (distinct ? plan::AVG_DISTINCT : plan::AVG);
          if (arg.type.type() != v1::DECIMAL) {
            // Over integers: sum is an integer; avg the exact number PostgreSQL and MySQL return
            // (numeric / DECIMAL; SQLite's REAL reads as its shortest exact text). Over floats,
            // both are doubles.
            const bool integers = IsInteger(arg.type.type());
            out.type = v1::Column();
            out.type.set_type(!integers ? v1::DOUBLE : sum ? v1::BIGINT : v1::DECIMAL);
          }
          break;
        }
        case v1::Aggregate::MIN:
          op = plan::MIN;
          break;
        case v1::Aggregate::MAX:
          op = plan::MAX;
          break;
        default:
          return InvalidField(apath + ".function", "an aggregate function is required");
      }
      out.type.set_name(absl::AsciiStrToLower(v1::Aggregate::Function_Name(agg.function())));
      out.expr = Call(op, {std::move(arg.expr)});
      return out;
    }
    case v1::Expression::kExcluded:
      return Excluded(expression.excluded(), path + ".excluded");
    case v1::Expression::kClaim: {
      const std::string& name = expression.claim();
      if (name.empty() || name.size() > 128 || !std::all_of(name.begin(), name.end(), [](char c) {
            return absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
          })) {
        return InvalidField(path + ".claim", "a claim's name: 1 to 128 letters, digits, `_`, `-` or `.`");
      }
      out.expr.set_claim(name);
      out.typed = true;
      out.type.set_name(name);
      out.type.set_type(v1::TEXT);
      return out;
    }
    case v1::Expression::kValue:
      return InvalidField(path + ".value", "a value cannot stand here; name a column");
    case v1::Expression::kParam:
      return InvalidField(path + ".param", "a placeholder stands for a value: compare a column with it");
    case v1::Expression::KIND_NOT_SET:
      break;
  }
  return InvalidField(path, "an expression is required (column, aggregate, subquery or value)");
}

absl::StatusOr<plan::Expr> ExpressionPlanner::NamedPlaceholder(const std::string& name, const v1::Column& type,
                                                               const std::string& path) {
  if (placeholders_ == nullptr || params_ == nullptr) {
    return InvalidField(path, "named placeholders belong to prepared statements (QueryService.Prepare)");
  }
  if (name.empty()) return InvalidField(path, "a placeholder needs a name");
  auto it = placeholders_->find(name);
  if (it == placeholders_->end()) {
    Placeholder placeholder;
    placeholder.param = static_cast<uint32_t>(params_->size());
    placeholder.type = type;
    params_->emplace_back();  // set at execution
    it = placeholders_->emplace(name, std::move(placeholder)).first;
  } else if (TypeLabel(it->second.type) != TypeLabel(type)) {
    return InvalidField(path, absl::StrCat("placeholder `", name, "` stands for ", TypeLabel(it->second.type),
                                           " elsewhere and for ", TypeLabel(type), " here"));
  }
  plan::Expr expr;
  expr.set_param(it->second.param);
  return expr;
}

absl::StatusOr<uint32_t> ExpressionPlanner::CountPlaceholder(const std::string& name, const std::string& path) {
  v1::Column count;
  count.set_name(name);
  count.set_type(v1::BIGINT);
  count.set_not_null(true);
  SLUICE_ASSIGN_OR_RETURN(plan::Expr expr, NamedPlaceholder(name, count, path));
  placeholders_->at(name).count = true;
  return expr.param();
}

absl::StatusOr<plan::Expr> ExpressionPlanner::ValueOrPlaceholder(const v1::Expression& expression,
                                                                 const v1::Column& type, const std::string& path) {
  if (expression.has_param()) return NamedPlaceholder(expression.param(), type, path + ".param");
  return BindValue(expression.value(), type, path + ".value");
}

absl::StatusOr<TypedExpr> ExpressionPlanner::Subject(const v1::Expression& expression, const std::string& path,
                                                     bool allow_aggregates) {
  if (expression.has_value()) {
    return InvalidField(path + ".value", "the left side must be a column (or aggregate); put the value on the right");
  }
  return Typed(expression, path, allow_aggregates);
}

absl::StatusOr<plan::Expr> ExpressionPlanner::Comparison(plan::Op op, const v1::Comparison& comparison,
                                                         const std::string& path, bool allow_aggregates) {
  SLUICE_ASSIGN_OR_RETURN(TypedExpr left, Subject(comparison.left(), path + ".left", allow_aggregates));
  const bool like = op == plan::LIKE || op == plan::NOT_LIKE || op == plan::ILIKE || op == plan::NOT_ILIKE;
  if (like && !IsText(left.type.type())) {
    return InvalidField(path + ".left",
                        absl::StrCat("like needs a text column; `", left.type.name(), "` is ", TypeLabel(left.type)));
  }
  const v1::Expression& right = comparison.right();
  plan::Expr right_expr;
  if (right.has_value() || right.has_param()) {
    if (right.value().has_null_value()) {
      return InvalidField(path + ".right.value", "comparing with null matches nothing; use is_null / is_not_null");
    }
    v1::Column type = left.type;
    if (like) {  // a pattern, not a value of the column: any text
      type = v1::Column();
      type.set_name(left.type.name());
      type.set_type(v1::TEXT);
    }
    SLUICE_ASSIGN_OR_RETURN(right_expr, ValueOrPlaceholder(right, type, path + ".right"));
  } else {
    SLUICE_ASSIGN_OR_RETURN(TypedExpr other, Typed(right, path + ".right", allow_aggregates));
    right_expr = std::move(other.expr);
  }
  return Call(op, {std::move(left.expr), std::move(right_expr)});
}

absl::StatusOr<plan::Expr> ExpressionPlanner::Condition(const v1::Condition& c, const std::string& path,
                                                        bool allow_aggregates) {
  const Level level(this, path);
  SLUICE_RETURN_IF_ERROR(level.status);
  using C = v1::Condition;
  switch (c.kind_case()) {
    case C::kAnd:
    case C::kOr: {
      const bool is_and = c.kind_case() == C::kAnd;
      const v1::ConditionList& list = is_and ? c.and_() : c.or_();
      const std::string lpath = path + (is_and ? ".and" : ".or");
      if (list.conditions().empty()) {
        return InvalidField(lpath + ".conditions", "at least one condition is required");
      }
      std::vector<plan::Expr> args;
      for (int i = 0; i < list.conditions_size(); ++i) {
        SLUICE_ASSIGN_OR_RETURN(
            plan::Expr arg,
            Condition(list.conditions(i), absl::StrCat(lpath, ".conditions[", i, "]"), allow_aggregates));
        args.push_back(std::move(arg));
      }
      return Call(is_and ? plan::AND : plan::OR, std::move(args));
    }
    case C::kNot: {
      SLUICE_ASSIGN_OR_RETURN(plan::Expr arg, Condition(c.not_(), path + ".not", allow_aggregates));
      return Call(plan::NOT, {std::move(arg)});
    }
    case C::kEq:
      return Comparison(plan::EQ, c.eq(), path + ".eq", allow_aggregates);
    case C::kNe:
      return Comparison(plan::NE, c.ne(), path + ".ne", allow_aggregates);
    case C::kGt:
      return Comparison(plan::GT, c.gt(), path + ".gt", allow_aggregates);
    case C::kGte:
      return Comparison(plan::GTE, c.gte(), path + ".gte", allow_aggregates);
    case C::kLt:
      return Comparison(plan::LT, c.lt(), path + ".lt", allow_aggregates);
    case C::kLte:
      return Comparison(plan::LTE, c.lte(), path + ".lte", allow_aggregates);
    case C::kLike:
      return Comparison(plan::LIKE, c.like(), path + ".like", allow_aggregates);
    case C::kNotLike:
      return Comparison(plan::NOT_LIKE, c.not_like(), path + ".not_like", allow_aggregates);
    case C::kIlike:
      return Comparison(plan::ILIKE, c.ilike(), path + ".ilike", allow_aggregates);
    case C::kArrayContains:
    case C::kArrayOverlaps: {
      const bool contains = c.kind_case() == C::kArrayContains;
      const v1::Comparison& cmp = contains ? c.array_contains() : c.array_overlaps();
      const std::string apath = path + (contains ? ".array_contains" : ".array_overlaps");
      SLUICE_ASSIGN_OR_RETURN(TypedExpr left, Subject(cmp.left(), apath + ".left", false));
      if (!left.type.array()) {
        return InvalidField(apath + ".left", absl::StrCat("`", left.type.name(), "` is ", TypeLabel(left.type),
                                                          ", not an array column"));
      }
      if (!cmp.right().has_value() && !cmp.right().has_param()) {
        return InvalidField(apath + ".right", "a list_value (or a placeholder) is required");
      }
      SLUICE_ASSIGN_OR_RETURN(plan::Expr right, ValueOrPlaceholder(cmp.right(), left.type, apath + ".right"));
      return Call(contains ? plan::ARRAY_CONTAINS : plan::ARRAY_OVERLAPS, {std::move(left.expr), std::move(right)});
    }
    case C::kNotIlike:
      return Comparison(plan::NOT_ILIKE, c.not_ilike(), path + ".not_ilike", allow_aggregates);
    case C::kIn:
    case C::kNotIn: {
      const bool in = c.kind_case() == C::kIn;
      const v1::InList& list = in ? c.in() : c.not_in();
      const std::string lpath = path + (in ? ".in" : ".not_in");
      SLUICE_ASSIGN_OR_RETURN(TypedExpr left, Subject(list.left(), lpath + ".left", allow_aggregates));
      std::vector<plan::Expr> args{std::move(left.expr)};
      if (list.has_subquery()) {
        if (!list.values().empty()) return InvalidField(lpath + ".values", "give values or a subquery, not both");
        SLUICE_ASSIGN_OR_RETURN(TypedExpr sub, OneColumnSubquery(list.subquery(), lpath + ".subquery"));
        args.push_back(std::move(sub.expr));
        return Call(in ? plan::IN : plan::NOT_IN, std::move(args));
      }
      if (list.values().empty()) {  // as in Drizzle: `in []` matches no row, `not_in []` every row
        plan::Expr constant;
        constant.mutable_literal()->set_kind(plan::LITERAL_BOOL);
        constant.mutable_literal()->set_int_value(in ? 0 : 1);
        return constant;
      }
      // Values only (no placeholder, no expression): the same values as one array too.
      v1::Value array;
      std::vector<uint32_t> elements;
      bool values_only = params_ != nullptr;
      for (int i = 0; i < list.values_size(); ++i) {
        const std::string vpath = absl::StrCat(lpath, ".values[", i, "]");
        const v1::Expression& v = list.values(i);
        if (v.has_param()) {
          SLUICE_ASSIGN_OR_RETURN(plan::Expr bound, ValueOrPlaceholder(v, left.type, vpath));
          args.push_back(std::move(bound));
          values_only = false;
          continue;
        }
        if (!v.has_value()) {
          SLUICE_ASSIGN_OR_RETURN(TypedExpr other, Typed(v, vpath, allow_aggregates));
          args.push_back(std::move(other.expr));
          values_only = false;
          continue;
        }
        if (v.value().has_null_value()) {
          return InvalidField(vpath + ".value", "null never matches in a list; use is_null");
        }
        SLUICE_ASSIGN_OR_RETURN(plan::Expr bound, BindValue(v.value(), left.type, vpath + ".value"));
        if (values_only) {
          *array.mutable_list_value()->add_values() = (*params_)[bound.param()];
          elements.push_back(bound.param());
        }
        args.push_back(std::move(bound));
      }
      plan::Expr call = Call(in ? plan::IN : plan::NOT_IN, std::move(args));
      if (values_only && list.values_size() >= 2 && BindsAsArrayElement(left.type)) {
        const uint32_t param = Bind(array).param();
        call.mutable_call()->set_array_param(param + 1);
        if (PlanRecording* recording = PlanRecording::Current()) recording->Array(param, std::move(elements));
      }
      return call;
    }
    case C::kIsNull:
    case C::kIsNotNull: {
      const bool is_null = c.kind_case() == C::kIsNull;
      SLUICE_ASSIGN_OR_RETURN(TypedExpr subject,
                              Subject(is_null ? c.is_null() : c.is_not_null(),
                                      path + (is_null ? ".is_null" : ".is_not_null"), allow_aggregates));
      return Call(is_null ? plan::IS_NULL : plan::IS_NOT_NULL, {std::move(subject.expr)});
    }
    case C::kBetween:
    case C::kNotBetween: {
      const bool between = c.kind_case() == C::kBetween;
      const v1::Between& b = between ? c.between() : c.not_between();
      const std::string bpath = path + (between ? ".between" : ".not_between");
      SLUICE_ASSIGN_OR_RETURN(TypedExpr left, Subject(b.left(), bpath + ".left", allow_aggregates));
      std::vector<plan::Expr> args{std::move(left.expr)};
      for (const auto& [bound, name] : {std::pair{&b.low(), "low"}, std::pair{&b.high(), "high"}}) {
        const std::string vpath = bpath + "." + name;
        if (bound->has_param()) {
          SLUICE_ASSIGN_OR_RETURN(plan::Expr e, ValueOrPlaceholder(*bound, left.type, vpath));
          args.push_back(std::move(e));
        } else if (bound->has_value()) {
          if (bound->value().has_null_value()) {
            return InvalidField(vpath + ".value", "a bound of between cannot be null");
          }
          SLUICE_ASSIGN_OR_RETURN(plan::Expr e, BindValue(bound->value(), left.type, vpath + ".value"));
          args.push_back(std::move(e));
        } else {
          SLUICE_ASSIGN_OR_RETURN(TypedExpr e, Typed(*bound, vpath, allow_aggregates));
          args.push_back(std::move(e.expr));
        }
      }
      return Call(between ? plan::BETWEEN : plan::NOT_BETWEEN, std::move(args));
    }
    case C::kExists:
    case C::kNotExists: {
      const bool exists = c.kind_case() == C::kExists;
      std::vector<ResultColumn> columns;
      SLUICE_ASSIGN_OR_RETURN(plan::Expr sub, Subquery(exists ? c.exists() : c.not_exists(),
                                                       path + (exists ? ".exists" : ".not_exists"), &columns));
      return Call(exists ? plan::EXISTS : plan::NOT_EXISTS, {std::move(sub)});
    }
    case C::kRelated:
      return Related(c.related(), path + ".related");
    case C::KIND_NOT_SET:
      break;
  }
  return InvalidField(path, "a condition is required (eq, and, or, in, exists, is_null, ...)");
}

absl::StatusOr<TypedExpr> ExpressionPlanner::Excluded(const std::string& name, const std::string& path) const {
  const ExpressionPlanner* upsert = this;
  while (upsert != nullptr && upsert->excluded_ == nullptr) upsert = upsert->outer_;
  if (upsert == nullptr) {
    return InvalidField(path, "`excluded` names the row an upsert proposed: only in insert.on_conflict");
  }
  const v1::Column* column = schema_.FindColumn(*upsert->excluded_, name);
  if (column == nullptr) {
    return InvalidField(path,
                        absl::StrCat("table `", upsert->excluded_->table->name(), "` has no column `", name, "`"));
  }
  TypedExpr out;
  out.expr.set_excluded(column->name());
  out.typed = true;
  out.type = *column;
  return out;
}

}  // namespace sluice
