#ifndef SLUICE_SERVICES_ADMIN_SERVICE_H_
#define SLUICE_SERVICES_ADMIN_SERVICE_H_

#include "services/server_state.h"
#include "sluice/v1/admin_service.grpc.pb.h"

namespace sluice {

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  explicit AdminServiceImpl(ServerState& state) : state_(state) {}

  grpc::Status ListPlugins(grpc::ServerContext* context, const v1::ListPluginsRequest* request,
                           v1::ListPluginsResponse* response) override;
  grpc::Status ListDatabases(grpc::ServerContext* context, const v1::ListDatabasesRequest* request,
                             v1::ListDatabasesResponse* response) override;

 private:
  ServerState& state_;
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_ADMIN_SERVICE_H_
