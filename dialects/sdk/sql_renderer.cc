#include "dialects/sdk/sql_renderer.h"

#include <cctype>
#include <cmath>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace sluice::sdk {
namespace {

// Operators written between their two arguments.
const char* InfixSql(plan::Op op) {
  switch (op) {
    case plan::ADD:
      return " + ";
    case plan::SUBTRACT:
      return " - ";
    case plan::MULTIPLY:
      return " * ";
    case plan::MODULO:
      return " % ";
    case plan::EQ:
      return " = ";
    case plan::NE:
      return " <> ";
    case plan::GT:
      return " > ";
    case plan::GTE:
      return " >= ";
    case plan::LT:
      return " < ";
    case plan::LTE:
      return " <= ";
    case plan::LIKE:
      return " LIKE ";
    case plan::NOT_LIKE:
      return " NOT LIKE ";
    case plan::ARRAY_CONTAINS:
      return " @> ";
    case plan::ARRAY_OVERLAPS:
      return " && ";
    default:
      return nullptr;
  }
}

const char* AggregateSql(plan::Op op) {
  switch (op) {
    case plan::COUNT:
      return "count(";
    case plan::COUNT_DISTINCT:
      return "count(DISTINCT ";
    case plan::SUM:
      return "sum(";
    case plan::AVG:
      return "avg(";
    case plan::SUM_DISTINCT:
      return "sum(DISTINCT ";
    case plan::AVG_DISTINCT:
      return "avg(DISTINCT ";
    case plan::MIN:
      return "min(";
    case plan::MAX:
      return "max(";
    default:
      return nullptr;
  }
}

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("malformed plan: ", what));
}

plan::Expr ColumnOf(absl::string_view table, absl::string_view name) {
  plan::Expr e;
  e.mutable_column()->set_table(std::string(table));
  e.mutable_column()->set_name(std::string(name));
  return e;
}

}  // namespace

std::string QuoteIdentifier(const SqlDialect& dialect, absl::string_view name) {
  const char q = dialect.identifier_quote();
  std::string out(1, q);
  for (char c : name) {
    if (c == q) out += q;
    out += c;
  }
  out += q;
  return out;
}

absl::StatusOr<RenderedSql> RenderPlan(const SqlDialect& dialect, const plan::Plan& plan) {
  SqlRenderer renderer(dialect);
  SLUICE_RETURN_IF_ERROR(renderer.Render(plan));
  return renderer.Take();
}

absl::Status SqlRenderer::Unsupported(absl::string_view feature) const {
  return absl::UnimplementedError(absl::StrCat("dialect ", dialect_.name(), " does not support ", feature));
}

absl::Status SqlRenderer::Render(const plan::Plan& plan) {
  switch (plan.kind_case()) {
    case plan::Plan::kExplain: {
      const plan::Plan& statement = plan.explain().statement();
      if (!statement.has_select() && !statement.has_insert() && !statement.has_update() && !statement.has_delete_()) {
        return Malformed("EXPLAIN of a statement that is not a select, insert, update or delete");
      }
      const std::string prefix = dialect_.ExplainPrefix(plan.explain().analyze());
      if (prefix.empty()) return Unsupported(plan.explain().analyze() ? "EXPLAIN ANALYZE" : "EXPLAIN");
      Append(prefix);
      return Render(statement);
    }
    case plan::Plan::kSelect:
      return Select(plan.select());
    case plan::Plan::kInsert:
      return Insert(plan.insert());
    case plan::Plan::kUpdate:
      return Update(plan.update());
    case plan::Plan::kDelete:
      return Delete(plan.delete_());
    case plan::Plan::kCreateTable:
      in_ddl_ = true;
      return CreateTable(plan.create_table());
    case plan::Plan::kCreateIndex:
      in_ddl_ = true;
      return CreateIndex(plan.create_index());
    case plan::Plan::kCreateEnum:
      in_ddl_ = true;
      return CreateEnum(plan.create_enum());
    case plan::Plan::kCreateNamespace:
      if (!dialect_.has_namespaces()) return Unsupported("namespaces (PostgreSQL schemas)");
      Append("CREATE SCHEMA IF NOT EXISTS ");
      Identifier(plan.create_namespace().name());
      return absl::OkStatus();
    case plan::Plan::kCreateSequence:
    case plan::Plan::kAlterSequence: {
      in_ddl_ = true;
      const bool create = plan.has_create_sequence();
      const plan::CreateSequence& seq = create ? plan.create_sequence() : plan.alter_sequence().sequence();
      if (!dialect_.has_sequences()) return Unsupported("sequences");
      plan::TableRef ref;
      ref.set_namespace_(seq.namespace_());
      ref.set_name(seq.name());
      Append(create ? "CREATE SEQUENCE " : "ALTER SEQUENCE ");
      Table(ref, false);
      SequenceOptions(seq);
      return absl::OkStatus();
    }
    case plan::Plan::kSavepoint: {
      static constexpr const char* kVerbs[] = {"SAVEPOINT ", "ROLLBACK TO SAVEPOINT ", "RELEASE SAVEPOINT "};
      const plan::Savepoint& savepoint = plan.savepoint();
      if (savepoint.action() < 0 || savepoint.action() > plan::Savepoint::RELEASE) return Malformed("savepoint action");
      Append(kVerbs[savepoint.action()]);
      Identifier(savepoint.name());
      return absl::OkStatus();
    }
    case plan::Plan::kTransactionLock: {
      const plan::TransactionLock& lock = plan.transaction_lock();
      Append(lock.release() ? dialect_.TransactionUnlock(lock.key()) : dialect_.TransactionLock(lock.key()));
      return absl::OkStatus();
    }
    case plan::Plan::kDropTable:
    case plan::Plan::kRenameTable:
    case plan::Plan::kAddColumn:
    case plan::Plan::kDropColumn:
    case plan::Plan::kRenameColumn:
    case plan::Plan::kAlterColumn:
    case plan::Plan::kAddConstraint:
    case plan::Plan::kDropConstraint:
    case plan::Plan::kDropIndex:
    case plan::Plan::kAddEnumValue:
    case plan::Plan::kDropEnum:
    case plan::Plan::kDropSequence:
    case plan::Plan::kCopyRows:
    case plan::Plan::kDeferForeignKeys:
      in_ddl_ = plan.kind_case() != plan::Plan::kCopyRows;
      return SchemaChange(plan);
    case plan::Plan::kCreateRole:
    case plan::Plan::kCreatePolicy:
    case plan::Plan::kDropPolicy:
    case plan::Plan::kRowLevelSecurity:
    case plan::Plan::kGrant:
    case plan::Plan::kCallRole:
      if (!dialect_.has_row_level_security()) return Unsupported("roles and row-level security");
      in_ddl_ = plan.kind_case() != plan::Plan::kCallRole;
      return RowLevelSecurity(plan);
    case plan::Plan::kCreateView:
    case plan::Plan::kDropView:
    case plan::Plan::kRefreshMaterializedView:
      return View(plan);
    case plan::Plan::KIND_NOT_SET:
      break;
  }
  return Malformed("no statement kind");
}

absl::Status SqlRenderer::View(const plan::Plan& plan) {
  const bool materialized = plan.has_create_view() ? plan.create_view().materialized()
                            : plan.has_drop_view() ? plan.drop_view().materialized()
                                                   : true;
  if (materialized && !dialect_.has_materialized_views()) return Unsupported("materialized views");
  const char* kind = materialized ? "MATERIALIZED VIEW " : "VIEW ";
  switch (plan.kind_case()) {
    case plan::Plan::kCreateView: {
      const plan::CreateView& create = plan.create_view();
      if (create.comment_only()) {  // the fingerprint, where the dialect keeps comments on views
        if (!dialect_.has_view_comments()) return absl::OkStatus();
        Append(absl::StrCat("COMMENT ON ", kind));
        Table(create.view(), false);
        Append(" IS " + dialect_.StringLiteral(create.comment()));
        return absl::OkStatus();
      }
      Append(absl::StrCat("CREATE ", kind));
      Table(create.view(), false);
      Append(" AS ");
      if (!create.sql().empty()) {
        Append(create.sql());  // the schema's own SQL text (schema code, like a migration's)
        return absl::OkStatus();
      }
      if (!create.has_select()) return Malformed("a view without a query");
      return Select(create.select());
    }
    case plan::Plan::kDropView:
      in_ddl_ = true;
      Append(absl::StrCat("DROP ", kind));
      Table(plan.drop_view().view(), false);
      return absl::OkStatus();
    case plan::Plan::kRefreshMaterializedView:
      Append(plan.refresh_materialized_view().concurrently() ? "REFRESH MATERIALIZED VIEW CONCURRENTLY "
                                                             : "REFRESH MATERIALIZED VIEW ");
      Table(plan.refresh_materialized_view().view(), false);
      return absl::OkStatus();
    default:
      return Malformed("not a view statement");
  }
}

// Roles, policies and grants (PostgreSQL's syntax; the only dialect that has them).
absl::Status SqlRenderer::RowLevelSecurity(const plan::Plan& plan) {
  switch (plan.kind_case()) {
    case plan::Plan::kCreateRole: {
      // Roles are the server's: created when missing (also when another migration creates it at
      // the same time), and the migrating user made a member so that calls can switch to it.
      const std::string role = QuoteIdentifier(dialect_, plan.create_role().name());
      Append(absl::StrCat("DO $$BEGIN BEGIN CREATE ROLE ", role,
                          " NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; GRANT ", role,
                          " TO CURRENT_USER; END $$"));
      return absl::OkStatus();
    }
    case plan::Plan::kCreatePolicy: {
      const plan::CreatePolicy& policy = plan.create_policy();
      static constexpr const char* kCommands[] = {"ALL", "SELECT", "INSERT", "UPDATE", "DELETE"};
      if (policy.command() < 0 || policy.command() > plan::POLICY_DELETE) return Malformed("policy command");
      Append("CREATE POLICY ");
      Identifier(policy.name());
      Append(" ON ");
      Table(policy.table(), false);
      Append(policy.restrictive() ? " AS RESTRICTIVE FOR " : " AS PERMISSIVE FOR ");
      Append(kCommands[policy.command()]);
      Append(" TO ");
      if (policy.roles().empty()) Append("PUBLIC");
      IdentifierList(policy.roles());
      if (policy.has_using_()) {
        Append(" USING (");
        SLUICE_RETURN_IF_ERROR(Expr(policy.using_()));
        Append(")");
      }
      if (policy.has_with_check()) {
        Append(" WITH CHECK (");
        SLUICE_RETURN_IF_ERROR(Expr(policy.with_check()));
        Append(")");
      }
      return absl::OkStatus();
    }
    case plan::Plan::kDropPolicy:
      Append("DROP POLICY ");
      Identifier(plan.drop_policy().name());
      Append(" ON ");
      Table(plan.drop_policy().table(), false);
      return absl::OkStatus();
    case plan::Plan::kRowLevelSecurity:
      AlterTable(plan.row_level_security().table());
      Append(plan.row_level_security().enable() ? "ENABLE ROW LEVEL SECURITY" : "DISABLE ROW LEVEL SECURITY");
      return absl::OkStatus();
    case plan::Plan::kGrant: {
      const plan::Grant& grant = plan.grant();
      static constexpr const char* kPrivileges[] = {"", "SELECT", "INSERT", "UPDATE", "DELETE"};
      if (grant.privileges().empty() || grant.roles().empty()) return Malformed("a grant without privileges or roles");
      Append(grant.revoke() ? "REVOKE " : "GRANT ");
      for (int i = 0; i < grant.privileges_size(); ++i) {
        const int privilege = grant.privileges(i);
        if (privilege <= plan::PRIVILEGE_NONE || privilege > plan::PRIVILEGE_DELETE) return Malformed("privilege");
        Append(i > 0 ? ", " : "");
        Append(kPrivileges[privilege]);
      }
      Append(" ON ");
      Table(grant.table(), false);
      Append(grant.revoke() ? " FROM " : " TO ");
      IdentifierList(grant.roles());
      return absl::OkStatus();
    }
    case plan::Plan::kCallRole:
      Append("SELECT set_config('role', ");
      SLUICE_RETURN_IF_ERROR(Expr(plan.call_role().role()));
      Append(", true), set_config('request.claims', ");
      SLUICE_RETURN_IF_ERROR(Expr(plan.call_role().claims()));
      Append(", true)");
      return absl::OkStatus();
    default:
      return Malformed("not a row-level security statement");
  }
}

void SqlRenderer::SequenceOptions(const plan::CreateSequence& seq) {
  Append(absl::StrCat(" INCREMENT BY ", seq.increment()));
  Append(seq.has_min_value() ? absl::StrCat(" MINVALUE ", seq.min_value()) : " NO MINVALUE");
  Append(seq.has_max_value() ? absl::StrCat(" MAXVALUE ", seq.max_value()) : " NO MAXVALUE");
  Append(absl::StrCat(" START WITH ", seq.start(), " CACHE ", seq.cache() > 1 ? seq.cache() : 1,
                      seq.cycle() ? " CYCLE" : " NO CYCLE"));
}

void SqlRenderer::AlterTable(const plan::TableRef& table) {
  Append("ALTER TABLE ");
  Table(table, false);
  Append(" ");
}

absl::StatusOr<std::string> SqlRenderer::TypeSql(const plan::Type& type) {
  if (type.kind() == plan::ENUM && dialect_.has_enum_types()) {
    plan::TableRef ref;
    ref.set_namespace_(type.enum_namespace());
    ref.set_name(type.enum_name());
    SqlRenderer name(dialect_);
    name.Table(ref, false);
    return name.out_ + (type.array() ? "[]" : "");
  }
  return dialect_.TypeName(type);
}

absl::Status SqlRenderer::SchemaChange(const plan::Plan& plan) {
  switch (plan.kind_case()) {
    case plan::Plan::kDropTable:
      Append("DROP TABLE ");
      Table(plan.drop_table().table(), false);
      return absl::OkStatus();
    case plan::Plan::kRenameTable:
      AlterTable(plan.rename_table().table());
      Append("RENAME TO ");
      Identifier(plan.rename_table().to());
      return absl::OkStatus();
    case plan::Plan::kAddColumn:
      AlterTable(plan.add_column().table());
      Append("ADD COLUMN ");
      return ColumnDefinition(plan.add_column().column());
    case plan::Plan::kDropColumn:
      AlterTable(plan.drop_column().table());
      Append("DROP COLUMN ");
      Identifier(plan.drop_column().column());
      return absl::OkStatus();
    case plan::Plan::kRenameColumn:
      AlterTable(plan.rename_column().table());
      Append("RENAME COLUMN ");
      Identifier(plan.rename_column().from());
      Append(" TO ");
      Identifier(plan.rename_column().to());
      return absl::OkStatus();
    case plan::Plan::kAlterColumn:
      return AlterColumn(plan.alter_column());
    case plan::Plan::kAddConstraint:
      return AddConstraint(plan.add_constraint());
    case plan::Plan::kDropConstraint: {
      const plan::DropConstraint& drop = plan.drop_constraint();
      SLUICE_ASSIGN_OR_RETURN(auto clause, dialect_.DropConstraintClause(drop, QuoteIdentifier(dialect_, drop.name())));
      AlterTable(drop.table());
      Append(clause);
      return absl::OkStatus();
    }
    case plan::Plan::kDropIndex: {
      const plan::DropIndex& drop = plan.drop_index();
      SqlRenderer table(dialect_);
      table.Table(drop.table(), false);
      plan::TableRef index = drop.table();
      index.set_name(drop.name());
      SqlRenderer name(dialect_);
      name.Table(index, false);  // in the table's namespace
      Append(dialect_.DropIndex(name.out_, table.out_));
      return absl::OkStatus();
    }
    case plan::Plan::kAddEnumValue: {
      if (!dialect_.has_enum_types()) return absl::OkStatus();  // the columns change instead
      plan::TableRef ref;
      ref.set_namespace_(plan.add_enum_value().namespace_());
      ref.set_name(plan.add_enum_value().name());
      Append("ALTER TYPE ");
      Table(ref, false);
      Append(" ADD VALUE ");
      Append(dialect_.StringLiteral(plan.add_enum_value().value()));
      return absl::OkStatus();
    }
    case plan::Plan::kDropEnum:
    case plan::Plan::kDropSequence: {
      const bool is_enum = plan.kind_case() == plan::Plan::kDropEnum;
      if (is_enum && !dialect_.has_enum_types()) return absl::OkStatus();
      if (!is_enum && !dialect_.has_sequences()) return Unsupported("sequences");
      plan::TableRef ref;
      ref.set_namespace_(is_enum ? plan.drop_enum().namespace_() : plan.drop_sequence().namespace_());
      ref.set_name(is_enum ? plan.drop_enum().name() : plan.drop_sequence().name());
      Append(is_enum ? "DROP TYPE " : "DROP SEQUENCE ");
      Table(ref, false);
      return absl::OkStatus();
    }
    case plan::Plan::kCopyRows: {
      const plan::CopyRows& copy = plan.copy_rows();
      if (copy.columns().empty()) return Malformed("copying rows without columns");
      if (copy.create_table()) {
        Append("CREATE TABLE ");
        Table(copy.to(), false);
        Append(" AS SELECT ");
        IdentifierList(copy.columns());
        Append(" FROM ");
        Table(copy.from(), false);
        return absl::OkStatus();
      }
      Append("INSERT INTO ");
      Table(copy.to(), false);
      Append(" (");
      IdentifierList(copy.columns());
      Append(") SELECT ");
      if (!copy.source_columns().empty() && copy.source_columns_size() != copy.columns_size()) {
        return Malformed("copying rows with unpaired columns");
      }
      IdentifierList(copy.source_columns().empty() ? copy.columns() : copy.source_columns());
      Append(" FROM ");
      Table(copy.from(), false);
      return absl::OkStatus();
    }
    case plan::Plan::kDeferForeignKeys:
      Append(dialect_.DeferForeignKeys());
      return absl::OkStatus();
    default:
      break;
  }
  return Malformed("not a schema change");
}

absl::Status SqlRenderer::AlterColumn(const plan::AlterColumn& alter) {
  const plan::ColumnDef& column = alter.column();
  switch (dialect_.alter_column()) {
    case AlterColumnStyle::kNone:
      return Unsupported("altering a column in place (the table is rebuilt instead)");
    case AlterColumnStyle::kModify:
      // The whole column anew; keys and uniques stay as they are (they are separate constraints).
      AlterTable(alter.table());
      Append("MODIFY COLUMN ");
      {
        plan::ColumnDef def = column;
        def.set_primary_key(false);
        def.set_unique(false);
        return ColumnDefinition(def);
      }
    case AlterColumnStyle::kClauses:
      break;
  }
  AlterTable(alter.table());
  bool first = true;
  auto clause = [&](absl::string_view text) {
    Append(first ? "" : ", ");
    first = false;
    Append("ALTER COLUMN ");
    Identifier(column.name());
    Append(text);
  };
  if (alter.type_changed()) {
    SLUICE_ASSIGN_OR_RETURN(auto type, TypeSql(column.type()));
    clause(absl::StrCat(" TYPE ", type, " USING "));
    Identifier(column.name());
    Append(absl::StrCat("::", type));
  }
  if (alter.nullability_changed()) clause(column.not_null() ? " SET NOT NULL" : " DROP NOT NULL");
  if (alter.default_changed()) {
    if (!column.has_default_()) {
      clause(" DROP DEFAULT");
    } else {
      clause(" SET DEFAULT ");
      const bool call = column.default_().has_call();
      if (call) Append("(");
      SLUICE_RETURN_IF_ERROR(Expr(column.default_()));
      if (call) Append(")");
    }
  }
  if (alter.identity_changed()) {
    if (column.identity() == plan::IDENTITY_SERIAL) return Malformed("SET GENERATED to serial");
    clause(column.identity() == plan::IDENTITY_ALWAYS ? " SET GENERATED ALWAYS" : " SET GENERATED BY DEFAULT");
  }
  if (first) return Malformed("an ALTER COLUMN that changes nothing");
  return absl::OkStatus();
}

absl::Status SqlRenderer::ConstraintBody(const plan::ForeignKey& fk) {
  Append("FOREIGN KEY (");
  IdentifierList(fk.columns());
  Append(") REFERENCES ");
  Table(fk.foreign_table(), false);
  Append(" (");
  IdentifierList(fk.foreign_columns());
  Append(")");
  Action(" ON DELETE ", fk.on_delete());
  Action(" ON UPDATE ", fk.on_update());
  return absl::OkStatus();
}

absl::Status SqlRenderer::AddConstraint(const plan::AddConstraint& add) {
  if (dialect_.alter_column() == AlterColumnStyle::kNone) {
    return Unsupported("adding constraints to a table (the table is rebuilt instead)");
  }
  AlterTable(add.table());
  Append("ADD ");
  switch (add.kind_case()) {
    case plan::AddConstraint::kUnique:
      Append("CONSTRAINT ");
      Identifier(add.unique().name());
      Append(" UNIQUE (");
      IdentifierList(add.unique().columns());
      Append(")");
      return absl::OkStatus();
    case plan::AddConstraint::kForeignKey:
      Append("CONSTRAINT ");
      Identifier(add.foreign_key().name());
      Append(" ");
      return ConstraintBody(add.foreign_key());
    case plan::AddConstraint::kCheck: {
      Append("CONSTRAINT ");
      Identifier(add.check().name());
      Append(" CHECK (");
      absl::Status s = Expr(add.check().condition());
      Append(")");
      return s;
    }
    case plan::AddConstraint::kPrimaryKey:
      Append("PRIMARY KEY (");
      IdentifierList(add.primary_key().columns());
      Append(")");
      return absl::OkStatus();
    case plan::AddConstraint::KIND_NOT_SET:
      break;
  }
  return Malformed("a constraint of no kind");
}

void SqlRenderer::Identifier(absl::string_view name) { Append(QuoteIdentifier(dialect_, name)); }

void SqlRenderer::Table(const plan::TableRef& table, bool with_alias) {
  if (!table.namespace_().empty()) {
    Identifier(table.namespace_());
    Append(".");
  }
  Identifier(table.name());
  if (with_alias && !table.alias().empty()) {
    Append(" AS ");
    Identifier(table.alias());
  }
}

void SqlRenderer::IdentifierList(const google::protobuf::RepeatedPtrField<std::string>& names) {
  for (int i = 0; i < names.size(); ++i) {
    if (i > 0) Append(", ");
    Identifier(names[i]);
  }
}

void SqlRenderer::Param(uint32_t index) {
  if (dialect_.numbered_placeholders()) {
    auto [it, inserted] = slots_.emplace(index, params_.size());
    if (inserted) params_.push_back(index);
    Append(dialect_.Placeholder(it->second));
    return;
  }
  Append(dialect_.Placeholder(params_.size()));
  params_.push_back(index);
}

absl::Status SqlRenderer::Literal(const plan::Literal& literal) {
  switch (literal.kind()) {
    case plan::LITERAL_NULL:
      Append("NULL");
      return absl::OkStatus();
    case plan::LITERAL_BOOL:
      Append(dialect_.BoolLiteral(literal.int_value() != 0));
      break;
    case plan::LITERAL_INT64:
      Append(absl::StrCat(literal.int_value()));
      break;
    case plan::LITERAL_UINT64:
      Append(absl::StrCat(literal.uint_value()));
      break;
    case plan::LITERAL_DOUBLE: {
      if (!std::isfinite(literal.double_value())) return Malformed("a non-finite double literal");
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", literal.double_value());
      Append(buf);
      break;
    }
    case plan::LITERAL_BYTES:
      Append(dialect_.BytesLiteral(literal.text()));
      break;
    case plan::LITERAL_DECIMAL:
      // Digits, sign and point only: validated by the host; checked again here.
      for (char c : literal.text()) {
        if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.')) {
          return Malformed("a decimal literal that is not a number");
        }
      }
      Append(literal.text());
      break;
    case plan::LITERAL_TEXT:
    case plan::LITERAL_DATE:
    case plan::LITERAL_TIME:
    case plan::LITERAL_TIMESTAMP:
    case plan::LITERAL_JSON:
    case plan::LITERAL_UUID:
      if (literal.text().find('\0') != std::string::npos) {
        return absl::InvalidArgumentError("a text literal in DDL cannot contain a NUL character");
      }
      Append(dialect_.StringLiteral(literal.text()));
      break;
    default:
      return Malformed("unknown literal kind");
  }
  return absl::OkStatus();
}

absl::Status SqlRenderer::Expr(const plan::Expr& expr) {
  switch (expr.kind_case()) {
    case plan::Expr::kColumn:
      if (!expr.column().table().empty()) {
        Identifier(expr.column().table());
        Append(".");
      }
      Identifier(expr.column().name());
      return absl::OkStatus();
    case plan::Expr::kParam:
      if (in_ddl_) return Malformed("a parameter inside DDL");
      Param(expr.param());
      return absl::OkStatus();
    case plan::Expr::kLiteral:
      return Literal(expr.literal());
    case plan::Expr::kCall:
      return Call(expr.call());
    case plan::Expr::kSubquery: {
      if (in_ddl_) return Malformed("a subquery inside DDL");
      Append("(");
      absl::Status s = Select(expr.subquery());
      Append(")");
      return s;
    }
    case plan::Expr::kNested:
      if (in_ddl_) return Malformed("related rows inside DDL");
      return Nested(expr.nested());
    case plan::Expr::kClaim: {
      const std::string claim = dialect_.Claim(dialect_.StringLiteral(expr.claim()));
      if (claim.empty()) return Unsupported("claims (Expression.claim)");
      Append(claim);
      return absl::OkStatus();
    }
    case plan::Expr::kExcluded:
      if (in_ddl_) return Malformed("an upsert's proposed row inside DDL");
      if (dialect_.on_duplicate_key_update()) {
        Append("VALUES(");
        Identifier(expr.excluded());
        Append(")");
      } else {
        Append("excluded.");
        Identifier(expr.excluded());
      }
      return absl::OkStatus();
    case plan::Expr::KIND_NOT_SET:
      break;
  }
  return Malformed("an empty expression");
}

absl::Status SqlRenderer::Call(const plan::Call& call) {
  const auto& args = call.args();
  auto need = [&](int n) -> absl::Status {
    if (args.size() != n) {
      return Malformed(absl::StrCat("op ", plan::Op_Name(call.op()), " takes ", n, " arguments"));
    }
    return absl::OkStatus();
  };
  switch (call.op()) {
    case plan::AND:
    case plan::OR: {
      if (args.empty()) return Malformed("AND / OR without arguments");
      Append("(");
      for (int i = 0; i < args.size(); ++i) {
        if (i > 0) Append(call.op() == plan::AND ? " AND " : " OR ");
        SLUICE_RETURN_IF_ERROR(Expr(args[i]));
      }
      Append(")");
      return absl::OkStatus();
    }
    case plan::NOT:
      SLUICE_RETURN_IF_ERROR(need(1));
      Append("(NOT ");
      SLUICE_RETURN_IF_ERROR(Expr(args[0]));
      Append(")");
      return absl::OkStatus();
    case plan::ILIKE:
    case plan::NOT_ILIKE: {
      SLUICE_RETURN_IF_ERROR(need(2));
      const bool negated = call.op() == plan::NOT_ILIKE;
      Append("(");
      if (dialect_.has_ilike()) {
        SLUICE_RETURN_IF_ERROR(Expr(args[0]));
        Append(negated ? " NOT ILIKE " : " ILIKE ");
        SLUICE_RETURN_IF_ERROR(Expr(args[1]));
      } else {
        Append("lower(");
        SLUICE_RETURN_IF_ERROR(Expr(args[0]));
        Append(negated ? ") NOT LIKE lower(" : ") LIKE lower(");
        SLUICE_RETURN_IF_ERROR(Expr(args[1]));
        Append(")");
      }
      Append(")");
      return absl::OkStatus();
    }
    case plan::DIVIDE: {
      SLUICE_RETURN_IF_ERROR(need(2));
      plan::Type dbl;
      dbl.set_kind(plan::DOUBLE);
      SLUICE_ASSIGN_OR_RETURN(auto type, dialect_.TypeName(dbl));
      Append("(CAST(");
      SLUICE_RETURN_IF_ERROR(Expr(args[0]));
      Append(absl::StrCat(" AS ", type, ") / "));
      SLUICE_RETURN_IF_ERROR(Expr(args[1]));
      Append(")");
      return absl::OkStatus();
    }
    case plan::CONCAT:
      SLUICE_RETURN_IF_ERROR(need(2));
      Append(dialect_.has_concat_operator() ? "(" : "CONCAT(");
      SLUICE_RETURN_IF_ERROR(Expr(args[0]));
      Append(dialect_.has_concat_operator() ? " || " : ", ");
      SLUICE_RETURN_IF_ERROR(Expr(args[1]));
      Append(")");
      return absl::OkStatus();
    case plan::LOWER:
    case plan::UPPER:
    case plan::TRIM:
    case plan::LENGTH:
    case plan::ABS:
    case plan::COALESCE: {
      if (call.op() == plan::COALESCE ? args.empty() : args.size() != 1) {
        return Malformed(absl::StrCat("op ", plan::Op_Name(call.op()), " with ", args.size(), " arguments"));
      }
      Append(call.op() == plan::LENGTH ? dialect_.CharLengthFunction()
                                       : absl::AsciiStrToLower(plan::Op_Name(call.op())));
      Append("(");
      for (int i = 0; i < args.size(); ++i) {
        if (i > 0) Append(", ");
        SLUICE_RETURN_IF_ERROR(Expr(args[i]));
      }
      Append(")");
      return absl::OkStatus();
    }
    case plan::EXISTS:
    case plan::NOT_EXISTS:
      SLUICE_RETURN_IF_ERROR(need(1));
      if (!args[0].has_subquery()) return Malformed("EXISTS without a subquery");
      Append(call.op() == plan::EXISTS ? "(EXISTS " : "(NOT EXISTS ");
      SLUICE_RETURN_IF_ERROR(Expr(args[0]));
      Append(")");
      return absl::OkStatus();
    case plan::IN:
    case plan::NOT_IN:
      if (args.size() < 2) return Malformed("IN needs a left side and at least one value");
      Append("(");
      SLUICE_RETURN_IF_ERROR(Expr(args[0]));
      if (args.size() == 2 && args[1].has_subquery()) {  // IN (SELECT ...)
        if (args[1].subquery().has_limit_param() && !dialect_.has_limit_in_in_subquery()) {
          return Unsupported("LIMIT in an IN subquery");
        }
        Append(call.op() == plan::IN ? " IN " : " NOT IN ");
        SLUICE_RETURN_IF_ERROR(Expr(args[1]));
        Append(")");
        return absl::OkStatus();
      }
      if (call.array_param() > 0 && dialect_.has_array_params()) {  // one parameter, any length
        Append(call.op() == plan::IN ? " = ANY(" : " <> ALL(");
        Param(call.array_param() - 1);
        Append("))");
        return absl::OkStatus();
      }
      Append(call.op() == plan::IN ? " IN (" : " NOT IN (");
      for (int i = 1; i < args.size(); ++i) {
        if (i > 1) Append(", ");
        SLUICE_RETURN_IF_ERROR(Expr(args[i]));
      }
      Append("))");
      return absl::OkStatus();
    case plan::IS_NULL:
    case plan::IS_NOT_NULL:
      SLUICE_RETURN_IF_ERROR(need(1));
      Append("(");
      SLUICE_RETURN_IF_ERROR(Expr(args[0]));
      Append(call.op() == plan::IS_NULL ? " IS NULL)" : " IS NOT NULL)");
      return absl::OkStatus();
    case plan::BETWEEN:
    case plan::NOT_BETWEEN:
      SLUICE_RETURN_IF_ERROR(need(3));
      Append("(");
      SLUICE_RETURN_IF_ERROR(Expr(args[0]));
      Append(call.op() == plan::BETWEEN ? " BETWEEN " : " NOT BETWEEN ");
      SLUICE_RETURN_IF_ERROR(Expr(args[1]));
      Append(" AND ");
      SLUICE_RETURN_IF_ERROR(Expr(args[2]));
      Append(")");
      return absl::OkStatus();
    case plan::COUNT_STAR:
      SLUICE_RETURN_IF_ERROR(need(0));
      Append("count(*)");
      return absl::OkStatus();
    case plan::NOW:
    case plan::CURRENT_DATE:
    case plan::RANDOM_UUID: {
      SLUICE_RETURN_IF_ERROR(need(0));
      SLUICE_ASSIGN_OR_RETURN(auto fn, dialect_.Function(call.op()));
      Append(fn);
      return absl::OkStatus();
    }
    case plan::DEFAULT:
      Append(dialect_.DefaultInValues());
      return absl::OkStatus();
    case plan::NEXTVAL: {
      SLUICE_RETURN_IF_ERROR(need(2));
      if (!dialect_.has_sequences()) return Unsupported("sequences");
      plan::TableRef ref;
      ref.set_namespace_(args[0].literal().text());
      ref.set_name(args[1].literal().text());
      SqlRenderer name(dialect_);
      name.Table(ref, false);
      Append(dialect_.NextValue(name.out_));
      return absl::OkStatus();
    }
    default:
      break;
  }
  if ((call.op() == plan::ARRAY_CONTAINS || call.op() == plan::ARRAY_OVERLAPS) && !dialect_.has_array_operators()) {
    return Unsupported("array operators");
  }
  if (const char* op = InfixSql(call.op())) {
    SLUICE_RETURN_IF_ERROR(need(2));
    Append("(");
    SLUICE_RETURN_IF_ERROR(Expr(args[0]));
    Append(op);
    SLUICE_RETURN_IF_ERROR(Expr(args[1]));
    Append(")");
    return absl::OkStatus();
  }
  if (const char* fn = AggregateSql(call.op())) {
    SLUICE_RETURN_IF_ERROR(need(1));
    Append(fn);
    SLUICE_RETURN_IF_ERROR(Expr(args[0]));
    Append(")");
    return absl::OkStatus();
  }
  return Malformed(absl::StrCat("unknown op ", call.op()));
}

absl::Status SqlRenderer::Where(const plan::Expr& where) {
  Append(" WHERE ");
  return Expr(where);
}

absl::Status SqlRenderer::Select(const plan::Select& select) {
  for (int i = 0; i < select.with_size(); ++i) {
    Append(i == 0 ? "WITH " : ", ");
    Identifier(select.with(i).name());
    Append(" AS (");
    SLUICE_RETURN_IF_ERROR(Select(select.with(i).select()));
    Append(")");
  }
  if (!select.with().empty()) Append(" ");
  Append(select.distinct() ? "SELECT DISTINCT " : "SELECT ");
  if (!select.distinct_on().empty()) {
    if (!dialect_.has_distinct_on()) return Unsupported("DISTINCT ON");
    Append("DISTINCT ON (");
    for (int i = 0; i < select.distinct_on_size(); ++i) {
      if (i > 0) Append(", ");
      SLUICE_RETURN_IF_ERROR(Expr(select.distinct_on(i)));
    }
    Append(") ");
  }
  if (select.items().empty()) return Malformed("SELECT without items");
  for (int i = 0; i < select.items_size(); ++i) {
    if (i > 0) Append(", ");
    SLUICE_RETURN_IF_ERROR(Expr(select.items(i).expr()));
    if (!select.items(i).alias().empty()) {
      Append(" AS ");
      Identifier(select.items(i).alias());
    }
  }
  SLUICE_RETURN_IF_ERROR(FromClause(select));
  static constexpr const char* kSetOps[] = {nullptr,    " UNION ",         " UNION ALL ", " INTERSECT ",
                                            " EXCEPT ", " INTERSECT ALL ", " EXCEPT ALL "};
  for (const plan::SetBranch& branch : select.set_branches()) {
    if (branch.op() <= plan::SET_OP_UNSPECIFIED || branch.op() > plan::EXCEPT_ALL) return Malformed("set operation");
    if ((branch.op() == plan::INTERSECT_ALL || branch.op() == plan::EXCEPT_ALL) && !dialect_.has_set_operations_all()) {
      return Unsupported("INTERSECT ALL and EXCEPT ALL");
    }
    const plan::Select& b = branch.select();
    if (!b.order_by().empty() || b.has_limit_param() || b.has_offset_param() || !b.set_branches().empty() ||
        !b.with().empty()) {
      return Malformed("a set operation's select with ORDER BY, LIMIT, WITH or its own set operations");
    }
    Append(kSetOps[branch.op()]);
    SLUICE_RETURN_IF_ERROR(Select(b));
  }
  SLUICE_RETURN_IF_ERROR(OrderBy(select));
  LimitOffset(select);
  if (select.for_update()) Append(" FOR UPDATE");
  return absl::OkStatus();
}

absl::Status SqlRenderer::JoinSource(const plan::Join& join) {
  if (!join.has_subquery()) {
    Table(join.table(), true);
    return absl::OkStatus();
  }
  if (join.table().alias().empty()) return Malformed("a derived table without an alias");
  Append("(");
  SLUICE_RETURN_IF_ERROR(Select(join.subquery()));
  Append(") AS ");
  Identifier(join.table().alias());
  return absl::OkStatus();
}

absl::Status SqlRenderer::Joins(const google::protobuf::RepeatedPtrField<plan::Join>& joins, int first) {
  for (int i = first; i < joins.size(); ++i) {
    const plan::Join& join = joins[i];
    static constexpr const char* kJoins[] = {nullptr,        " INNER JOIN ", " LEFT JOIN ",
                                             " RIGHT JOIN ", " FULL JOIN ",  " CROSS JOIN "};
    if (join.type() <= plan::JOIN_TYPE_UNSPECIFIED || join.type() > plan::CROSS) return Malformed("join type");
    if (join.type() == plan::FULL && !dialect_.has_full_join()) return Unsupported("FULL JOIN");
    if (join.lateral() && !dialect_.has_lateral()) return Unsupported("LATERAL joins");
    if (join.lateral() && !join.has_subquery()) return Malformed("LATERAL without a subquery");
    Append(kJoins[join.type()]);
    if (join.lateral()) Append("LATERAL ");
    SLUICE_RETURN_IF_ERROR(JoinSource(join));
    if (join.type() == plan::CROSS) continue;
    if (!join.has_on()) return Malformed("a join without ON");
    Append(" ON ");
    SLUICE_RETURN_IF_ERROR(Expr(join.on()));
  }
  return absl::OkStatus();
}

absl::Status SqlRenderer::FromClause(const plan::Select& select) {
  if (select.has_from()) {
    Append(" FROM ");
    Table(select.from(), true);
  } else if (!select.joins().empty()) {
    return Malformed("joins without a FROM table");
  }
  SLUICE_RETURN_IF_ERROR(Joins(select.joins(), 0));
  if (select.has_where()) SLUICE_RETURN_IF_ERROR(Where(select.where()));
  if (!select.group_by().empty()) {
    Append(" GROUP BY ");
    for (int i = 0; i < select.group_by_size(); ++i) {
      if (i > 0) Append(", ");
      SLUICE_RETURN_IF_ERROR(Expr(select.group_by(i)));
    }
  }
  if (select.has_having()) {
    Append(" HAVING ");
    SLUICE_RETURN_IF_ERROR(Expr(select.having()));
  }
  return absl::OkStatus();
}

absl::Status SqlRenderer::OrderBy(const plan::Select& select) {
  if (select.order_by().empty()) return absl::OkStatus();
  Append(" ORDER BY ");
  for (int i = 0; i < select.order_by_size(); ++i) {
    const plan::OrderItem& item = select.order_by(i);
    if (i > 0) Append(", ");
    if (item.nulls() != plan::NULLS_DEFAULT && !dialect_.has_nulls_order()) {
      // Emulated: sort on "is null" first.
      Append("(");
      SLUICE_RETURN_IF_ERROR(Expr(item.expr()));
      Append(item.nulls() == plan::NULLS_FIRST ? " IS NULL) DESC, " : " IS NULL) ASC, ");
    }
    SLUICE_RETURN_IF_ERROR(Expr(item.expr()));
    Append(item.descending() ? " DESC" : " ASC");
    if (item.nulls() != plan::NULLS_DEFAULT && dialect_.has_nulls_order()) {
      Append(item.nulls() == plan::NULLS_FIRST ? " NULLS FIRST" : " NULLS LAST");
    }
  }
  return absl::OkStatus();
}

void SqlRenderer::LimitOffset(const plan::Select& select) {
  if (select.has_limit_param()) {
    Append(" LIMIT ");
    Param(select.limit_param());
  } else if (select.has_offset_param() && !dialect_.LimitForOffsetOnly().empty()) {
    Append(" LIMIT ");
    Append(dialect_.LimitForOffsetOnly());
  }
  if (select.has_offset_param()) {
    Append(" OFFSET ");
    Param(select.offset_param());
  }
}

absl::Status SqlRenderer::Wrapped(absl::string_view format, const plan::Expr& expr) {
  size_t at = 0;
  for (size_t hole; (hole = format.find("{}", at)) != absl::string_view::npos; at = hole + 2) {
    Append(format.substr(at, hole - at));
    SLUICE_RETURN_IF_ERROR(Expr(expr));
  }
  Append(format.substr(at));
  return absl::OkStatus();
}

absl::Status SqlRenderer::JsonRow(const plan::Select& select) {
  if (select.items().empty()) return Malformed("related rows without items");
  Append(dialect_.JsonArrayFunction());
  Append("(");
  for (int i = 0; i < select.items_size(); ++i) {
    if (i > 0) Append(", ");
    const plan::SelectItem& item = select.items(i);
    SLUICE_RETURN_IF_ERROR(
        Wrapped(item.expr().has_nested() ? dialect_.JsonEmbedded() : dialect_.JsonLeaf(item.type()), item.expr()));
  }
  Append(")");
  return absl::OkStatus();
}

absl::Status SqlRenderer::Nested(const plan::Nested& nested) {
  const plan::Select& select = nested.select();
  if (!select.set_branches().empty() || !select.with().empty() || !select.group_by().empty() || select.distinct()) {
    return Malformed("related rows from a compound, grouped or distinct select");
  }
  if (nested.one()) {  // (SELECT <row> FROM ... WHERE ... LIMIT 1)
    Append("(SELECT ");
    SLUICE_RETURN_IF_ERROR(JsonRow(select));
    SLUICE_RETURN_IF_ERROR(FromClause(select));
    Append(" LIMIT 1)");
    return absl::OkStatus();
  }
  JsonRows json_rows = dialect_.json_rows();
  // Rows in no order need no numbering: the aggregate takes them as they come (the numbering is a
  // window function and a sort: an order with its details ran 12–22% faster without, pgbench).
  if (json_rows == JsonRows::kNumberedDerivedTable && select.order_by().empty())
    json_rows = JsonRows::kOrderedDerivedTable;
  switch (json_rows) {
    case JsonRows::kOrderedAggregate:
      // (SELECT COALESCE(JSON_ARRAYAGG(<row> ORDER BY ... LIMIT ...), <[]>) FROM ... WHERE ...)
      Append("(SELECT COALESCE(");
      Append(dialect_.JsonAggregateFunction());
      Append("(");
      SLUICE_RETURN_IF_ERROR(JsonRow(select));
      SLUICE_RETURN_IF_ERROR(OrderBy(select));
      LimitOffset(select);
      Append(absl::StrCat("), ", dialect_.EmptyJsonArray(), ")"));
      SLUICE_RETURN_IF_ERROR(FromClause(select));
      Append(")");
      return absl::OkStatus();
    case JsonRows::kNumberedDerivedTable:
      // The rows numbered in their order inside a derived table, aggregated in that order.
      Append(absl::StrCat("(SELECT COALESCE(", dialect_.JsonAggregateFunction(), "("));
      Identifier("_rows");
      Append(".");
      Identifier("row");
      Append(" ORDER BY ");
      Identifier("_rows");
      Append(".");
      Identifier("n");
      Append(absl::StrCat("), ", dialect_.EmptyJsonArray(), ") FROM (SELECT "));
      SLUICE_RETURN_IF_ERROR(JsonRow(select));
      Append(" AS ");
      Identifier("row");
      Append(", row_number() OVER (");
      SLUICE_RETURN_IF_ERROR(OrderBy(select));
      Append(") AS ");
      Identifier("n");
      break;
    case JsonRows::kOrderedDerivedTable:
      // The aggregate reads the derived table's rows in their order.
      Append(absl::StrCat("(SELECT COALESCE(", dialect_.JsonAggregateFunction(), "("));
      SLUICE_RETURN_IF_ERROR(Wrapped(dialect_.JsonEmbedded(), ColumnOf("_rows", "row")));
      Append(absl::StrCat("), ", dialect_.EmptyJsonArray(), ") FROM (SELECT "));
      SLUICE_RETURN_IF_ERROR(JsonRow(select));
      Append(" AS ");
      Identifier("row");
      break;
  }
  SLUICE_RETURN_IF_ERROR(FromClause(select));
  SLUICE_RETURN_IF_ERROR(OrderBy(select));
  LimitOffset(select);
  Append(") AS ");
  Identifier("_rows");
  Append(")");
  return absl::OkStatus();
}

absl::Status SqlRenderer::Returning(plan::Plan::KindCase statement,
                                    const google::protobuf::RepeatedPtrField<std::string>& columns,
                                    const google::protobuf::RepeatedPtrField<plan::SelectItem>& items,
                                    absl::string_view qualifier) {
  if (columns.empty() && items.empty()) return absl::OkStatus();
  if (!dialect_.has_returning(statement)) return Unsupported("RETURNING on this statement");
  Append(" RETURNING ");
  for (int i = 0; i < columns.size(); ++i) {
    if (i > 0) Append(", ");
    if (!qualifier.empty()) {
      Identifier(qualifier);
      Append(".");
    }
    Identifier(columns[i]);
  }
  for (int i = 0; i < items.size(); ++i) {
    if (i > 0 || !columns.empty()) Append(", ");
    SLUICE_RETURN_IF_ERROR(Expr(items[i].expr()));
    if (!items[i].alias().empty()) {
      Append(" AS ");
      Identifier(items[i].alias());
    }
  }
  return absl::OkStatus();
}

void SqlRenderer::Assignments(const google::protobuf::RepeatedPtrField<plan::Assignment>& set,
                              absl::string_view qualifier, absl::Status* status) {
  for (int i = 0; i < set.size() && status->ok(); ++i) {
    if (i > 0) Append(", ");
    if (!qualifier.empty()) {
      Identifier(qualifier);
      Append(".");
    }
    Identifier(set[i].column());
    Append(" = ");
    *status = Expr(set[i].value());
  }
}

absl::Status SqlRenderer::ConflictClause(const plan::Conflict& conflict) {
  Append(" ON CONFLICT");
  if (!conflict.columns().empty()) {
    Append(" (");
    IdentifierList(conflict.columns());
    Append(")");
    if (conflict.has_target_where()) SLUICE_RETURN_IF_ERROR(Where(conflict.target_where()));
  } else if (conflict.has_target_where()) {
    return Malformed("a conflict target's WHERE without its columns");
  }
  if (conflict.set().empty()) {
    if (conflict.has_set_where()) return Malformed("DO NOTHING with a WHERE");
    Append(" DO NOTHING");
    return absl::OkStatus();
  }
  if (conflict.columns().empty()) return Malformed("DO UPDATE without a conflict target");
  Append(" DO UPDATE SET ");
  absl::Status status;
  Assignments(conflict.set(), "", &status);
  SLUICE_RETURN_IF_ERROR(status);
  if (conflict.has_set_where()) SLUICE_RETURN_IF_ERROR(Where(conflict.set_where()));
  return absl::OkStatus();
}

absl::Status SqlRenderer::Insert(const plan::Insert& insert) {
  Append("INSERT INTO ");
  Table(insert.table(), false);
  if (insert.rows().empty()) return Malformed("INSERT without rows");
  if (insert.columns().empty()) {
    if (insert.rows_size() > 1) return Unsupported("inserting several rows of only defaults");
    Append(" ");
    Append(dialect_.InsertDefaultValues());
  } else {
    Append(" (");
    IdentifierList(insert.columns());
    Append(") VALUES ");
    for (int r = 0; r < insert.rows_size(); ++r) {
      const plan::InsertRow& row = insert.rows(r);
      if (row.values_size() != insert.columns_size()) {
        return Malformed("an INSERT row whose width differs from its columns");
      }
      Append(r > 0 ? ", (" : "(");
      for (int c = 0; c < row.values_size(); ++c) {
        if (c > 0) Append(", ");
        SLUICE_RETURN_IF_ERROR(Expr(row.values(c)));
      }
      Append(")");
    }
  }
  if (!insert.on_conflict() && !insert.more_conflicts().empty()) return Malformed("conflict clauses without the first");
  if (insert.on_conflict() && dialect_.on_duplicate_key_update()) {
    if (!insert.more_conflicts().empty()) return Unsupported("several conflict clauses in one insert");
    if (insert.has_conflict_target_where()) return Unsupported("a partial-index conflict target (targetWhere)");
    if (insert.has_conflict_set_where()) return Unsupported("DO UPDATE ... WHERE (setWhere)");
    // Any unique key conflicts; "do nothing" assigns a column to itself (0 rows affected).
    Append(" ON DUPLICATE KEY UPDATE ");
    if (insert.conflict_set().empty()) {
      if (insert.columns().empty() && insert.conflict_columns().empty()) {
        return Malformed("an upsert without columns");
      }
      const std::string& column = insert.conflict_columns().empty() ? insert.columns(0) : insert.conflict_columns(0);
      Identifier(column);
      Append(" = ");
      Identifier(column);
    }
    absl::Status status;
    Assignments(insert.conflict_set(), "", &status);
    SLUICE_RETURN_IF_ERROR(status);
  } else if (insert.on_conflict()) {
    if (!insert.more_conflicts().empty() && !dialect_.has_multiple_conflict_clauses()) {
      return Unsupported("several ON CONFLICT clauses in one insert");
    }
    plan::Conflict first;
    *first.mutable_columns() = insert.conflict_columns();
    *first.mutable_set() = insert.conflict_set();
    if (insert.has_conflict_target_where()) *first.mutable_target_where() = insert.conflict_target_where();
    if (insert.has_conflict_set_where()) *first.mutable_set_where() = insert.conflict_set_where();
    SLUICE_RETURN_IF_ERROR(ConflictClause(first));
    for (const plan::Conflict& more : insert.more_conflicts()) SLUICE_RETURN_IF_ERROR(ConflictClause(more));
  }
  return Returning(plan::Plan::kInsert, insert.returning(), insert.returning_items());
}

absl::Status SqlRenderer::Update(const plan::Update& update) {
  Append("UPDATE ");
  Table(update.table(), false);
  if (update.set().empty()) return Malformed("UPDATE without assignments");
  const auto& from = update.from();
  absl::Status status;
  if (!from.empty() && dialect_.update_joins()) {
    // UPDATE t INNER JOIN s ON ... SET t.c = ... WHERE ...
    SLUICE_RETURN_IF_ERROR(Joins(from, 0));
    Append(" SET ");
    Assignments(update.set(), update.table().name(), &status);
    SLUICE_RETURN_IF_ERROR(status);
    if (update.has_where()) SLUICE_RETURN_IF_ERROR(Where(update.where()));
  } else {
    Append(" SET ");
    Assignments(update.set(), "", &status);
    SLUICE_RETURN_IF_ERROR(status);
    if (!from.empty()) {
      // UPDATE t SET ... FROM s [JOIN ...] WHERE <s's condition> AND <where>
      if (from[0].type() != plan::INNER || from[0].lateral()) return Malformed("UPDATE ... FROM's first source");
      Append(" FROM ");
      SLUICE_RETURN_IF_ERROR(JoinSource(from[0]));
      SLUICE_RETURN_IF_ERROR(Joins(from, 1));
    }
    std::vector<plan::Expr> where;
    if (!from.empty() && from[0].has_on()) where.push_back(from[0].on());
    if (update.has_where()) where.push_back(update.where());
    if (where.size() == 1) SLUICE_RETURN_IF_ERROR(Where(where[0]));
    if (where.size() == 2) {
      plan::Expr both;
      both.mutable_call()->set_op(plan::AND);
      for (plan::Expr& e : where) *both.mutable_call()->add_args() = std::move(e);
      SLUICE_RETURN_IF_ERROR(Where(both));
    }
  }
  if (update.returning_reads_from() && !dialect_.has_returning_from_sources()) {
    return Unsupported("RETURNING columns of UPDATE ... FROM sources");
  }
  return Returning(plan::Plan::kUpdate, update.returning(), update.returning_items(),
                   from.empty() ? "" : update.table().name());
}

absl::Status SqlRenderer::Delete(const plan::Delete& del) {
  Append("DELETE FROM ");
  Table(del.table(), false);
  if (del.has_where()) SLUICE_RETURN_IF_ERROR(Where(del.where()));
  return Returning(plan::Plan::kDelete, del.returning(), del.returning_items());
}

void SqlRenderer::Action(absl::string_view clause, plan::Action action) {
  static constexpr const char* kNames[] = {"", "NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"};
  if (action <= plan::ACTION_DEFAULT || action > plan::SET_DEFAULT) return;
  Append(clause);
  Append(kNames[action]);
}

absl::Status SqlRenderer::ColumnDefinition(const plan::ColumnDef& column) {
  if (!dialect_.has_namespaces() && !column.type().enum_namespace().empty()) {
    return Unsupported("namespaces (PostgreSQL schemas)");
  }
  SLUICE_ASSIGN_OR_RETURN(std::string type, TypeSql(column.type()));
  std::string suffix;
  bool primary_key_written = false;
  if (column.identity() == plan::IDENTITY_ALWAYS || column.identity() == plan::IDENTITY_SERIAL) {
    if (!column.auto_increment()) return Malformed("an identity kind on a column that is not auto_increment");
    if (!dialect_.has_identity_kinds()) {
      return Unsupported(column.identity() == plan::IDENTITY_ALWAYS ? "GENERATED ALWAYS AS IDENTITY columns"
                                                                    : "serial columns");
    }
  }
  if (column.auto_increment()) {
    SLUICE_RETURN_IF_ERROR(dialect_.AutoIncrement(column, &type, &suffix, &primary_key_written));
  }
  Identifier(column.name());
  Append(" ");
  Append(type);
  if (column.has_generated()) {
    if (!column.generated_stored() && !dialect_.has_virtual_generated_columns()) {
      return Unsupported("VIRTUAL generated columns (make it stored)");
    }
    Append(" GENERATED ALWAYS AS (");
    SLUICE_RETURN_IF_ERROR(Expr(column.generated()));
    Append(column.generated_stored() ? ") STORED" : ") VIRTUAL");
  }
  if (column.primary_key() && !primary_key_written) Append(" PRIMARY KEY");
  Append(suffix);
  if (column.not_null()) Append(" NOT NULL");
  if (column.unique()) Append(" UNIQUE");
  if (column.has_default_()) {
    Append(" DEFAULT ");
    const bool call = column.default_().has_call();
    if (call) Append("(");
    SLUICE_RETURN_IF_ERROR(Expr(column.default_()));
    if (call) Append(")");
  }
  if (column.type().kind() == plan::ENUM && dialect_.checks_enum_values()) {
    Append(" CHECK (");
    Identifier(column.name());
    Append(" IN (");
    for (int i = 0; i < column.type().enum_values_size(); ++i) {
      if (i > 0) Append(", ");
      Append(dialect_.StringLiteral(column.type().enum_values(i)));
    }
    Append("))");
  }
  return absl::OkStatus();
}

absl::Status SqlRenderer::CreateTable(const plan::CreateTable& create) {
  if (!dialect_.has_namespaces() && !create.table().namespace_().empty()) {
    return Unsupported("namespaces (PostgreSQL schemas)");
  }
  if (create.columns().empty()) return Malformed("CREATE TABLE without columns");
  Append(create.if_not_exists() ? "CREATE TABLE IF NOT EXISTS " : "CREATE TABLE ");
  Table(create.table(), false);
  Append(" (");
  for (int i = 0; i < create.columns_size(); ++i) {
    if (i > 0) Append(", ");
    SLUICE_RETURN_IF_ERROR(ColumnDefinition(create.columns(i)));
  }
  if (!create.primary_key().empty()) {
    Append(", PRIMARY KEY (");
    IdentifierList(create.primary_key());
    Append(")");
  }
  for (const plan::Unique& unique : create.uniques()) {
    Append(", CONSTRAINT ");
    Identifier(unique.name());
    Append(" UNIQUE (");
    IdentifierList(unique.columns());
    Append(")");
  }
  for (const plan::ForeignKey& fk : create.foreign_keys()) {
    Append(", CONSTRAINT ");
    Identifier(fk.name());
    Append(" ");
    SLUICE_RETURN_IF_ERROR(ConstraintBody(fk));
  }
  for (const plan::Check& check : create.checks()) {
    Append(", CONSTRAINT ");
    Identifier(check.name());
    Append(" CHECK (");
    SLUICE_RETURN_IF_ERROR(Expr(check.condition()));
    Append(")");
  }
  Append(")");
  Append(dialect_.TableOptions());
  return absl::OkStatus();
}

absl::Status SqlRenderer::CreateIndex(const plan::CreateIndex& create) {
  if (create.columns().empty()) return Malformed("an index without columns");
  SLUICE_ASSIGN_OR_RETURN(auto method, dialect_.IndexMethod(create.method()));
  Append(create.unique() ? "CREATE UNIQUE INDEX " : "CREATE INDEX ");
  if (create.if_not_exists()) Append("IF NOT EXISTS ");
  Identifier(create.name());
  Append(" ON ");
  Table(create.table(), false);
  Append(method);
  Append(" (");
  IdentifierList(create.columns());
  Append(")");
  if (create.has_where()) return Where(create.where());
  return absl::OkStatus();
}

absl::Status SqlRenderer::CreateEnum(const plan::CreateEnum& create) {
  if (!dialect_.has_enum_types()) return absl::OkStatus();  // checks on the columns instead
  if (create.values().empty()) return Malformed("an enum without values");
  plan::TableRef ref;
  ref.set_namespace_(create.namespace_());
  ref.set_name(create.name());
  Append("CREATE TYPE ");
  Table(ref, false);
  Append(" AS ENUM (");
  for (int i = 0; i < create.values_size(); ++i) {
    if (i > 0) Append(", ");
    Append(dialect_.StringLiteral(create.values(i)));
  }
  Append(")");
  return absl::OkStatus();
}

}  // namespace sluice::sdk
