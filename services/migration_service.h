#ifndef SLUICE_SERVICES_MIGRATION_SERVICE_H_
#define SLUICE_SERVICES_MIGRATION_SERVICE_H_

#include "services/server_state.h"
#include "sluice/v1/migration_service.grpc.pb.h"

namespace sluice {

class MigrationServiceImpl final : public v1::MigrationService::Service {
 public:
  explicit MigrationServiceImpl(ServerState& state) : state_(state) {}

  grpc::Status Generate(grpc::ServerContext* context, const v1::GenerateRequest* request,
                        v1::GenerateResponse* response) override;
  grpc::Status Migrate(grpc::ServerContext* context, const v1::MigrateRequest* request,
                       v1::MigrateResponse* response) override;
  grpc::Status Status(grpc::ServerContext* context, const v1::StatusRequest* request,
                      v1::StatusResponse* response) override;
  grpc::Status Push(grpc::ServerContext* context, const v1::PushRequest* request, v1::PushResponse* response) override;
  grpc::Status Pull(grpc::ServerContext* context, const v1::PullRequest* request, v1::PullResponse* response) override;
  grpc::Status Check(grpc::ServerContext* context, const v1::CheckRequest* request,
                     v1::CheckResponse* response) override;

 private:
  ServerState& state_;
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_MIGRATION_SERVICE_H_
