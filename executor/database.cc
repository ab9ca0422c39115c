#include "executor/database.h"

#include <regex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/log.h"

namespace sluice {

Database::Database(std::string name, std::string url, std::shared_ptr<DialectPlugin> dialect, PoolOptions options)
    : name_(std::move(name)), url_(std::move(url)), dialect_(std::move(dialect)), pool_(dialect_, url_, options) {}

Replica::Replica(std::string url, std::shared_ptr<DialectPlugin> dialect, PoolOptions options)
    : url_(std::move(url)), pool_(std::move(dialect), url_, options) {}

bool Replica::Available(absl::Time now) const {
  absl::MutexLock lock(&mu_);
  return now >= retry_at_;
}

bool Replica::up() const {
  absl::MutexLock lock(&mu_);
  return failures_ == 0;
}

void Replica::Failed(const absl::Status& why) {
  absl::Duration backoff;
  {
    absl::MutexLock lock(&mu_);
    backoff = std::min(absl::Seconds(30), absl::Seconds(1 << std::min(failures_, 5)));
    ++failures_;
    retry_at_ = absl::Now() + backoff;
  }
  Log("warning", "replica left out of reads",
      {{"url", display_url()}, {"retry_in", absl::FormatDuration(backoff)}, {"error", std::string(why.message())}});
}

void Replica::Answered() {
  reads_.fetch_add(1, std::memory_order_relaxed);
  int failures;
  {
    absl::MutexLock lock(&mu_);
    failures = failures_;
    failures_ = 0;
    retry_at_ = absl::InfinitePast();
  }
  if (failures > 0) Log("info", "replica back in reads", {{"url", display_url()}});
}

void Database::AddReplica(std::string url, PoolOptions options) {
  replicas_.push_back(std::make_unique<Replica>(std::move(url), dialect_, options));
}

std::vector<Replica*> Database::ReadReplicas(bool take_turn) {
  std::vector<Replica*> order;
  if (replicas_.empty()) return order;
  const absl::Time now = absl::Now();
  const size_t first = (take_turn ? next_replica_.fetch_add(1, std::memory_order_relaxed)
                                  : next_replica_.load(std::memory_order_relaxed)) %
                       replicas_.size();
  for (size_t i = 0; i < replicas_.size(); ++i) {
    Replica* replica = replicas_[(first + i) % replicas_.size()].get();
    if (replica->Available(now)) order.push_back(replica);
  }
  return order;
}

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

absl::StatusOr<std::shared_ptr<const CompiledSql>> Database::Compile(const PlannedStatement& statement) {
  const std::shared_ptr<const plan::Plan>& shared = statement.shared_plan;
  if (shared == nullptr) return Compile(statement.plan);
  {
    absl::MutexLock lock(&mu_);
    auto it = shared_compiled_.find(shared.get());
    if (it != shared_compiled_.end() && it->second.plan.lock() == shared) return it->second.sql;
  }
  auto sql = Compile(*shared);
  if (!sql.ok()) return sql.status();
  absl::MutexLock lock(&mu_);
  if (shared_compiled_.size() >= kCompileCacheSize) shared_compiled_.clear();
  shared_compiled_[shared.get()] = {shared, *sql};
  return sql;
}

absl::StatusOr<std::unique_ptr<Databases>> Databases::Open(const std::vector<std::string>& specs,
                                                           const PluginRegistry& plugins, PoolOptions options,
                                                           const std::vector<std::string>& replica_specs) {
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
  for (const std::string& spec : replica_specs) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--replica `", spec, "`: expected NAME=URL[,URL...] (e.g. main=postgres://reader@replica:5432/app)"));
    }
    const std::string name = spec.substr(0, eq);
    auto it = out->databases_.find(name);
    if (it == out->databases_.end()) {
      std::vector<std::string> names;
      for (const auto& [n, db] : out->databases_) names.push_back(n);
      return absl::InvalidArgumentError(absl::StrCat("--replica ", name, ": no --database ", name, " is configured (",
                                                     absl::StrJoin(names, ", "), ")"));
    }
    Database& db = *it->second;
    const std::string scheme = db.scheme();
    if (db.dialect().name() == "sqlite") {
      return absl::InvalidArgumentError(
          absl::StrCat("--replica ", name, ": database ", name, " is SQLite, a file: it has no replicas"));
    }
    // URLs split at a comma that starts the next URL (a libpq URL may hold commas of its own).
    const std::string urls = spec.substr(eq + 1);
    size_t start = 0;
    while (start < urls.size()) {
      size_t end = urls.find(',', start);
      while (end != std::string::npos && urls.compare(end + 1, scheme.size() + 1, scheme + ":") != 0) {
        end = urls.find(',', end + 1);
      }
      const std::string url = urls.substr(start, end == std::string::npos ? std::string::npos : end - start);
      start = end == std::string::npos ? urls.size() : end + 1;
      auto dialect = plugins.ForScheme(UrlScheme(url));
      if (!dialect.ok() || (*dialect)->name() != db.dialect().name()) {
        return absl::InvalidArgumentError(absl::StrCat("--replica ", name, ": `", RedactUrl(url),
                                                       "` is not a URL of database ", name, "'s dialect (",
                                                       db.dialect().name(), ")"));
      }
      db.AddReplica(url, options);
    }
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
