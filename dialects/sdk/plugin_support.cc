#include "dialects/sdk/plugin_support.h"

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "dialects/sdk/sql_renderer.h"

namespace sluice::sdk {
namespace {

void Copy(absl::string_view from, char* to, size_t capacity) {
  size_t n = std::min(from.size(), capacity - 1);
  std::memcpy(to, from.data(), n);
  to[n] = '\0';
}

// The plugin-owned storage behind a sluice_sql.
struct OwnedSql : sluice_sql {
  std::string text;
  std::vector<uint32_t> params;
};

}  // namespace

int32_t SetError(sluice_error* err, int32_t code, absl::string_view message, absl::string_view sqlstate,
                 absl::string_view constraint) {
  if (err != nullptr) {
    err->code = code;
    Copy(message, err->message, sizeof(err->message));
    Copy(sqlstate, err->sqlstate, sizeof(err->sqlstate));
    Copy(constraint, err->constraint_name, sizeof(err->constraint_name));
  }
  return code;
}

int32_t SetReason(sluice_error* err, int32_t code, absl::string_view reason) {
  if (err != nullptr) Copy(reason, err->reason, sizeof(err->reason));
  return code;
}

int32_t SetError(sluice_error* err, const absl::Status& status) {
  if (status.ok()) return SLUICE_STATUS_OK;
  return SetError(err, static_cast<int32_t>(status.code()), status.message());
}

int32_t CompilePlan(const SqlDialect& dialect, const void* plan_bytes, size_t plan_size, sluice_sql** out,
                    sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    plan::Plan plan;
    // The host bounds nesting (expressions 32 levels, relations 16): deeper than protobuf's
    // default of 100 messages, so the limit here is the host's, not protobuf's.
    const auto parse = [&] {
      google::protobuf::io::CodedInputStream input(static_cast<const uint8_t*>(plan_bytes),
                                                   static_cast<int>(plan_size));
      input.SetRecursionLimit(4096);
      return plan.ParseFromCodedStream(&input) && input.ConsumedEntireMessage();
    };
    if (plan_bytes == nullptr || out == nullptr || !parse()) {
      return SetError(err, SLUICE_STATUS_INVALID_ARGUMENT,
                      absl::StrCat("dialect ", dialect.name(), ": the plan does not parse"));
    }
    auto rendered = RenderPlan(dialect, plan);
    if (!rendered.ok()) return SetError(err, rendered.status());
    if (const size_t n = rendered->param_index.size(); n > dialect.max_params()) {
      SetError(err, SLUICE_STATUS_INVALID_ARGUMENT,
               absl::StrCat("the statement binds ", n, " values; dialect ", dialect.name(), " binds at most ",
                            dialect.max_params(), " in one statement (fewer rows per insert, or a subquery ",
                            "instead of a long IN list)"));
      return SetReason(err, SLUICE_STATUS_INVALID_ARGUMENT, SLUICE_REASON_TOO_MANY_PARAMETERS);
    }
    auto* owned = new OwnedSql();
    owned->text = std::move(rendered->sql);
    owned->params = std::move(rendered->param_index);
    owned->sql = owned->text.c_str();
    owned->sql_size = owned->text.size();
    owned->param_index = owned->params.data();
    owned->param_count = owned->params.size();
    *out = owned;
    return SLUICE_STATUS_OK;
  });
}

void FreeSql(sluice_sql* sql) { delete static_cast<OwnedSql*>(sql); }

int32_t ReturnCatalog(const plan::Catalog& catalog, void** out, size_t* out_size, sluice_error* err) {
  std::string bytes = catalog.SerializeAsString();
  char* buffer = static_cast<char*>(std::malloc(bytes.size() + 1));
  if (buffer == nullptr) return SetError(err, SLUICE_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  std::memcpy(buffer, bytes.data(), bytes.size());
  *out = buffer;
  *out_size = bytes.size();
  return SLUICE_STATUS_OK;
}

void FreeBuffer(void* buffer) { std::free(buffer); }

std::optional<plan::Literal> LiteralFromSql(absl::string_view sql) {
  plan::Literal literal;
  if (sql.size() >= 2 && sql.front() == '\'' && sql.back() == '\'') {
    std::string text;
    for (size_t i = 1; i + 1 < sql.size(); ++i) {
      if (sql[i] == '\'') {
        if (sql[i + 1] != '\'' || i + 2 >= sql.size()) return std::nullopt;  // not one string
        ++i;
      }
      text += sql[i];
    }
    literal.set_kind(plan::LITERAL_TEXT);
    literal.set_text(text);
    return literal;
  }
  const std::string lower = absl::AsciiStrToLower(sql);
  if (lower == "true" || lower == "false") {
    literal.set_kind(plan::LITERAL_BOOL);
    literal.set_int_value(lower == "true" ? 1 : 0);
    return literal;
  }
  int64_t i;
  if (absl::SimpleAtoi(sql, &i)) {
    literal.set_kind(plan::LITERAL_INT64);
    literal.set_int_value(i);
    return literal;
  }
  const bool number = !sql.empty() && std::all_of(sql.begin(), sql.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+';
  });
  if (number) {
    literal.set_kind(plan::LITERAL_DECIMAL);
    literal.set_text(std::string(sql));
    return literal;
  }
  return std::nullopt;
}

}  // namespace sluice::sdk
