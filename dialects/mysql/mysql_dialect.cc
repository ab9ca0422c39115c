#include "dialects/mysql/mysql_dialect.h"

#include "absl/strings/str_cat.h"

namespace sluice::mysql {

absl::StatusOr<std::string> MysqlDialect::TypeName(const plan::Type& type) const {
  if (type.array()) return absl::UnimplementedError("dialect mysql does not support array columns");
  std::string name;
  switch (type.kind()) {
    case plan::TINYINT:
      name = "tinyint";
      break;
    case plan::SMALLINT:
      name = "smallint";
      break;
    case plan::MEDIUMINT:
      name = "mediumint";
      break;
    case plan::INTEGER:
      name = "int";
      break;
    case plan::BIGINT:
      name = "bigint";
      break;
    case plan::BOOLEAN:
      return std::string("boolean");
    case plan::TEXT:
      return std::string("longtext");
    case plan::VARCHAR:
      return absl::StrCat("varchar(", type.length(), ")");
    case plan::CHAR:
      return absl::StrCat("char(", type.length(), ")");
    case plan::DECIMAL:
      name = type.precision() > 0 ? absl::StrCat("decimal(", type.precision(), ", ", type.scale(), ")")
                                  : "decimal(65, 30)";
      break;
    case plan::REAL:
      name = "float";
      break;
    case plan::DOUBLE:
      name = "double";
      break;
    case plan::DATE:
      return std::string("date");
    case plan::TIME:
      return std::string("time(6)");
    case plan::TIMESTAMP:
      return std::string("datetime(6)");
    case plan::TIMESTAMPTZ:
      return std::string("timestamp(6)");  // stored in UTC
    case plan::JSON:
    case plan::JSONB:
      return std::string("json");
    case plan::UUID:
      return std::string("uuid");
    case plan::BYTES:
      return type.length() > 0 ? absl::StrCat("varbinary(", type.length(), ")") : std::string("longblob");
    case plan::ENUM: {
      std::string values;
      for (const std::string& v : type.enum_values()) {
        if (!v.empty() && v.back() == ' ') {  // the server would store another label
          return absl::InvalidArgumentError(absl::StrCat("dialect mysql removes the trailing spaces of enum labels: `",
                                                         v, "` cannot be stored as declared"));
        }
        absl::StrAppend(&values, values.empty() ? "" : ", ", StringLiteral(v));
      }
      return absl::StrCat("enum(", values, ")");
    }
    case plan::INTERVAL:
      return absl::UnimplementedError("dialect mysql does not support INTERVAL columns");
    default:
      return absl::InvalidArgumentError(absl::StrCat("malformed plan: type kind ", type.kind()));
  }
  if (type.unsigned_()) name += " unsigned";
  return name;
}

absl::Status MysqlDialect::AutoIncrement(const plan::ColumnDef&, std::string*, std::string* suffix, bool*) const {
  *suffix = " AUTO_INCREMENT";
  return absl::OkStatus();
}

absl::StatusOr<std::string> MysqlDialect::Function(plan::Op op) const {
  switch (op) {
    case plan::NOW:
      return std::string("CURRENT_TIMESTAMP(6)");
    case plan::CURRENT_DATE:
      return std::string("curdate()");
    case plan::RANDOM_UUID:
      // A version 4 UUID (MariaDB's uuid() is version 1).
      return std::string(
          "lower(concat(hex(random_bytes(4)), '-', hex(random_bytes(2)), '-4', "
          "substr(hex(random_bytes(2)), 2), '-', substr('89ab', 1 + floor(rand() * 4), 1), "
          "substr(hex(random_bytes(2)), 2), '-', hex(random_bytes(6))))");
    default:
      return sdk::SqlDialect::Function(op);
  }
}

std::string MysqlDialect::TransactionLock(int64_t key) const {
  return absl::StrCat("SELECT GET_LOCK('sluice:", key, "', 300)");
}

std::string MysqlDialect::TransactionUnlock(int64_t key) const {
  return absl::StrCat("SELECT RELEASE_LOCK('sluice:", key, "')");
}

}  // namespace sluice::mysql
