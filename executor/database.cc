#include "executor/database.h"

#include <regex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"

namespace sluice {

Database::Database(std::string name, std::string url, std::shared_ptr<DialectPlugin> dialect, PoolOptions options)
    : name_(std::move(name)), url_(std::move(url)), dialect_(std::move(dialect)), pool_(dialect_, url_, options) {}

std::string RedactUrl(const std::string& url) {
  static const std::regex kPassword("(://[^:/@]*:)[^@]*@");
  return std::regex_replace(url, kPassword, "$1***@");
}

absl::StatusOr<std::shared_ptr<const CompiledSql>> Database::Compile(const plan::Plan& plan) {
  std::string key;
  plan.SerializeToString(&key);
  {
    absl::MutexLock lock(&mu_);
    auto it = compiled_.find(key);
    if (it != compiled_.end()) return it->second;
  }
  auto compiled = dialect_->Compile(plan);
  if (!compiled.ok()) return compiled.status();
  auto shared = std::make_shared<const CompiledSql>(*std::move(compiled));
  absl::MutexLock lock(&mu_);
  if (compiled_.size() >= kCompileCacheSize) compiled_.clear();
  compiled_.emplace(std::move(key), shared);
  return shared;
}

absl::StatusOr<std::unique_ptr<Databases>> Databases::Open(const std::vector<std::string>& specs,
                                                           const PluginRegistry& plugins, PoolOptions options) {
  auto out = std::make_unique<Databases>();
  for (const std::string& spec : specs) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--database `", spec, "`: expected NAME=URL (e.g. default=sqlite:sluice.db)"));
    }
    std::string name = spec.substr(0, eq), url = spec.substr(eq + 1);
    const size_t colon = url.find(':');
    if (colon == std::string::npos || colon == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--database ", name, ": the URL needs a scheme (sqlite:, postgres://, mysql://)"));
    }
    auto dialect = plugins.ForScheme(url.substr(0, colon));
    if (!dialect.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--database ", name, ": ", dialect.status().message()));
    }
    if (out->databases_.count(name)) {
      return absl::InvalidArgumentError(absl::StrCat("--database ", name, " is configured twice"));
    }
    out->databases_[name] = std::make_unique<Database>(name, url, *std::move(dialect), options);
  }
  return out;
}

absl::StatusOr<Database*> Databases::Find(const std::string& name) const {
  const std::string& key = name.empty() ? std::string("default") : name;
  auto it = databases_.find(key);
  if (it != databases_.end()) return it->second.get();
  std::vector<std::string> names;
  for (const auto& [n, db] : databases_) names.push_back(n);
  return WithErrorInfo(
      absl::NotFoundError(absl::StrCat("no database `", key, "` is configured (", absl::StrJoin(names, ", "), ")")),
      "DATABASE_NOT_FOUND", {{"database", key}});
}

}  // namespace sluice
