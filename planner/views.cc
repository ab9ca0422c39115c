#include "planner/views.h"

#include <algorithm>
#include <set>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "planner/select_planner.h"

namespace sluice {

absl::StatusOr<std::vector<ResultColumn>> PlanViewSelect(const SchemaIndex& schema, const v1::View& view,
                                                         const std::string& path, plan::Select* out) {
  // No parameters: the values are written into the view's SQL as literals.
  const SelectContext literals{nullptr, nullptr, nullptr, {}};
  std::vector<ResultColumn> columns;
  SLUICE_RETURN_IF_ERROR(PlanSelectInto(schema, view.select(), path, literals, out, columns));
  return columns;
}

absl::StatusOr<v1::Schema> ResolveViews(const v1::Schema& schema, const std::string& path) {
  v1::Schema out = schema;
  std::vector<FieldViolation> violations;
  std::set<int> pending;
  for (int i = 0; i < out.views_size(); ++i) {
    const v1::View& view = out.views(i);
    const std::string vpath = absl::StrCat(path, ".views[", i, "]");
    if (view.has_select() == !view.sql().empty()) {
      violations.push_back({vpath + ".select", "a view is defined by `select` or by `sql` (one of them)"});
    } else if (!view.sql().empty() && view.columns().empty()) {
      violations.push_back({vpath + ".columns", "a view defined by SQL text declares its columns"});
    } else if (view.has_select()) {
      pending.insert(i);
    }
  }
  if (!violations.empty()) return InvalidFields(violations);
  // Views over views: each pass resolves those whose sources are known; what is left after a pass
  // that resolved nothing has its own error (an unknown source, a cycle, a mistake in the select).
  while (!pending.empty()) {
    const SchemaIndex index(out);
    std::map<int, absl::Status> failed;
    std::set<int> resolved;
    for (int i : pending) {
      plan::Select planned;
      auto columns = PlanViewSelect(index, out.views(i), absl::StrCat(path, ".views[", i, "].select"), &planned);
      if (!columns.ok()) {
        failed[i] = columns.status();
        continue;
      }
      DerivedTable derived;
      SLUICE_RETURN_IF_ERROR(
          DeriveTable(out.views(i).name(), *columns, absl::StrCat(path, ".views[", i, "].select.columns"), derived));
      // Columns given beside a select (a schema read back from GetSchema) must be the derived ones.
      const auto& given = out.views(i).columns();
      const bool same = std::equal(
          given.begin(), given.end(), derived.table.columns().begin(), derived.table.columns().end(),
          [](const v1::Column& a, const v1::Column& b) { return a.SerializeAsString() == b.SerializeAsString(); });
      if (!given.empty() && !same) {
        return InvalidField(absl::StrCat(path, ".views[", i, "].columns"),
                            "a view's columns come from its select: leave them out (these differ)");
      }
      *out.mutable_views(i)->mutable_columns() = derived.table.columns();
      resolved.insert(i);
    }
    if (resolved.empty()) {
      for (const auto& [i, status] : failed) {
        std::vector<FieldViolation> these = FieldViolations(status);
        if (these.empty())
          these.push_back({absl::StrCat(path, ".views[", i, "].select"), std::string(status.message())});
        violations.insert(violations.end(), these.begin(), these.end());
      }
      return InvalidFields(violations);
    }
    for (int i : resolved) pending.erase(i);
  }
  return out;
}

namespace {

// The names of the tables and views `select` reads, at any depth (joins, WITH tables, set
// branches, subqueries in its expressions).
void Sources(const plan::Select& select, std::set<std::string>* out);

void Sources(const plan::Expr& expr, std::set<std::string>* out) {
  switch (expr.kind_case()) {
    case plan::Expr::kSubquery:
      Sources(expr.subquery(), out);
      break;
    case plan::Expr::kNested:
      Sources(expr.nested().select(), out);
      break;
    case plan::Expr::kCall:
      for (const plan::Expr& arg : expr.call().args()) Sources(arg, out);
      break;
    default:
      break;
  }
}

void Sources(const plan::Select& select, std::set<std::string>* out) {
  if (select.has_from()) out->insert(select.from().name());
  for (const plan::SelectItem& item : select.items()) Sources(item.expr(), out);
  Sources(select.where(), out);
  Sources(select.having(), out);
  for (const plan::OrderItem& order : select.order_by()) Sources(order.expr(), out);
  for (const plan::Expr& e : select.group_by()) Sources(e, out);
  for (const plan::Expr& e : select.distinct_on()) Sources(e, out);
  for (const plan::Join& join : select.joins()) {
    if (join.has_table()) out->insert(join.table().name());
    if (join.has_subquery()) Sources(join.subquery(), out);
    Sources(join.on(), out);
  }
  for (const plan::SetBranch& branch : select.set_branches()) Sources(branch.select(), out);
  for (const plan::CommonTable& cte : select.with()) Sources(cte.select(), out);
}

}  // namespace

std::vector<plan::Plan> PlanCreateView(const SchemaIndex& schema, const v1::View& view) {
  std::vector<plan::Plan> plans(2);
  plan::CreateView* create = plans[0].mutable_create_view();
  create->mutable_view()->set_namespace_(view.namespace_());
  create->mutable_view()->set_name(view.name());
  create->set_materialized(view.materialized());
  if (view.sql().empty()) {
    // Registered, so its select plans.
    PlanViewSelect(schema, view, "select", create->mutable_select()).IgnoreError();
  } else {
    create->set_sql(view.sql());
  }
  *plans[1].mutable_create_view() = *create;
  plans[1].mutable_create_view()->set_comment(ViewFingerprint(*create));
  plans[1].mutable_create_view()->set_comment_only(true);
  v1::Table table;  // the view's indexes, as a table's
  table.set_name(view.name());
  table.set_namespace_(view.namespace_());
  *table.mutable_indexes() = view.indexes();
  for (plan::Plan& p : PlanCreateIndexes(schema, table, false)) plans.push_back(std::move(p));
  return plans;
}

std::string ViewFingerprint(const plan::CreateView& create) {
  plan::CreateView definition = create;
  definition.clear_comment();
  definition.clear_comment_only();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    definition.SerializeToCodedStream(&coded);
  }
  return "sluice:" + Sha256Hex(bytes).substr(0, 32);
}

std::set<std::string> ViewSources(const SchemaIndex& schema, const v1::View& view) {
  std::set<std::string> out;
  if (!view.sql().empty()) return out;
  plan::Select select;
  if (PlanViewSelect(schema, view, "select", &select).ok()) Sources(select, &out);
  return out;
}

}  // namespace sluice
