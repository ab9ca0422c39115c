#include "dialects/sqlite/sqlite_dialect.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"

namespace sluice::sqlite {

size_t SqliteDialect::max_params() const {
  static const size_t limit = [] {
    sqlite3* db = nullptr;
    int n = 32766;  // SQLite's default since 3.32
    if (sqlite3_open(":memory:", &db) == SQLITE_OK) n = sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
    sqlite3_close(db);
    return static_cast<size_t>(n);
  }();
  return limit;
}

// Declared type names keep the schema's words where SQLite's type affinity stays right:
// NUMERIC(p,s) compares as a number (exact to 15 significant digits, SQLite's limit), dates and
// times are ISO-8601 text, and JSON / UUID / enums use TEXT so that no value is coerced.
absl::StatusOr<std::string> SqliteDialect::TypeName(const plan::Type& type) const {
  if (type.array()) {
    return absl::UnimplementedError("dialect sqlite does not support array columns");
  }
  switch (type.kind()) {
    case plan::SMALLINT:
      return std::string("SMALLINT");
    case plan::INTEGER:
      return std::string("INTEGER");
    case plan::BIGINT:
      return std::string("BIGINT");
    case plan::TINYINT:
      return std::string("TINYINT");
    case plan::MEDIUMINT:
      return std::string("MEDIUMINT");
    case plan::BOOLEAN:
      return std::string("BOOLEAN");
    case plan::TEXT:
      return std::string("TEXT");
    case plan::VARCHAR:
      return absl::StrCat("VARCHAR(", type.length(), ")");
    case plan::CHAR:
      return absl::StrCat("CHAR(", type.length(), ")");
    case plan::DECIMAL:
      return type.precision() > 0 ? absl::StrCat("NUMERIC(", type.precision(), ", ", type.scale(), ")")
                                  : std::string("NUMERIC");
    case plan::REAL:
      return std::string("REAL");
    case plan::DOUBLE:
      return std::string("DOUBLE");
    case plan::DATE:
      return std::string("DATE");
    case plan::TIME:
      return std::string("TIME");
    case plan::TIMESTAMP:
      return std::string("TIMESTAMP");
    case plan::TIMESTAMPTZ:
      return std::string("TIMESTAMPTZ");
    case plan::JSON:
    case plan::JSONB:
    case plan::UUID:
    case plan::ENUM:
      return std::string("TEXT");
    case plan::BYTES:
      return std::string("BLOB");
    case plan::INTERVAL:
      return absl::UnimplementedError("dialect sqlite does not support INTERVAL columns");
    default:
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat("malformed plan: type kind ", type.kind()));
}

absl::Status SqliteDialect::AutoIncrement(const plan::ColumnDef& column, std::string* type, std::string* suffix,
                                          bool* primary_key_written) const {
  if (!column.primary_key()) {
    return absl::UnimplementedError(absl::StrCat(
        "dialect sqlite supports auto_increment only on a single-column primary key (column `", column.name(), "`)"));
  }
  // Only `INTEGER PRIMARY KEY` is an alias of the rowid.
  *type = "INTEGER";
  *suffix = " PRIMARY KEY AUTOINCREMENT";
  *primary_key_written = true;
  return absl::OkStatus();
}

absl::StatusOr<std::string> SqliteDialect::Function(plan::Op op) const {
  switch (op) {
    case plan::NOW:
      return std::string("strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
    case plan::CURRENT_DATE:
      return std::string("date('now')");
    case plan::RANDOM_UUID:
      // A version 4 UUID from 16 random bytes.
      return std::string(
          "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || "
          "substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
          "substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))");
    default:
      return sdk::SqlDialect::Function(op);
  }
}

}  // namespace sluice::sqlite
