#include "services/migration_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "services/grpc_status.h"
#include "typed/client_breaking.h"

namespace sluice {

grpc::Status MigrationServiceImpl::Generate(grpc::ServerContext* context, const v1::GenerateRequest* request,
                                            v1::GenerateResponse* response) {
  return state_.Serve(
      context, "MigrationService/Generate", Scope::kAdmin, request->target().database(), [&]() -> absl::Status {
        SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request->target().database()));
        SLUICE_ASSIGN_OR_RETURN(*response, state_.migrator.Generate(*db, state_.CallOf(context), *request));
        return absl::OkStatus();
      });
}

grpc::Status MigrationServiceImpl::Migrate(grpc::ServerContext* context, const v1::MigrateRequest* request,
                                           v1::MigrateResponse* response) {
  return state_.Serve(
      context, "MigrationService/Migrate", Scope::kAdmin, request->target().database(), [&]() -> absl::Status {
        SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request->target().database()));
        std::vector<v1::Migration> migrations(request->migrations().begin(), request->migrations().end());
        if (request->baseline()) {
          SLUICE_ASSIGN_OR_RETURN(
              std::vector<std::string> recorded,
              state_.migrator.Baseline(*db, state_.CallOf(context), request->target().schema(), std::move(migrations)));
          for (auto& name : recorded) response->add_baselined(std::move(name));
          return absl::OkStatus();
        }
        SLUICE_ASSIGN_OR_RETURN(
            std::vector<std::string> applied,
            state_.migrator.Migrate(*db, state_.CallOf(context), request->target().schema(), std::move(migrations)));
        for (auto& name : applied) response->add_applied(std::move(name));
        return absl::OkStatus();
      });
}

grpc::Status MigrationServiceImpl::Status(grpc::ServerContext* context, const v1::StatusRequest* request,
                                          v1::StatusResponse* response) {
  return state_.Serve(
      context, "MigrationService/Status", Scope::kAdmin, request->target().database(), [&]() -> absl::Status {
        SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request->target().database()));
        SLUICE_ASSIGN_OR_RETURN(std::vector<v1::AppliedMigration> applied,
                                state_.migrator.Applied(*db, state_.CallOf(context), request->target().schema()));
        for (const v1::Migration& m : request->migrations()) {
          if (std::none_of(applied.begin(), applied.end(),
                           [&](const auto& a) { return a.name() == m.name() && !a.dirty(); })) {
            response->add_pending(m.name());
          }
        }
        for (auto& m : applied) {
          response->set_dirty(response->dirty() || m.dirty());
          *response->add_applied() = std::move(m);
        }
        // Drift, for a registered schema.
        auto drift = state_.migrator.Drift(*db, state_.CallOf(context), request->target().schema());
        if (drift.ok()) {
          for (auto& statement : *drift) response->add_drift(std::move(statement));
        } else if (drift.status().code() != absl::StatusCode::kNotFound) {
          return drift.status();
        }
        return absl::OkStatus();
      });
}

grpc::Status MigrationServiceImpl::Push(grpc::ServerContext* context, const v1::PushRequest* request,
                                        v1::PushResponse* response) {
  return state_.Serve(context, "MigrationService/Push", Scope::kAdmin, request->target().database(),
                      [&]() -> absl::Status {
                        SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request->target().database()));
                        SLUICE_ASSIGN_OR_RETURN(*response, state_.migrator.Push(*db, state_.CallOf(context), *request));
                        return absl::OkStatus();
                      });
}

grpc::Status MigrationServiceImpl::Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                                        v1::PullResponse* response) {
  return state_.Serve(context, "MigrationService/Pull", Scope::kAdmin, request->target().database(),
                      [&]() -> absl::Status {
                        SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request->target().database()));
                        SLUICE_ASSIGN_OR_RETURN(*response->mutable_schema(),
                                                state_.migrator.Pull(*db, state_.CallOf(context), *request));
                        return absl::OkStatus();
                      });
}

grpc::Status MigrationServiceImpl::Check(grpc::ServerContext* context, const v1::CheckRequest* request,
                                         v1::CheckResponse* response) {
  return state_.Serve(context, "MigrationService/Check", Scope::kAdmin, "", [&]() -> absl::Status {
    for (std::string& problem : CheckMigrations({request->migrations().begin(), request->migrations().end()})) {
      response->add_problems(std::move(problem));
    }
    for (int i = 1; i < request->migrations_size(); ++i) {
      const v1::Migration& m = request->migrations(i);
      for (const std::string& change :
           typed::ClientBreakingChanges(request->migrations(i - 1).snapshot(), m.snapshot(), {})) {
        response->add_client_breaking(absl::StrCat(m.name(), ": ", change));
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace sluice
