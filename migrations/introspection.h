// A live database's schema: read through the dialect plugin, as a sluice schema, and set beside
// a registered one so that only real differences remain.
#ifndef SLUICE_MIGRATIONS_INTROSPECTION_H_
#define SLUICE_MIGRATIONS_INTROSPECTION_H_

#include <set>
#include <string>

#include "plugins/dialect_plugin.h"
#include "sluice/plan/plan.h"
#include "sluice/v1/schema.pb.h"

namespace sluice {

// `catalog` as a schema named `name`. Single-column keys, uniques and foreign keys with the
// default names become column attributes; an enum column whose dialect names no enum gets an
// enum `<table>_<column>`; checks keep their SQL (`Check.sql`).
v1::Schema SchemaFromCatalog(const plan::Catalog& catalog, const std::string& name);

// `pulled` (from SchemaFromCatalog) with what the database cannot tell apart from `registered`
// taken from it: a column's type and default where `dialect` writes both the same way, an enum
// the database does not name, a check or an index of the same name and columns (their
// conditions are the database's text). Also takes `registered`'s name.
void Reconcile(const DialectPlugin& dialect, const v1::Schema& registered, v1::Schema* pulled);

// What a schema manages in a database, by name: one database may hold several schemas.
struct Owned {
  std::set<std::string> tables, enums, sequences, roles;  // tables: and views
  // Adds the tables, enums and sequences of `schema`.
  void Add(const v1::Schema& schema);
};

// `schema`'s roles reduced to those its tables' policies and grants name, and `also`.
void KeepRoles(const std::set<std::string>& also, v1::Schema* schema);

// `live` reduced to what `owned` names, and the enums, sequences and roles its tables use.
void KeepOwned(const Owned& owned, v1::Schema* live);

// Proposes relations for `schema`'s foreign keys (see PullRequest.relations).
void AddRelationsFromForeignKeys(v1::Schema* schema);

}  // namespace sluice

#endif  // SLUICE_MIGRATIONS_INTROSPECTION_H_
