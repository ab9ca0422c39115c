#include "services/migration_service.h"

#include "common/status_macros.h"
#include "services/grpc_status.h"
#include "services/query_service.h"

namespace sluice {

grpc::Status MigrationServiceImpl::Generate(grpc::ServerContext*, const v1::GenerateRequest* request,
                                            v1::GenerateResponse* response) {
  return ToGrpcStatus([&]() -> absl::Status {
    SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request->database()));
    SLUICE_ASSIGN_OR_RETURN(*response->mutable_migration(),
                            state_.migrator.Generate(*db, request->schema(), request->version(),
                                                     request->name()));
    return absl::OkStatus();
  }());
}

grpc::Status MigrationServiceImpl::Migrate(grpc::ServerContext*, const v1::MigrateRequest* request,
                                           v1::MigrateResponse* response) {
  return ToGrpcStatus([&]() -> absl::Status {
    SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request->database()));
    SLUICE_ASSIGN_OR_RETURN(
        std::vector<std::string> applied,
        state_.migrator.Migrate(*db, request->schema(),
                                {request->migrations().begin(), request->migrations().end()}));
    for (auto& name : applied) response->add_applied(std::move(name));
    return absl::OkStatus();
  }());
}

grpc::Status MigrationServiceImpl::Status(grpc::ServerContext*, const v1::StatusRequest* request,
                                          v1::StatusResponse* response) {
  return ToGrpcStatus([&]() -> absl::Status {
    SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request->database()));
    SLUICE_ASSIGN_OR_RETURN(std::vector<v1::AppliedMigration> applied,
                            state_.migrator.Applied(*db, request->schema()));
    for (auto& m : applied) *response->add_applied() = std::move(m);
    return absl::OkStatus();
  }());
}

grpc::Status MigrationServiceImpl::Push(grpc::ServerContext*, const v1::PushRequest*, v1::PushResponse*) {
  return NotYetImplemented("Push", "push (diffing a live database)");
}

grpc::Status MigrationServiceImpl::Pull(grpc::ServerContext*, const v1::PullRequest*, v1::PullResponse*) {
  return NotYetImplemented("Pull", "pull (introspection)");
}

grpc::Status MigrationServiceImpl::Check(grpc::ServerContext*, const v1::CheckRequest*, v1::CheckResponse*) {
  return NotYetImplemented("Check", "checking a migrations folder");
}

}  // namespace sluice
