#include "services/admin_service.h"

namespace sluice {

grpc::Status AdminServiceImpl::ListPlugins(grpc::ServerContext* context, const v1::ListPluginsRequest*,
                                           v1::ListPluginsResponse* response) {
  return state_.Serve(context, "AdminService/ListPlugins", Scope::kAdmin, "", [&]() -> absl::Status {
    for (const auto& plugin : state_.plugins.plugins()) {
      v1::Plugin* out = response->add_plugins();
      out->set_name(plugin->name());
      out->set_version(plugin->version());
      out->set_abi_major(plugin->abi_major());
      out->set_abi_minor(plugin->abi_minor());
      out->set_path(plugin->path());
      for (const std::string& scheme : plugin->url_schemes()) out->add_url_schemes(scheme);
      for (const std::string& capability : plugin->CapabilityNames()) out->add_capabilities(capability);
    }
    for (const RefusedPlugin& refused : state_.plugins.refused()) {
      v1::RefusedPlugin* out = response->add_refused();
      out->set_path(refused.path);
      out->set_reason(refused.reason);
    }
    return absl::OkStatus();
  });
}

grpc::Status AdminServiceImpl::ListDatabases(grpc::ServerContext* context, const v1::ListDatabasesRequest*,
                                             v1::ListDatabasesResponse* response) {
  return state_.Serve(context, "AdminService/ListDatabases", Scope::kAdmin, "", [&]() -> absl::Status {
    for (const auto& [name, db] : state_.databases->all()) {
      v1::Database* out = response->add_databases();
      out->set_name(name);
      out->set_dialect(db->dialect().name());
      out->set_url(db->display_url());
      for (const auto& replica : db->replicas()) {
        v1::Replica* r = out->add_replicas();
        r->set_url(replica->display_url());
        r->set_up(replica->up());
        r->set_reads(replica->reads());
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace sluice
