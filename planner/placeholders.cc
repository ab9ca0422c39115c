// Binding the named placeholders of a prepared statement.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "planner/planner.h"
#include "planner/value_check.h"

namespace sluice {
namespace {

absl::Status Fill(PlannedStatement& statement, const google::protobuf::Map<std::string, v1::Value>& values,
                  const SchemaIndex& schema) {
  for (const auto& [name, placeholder] : statement.placeholders) {
    const std::string path = absl::StrCat("params[\"", name, "\"]");
    auto it = values.find(name);
    if (it == values.end()) return InvalidField(path, absl::StrCat("placeholder `", name, "` needs a value"));
    if (it->second.has_null_value()) {
      return InvalidField(path, "comparing with null matches nothing; use is_null / is_not_null");
    }
    SLUICE_ASSIGN_OR_RETURN(statement.params[placeholder.param],
                            CheckValue(it->second, placeholder.type, schema, path));
    if (placeholder.count && statement.params[placeholder.param].int_value() < 0) {
      return InvalidField(path, absl::StrCat("a limit or offset must not be negative (got ",
                                             statement.params[placeholder.param].int_value(), ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PlannedStatement> BindPlaceholders(const PlannedStatement& prepared,
                                                  const google::protobuf::Map<std::string, v1::Value>& values,
                                                  const SchemaIndex& schema) {
  for (const auto& [name, value] : values) {
    if (!prepared.placeholders.count(name)) {
      return InvalidField(absl::StrCat("params[\"", name, "\"]"),
                          absl::StrCat("the statement has no placeholder `", name, "`"));
    }
  }
  PlannedStatement bound = prepared;
  SLUICE_RETURN_IF_ERROR(Fill(bound, values, schema));
  if (prepared.returning_fallback) {
    auto fallback = std::make_shared<ReturningFallback>(*prepared.returning_fallback);
    fallback->update.params = bound.params;
    std::copy(bound.params.begin(), bound.params.end(), fallback->reread.params.begin());
    SLUICE_RETURN_IF_ERROR(Fill(fallback->lock_keys, values, schema));
    bound.returning_fallback = std::move(fallback);
  }
  return bound;
}

}  // namespace sluice
