// What the services share: plugins, databases, the schema registry and the migrator.
#ifndef SLUICE_SERVICES_SERVER_STATE_H_
#define SLUICE_SERVICES_SERVER_STATE_H_

#include <memory>

#include "executor/database.h"
#include "migrations/migrator.h"
#include "plugins/plugin_registry.h"
#include "schema/schema_registry.h"
#include "services/prepared_statements.h"

namespace sluice {

struct ServerState {
  explicit ServerState(PluginRegistry loaded) : plugins(std::move(loaded)), migrator(registry) {}

  PluginRegistry plugins;
  std::unique_ptr<Databases> databases;
  SchemaRegistry registry;
  Migrator migrator;
  PreparedStatements prepared;
  bool allow_raw_sql = false;
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_SERVER_STATE_H_
