#include "services/schema_service.h"

#include "common/errors.h"
#include "common/status_macros.h"
#include "google/protobuf/descriptor.pb.h"
#include "schema/relations.h"
#include "services/grpc_status.h"

namespace sluice {

grpc::Status SchemaServiceImpl::RegisterSchema(grpc::ServerContext* context, const v1::RegisterSchemaRequest* request,
                                               v1::RegisterSchemaResponse* response) {
  return state_.Serve(
      context, "SchemaService/RegisterSchema", Scope::kAdmin, request->target().database(), [&]() -> absl::Status {
        if (!request->target().schema().empty() && request->target().schema() != request->schema().name()) {
          return InvalidField("target.schema", "names another schema than schema.name (leave it empty, or the same)");
        }
        SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request->target().database()));
        SLUICE_ASSIGN_OR_RETURN(
            Registration registration,
            state_.registry.Register(*db, state_.CallOf(context), request->schema(), request->strict(),
                                     {request->renames().begin(), request->renames().end()}));
        state_.typed_api.Put(registration.schema.typed);  // served from now on
        *response->mutable_version() = registration.schema.version;
        response->set_created(registration.created);
        for (v1::SchemaWarning& w : registration.warnings) *response->add_warnings() = std::move(w);
        return absl::OkStatus();
      });
}

grpc::Status SchemaServiceImpl::GetSchema(grpc::ServerContext* context, const v1::GetSchemaRequest* request,
                                          v1::GetSchemaResponse* response) {
  return state_.Serve(
      context, "SchemaService/GetSchema", Scope::kData, request->target().database(), [&]() -> absl::Status {
        SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request->target().database()));
        SLUICE_ASSIGN_OR_RETURN(
            RegisteredSchema schema,
            state_.registry.Get(*db, state_.CallOf(context), request->target().schema(), request->version()));
        *response->mutable_version() = schema.version;
        *response->mutable_schema() = schema.index->schema();
        for (v1::SchemaWarning& w : LintSchema(*schema.index, "schema")) *response->add_warnings() = std::move(w);
        return absl::OkStatus();
      });
}

grpc::Status SchemaServiceImpl::ListSchemas(grpc::ServerContext* context, const v1::ListSchemasRequest* request,
                                            v1::ListSchemasResponse* response) {
  return state_.Serve(context, "SchemaService/ListSchemas", Scope::kData, request->target().database(),
                      [&]() -> absl::Status {
                        SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request->target().database()));
                        SLUICE_ASSIGN_OR_RETURN(std::vector<v1::SchemaVersion> versions,
                                                state_.registry.List(*db, state_.CallOf(context)));
                        for (auto& v : versions) *response->add_schemas() = std::move(v);
                        return absl::OkStatus();
                      });
}

grpc::Status SchemaServiceImpl::GetSchemaProto(grpc::ServerContext* context, const v1::GetSchemaProtoRequest* request,
                                               v1::GetSchemaProtoResponse* response) {
  return state_.Serve(
      context, "SchemaService/GetSchemaProto", Scope::kData, request->target().database(), [&]() -> absl::Status {
        SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request->target().database()));
        SLUICE_ASSIGN_OR_RETURN(
            RegisteredSchema schema,
            state_.registry.Typed(*db, state_.CallOf(context), request->target().schema(), request->version()));
        *response->mutable_version() = schema.version;
        response->set_file_name(schema.typed->descriptor()->name());
        response->set_proto(schema.typed->ProtoText());
        google::protobuf::FileDescriptorSet set;
        const google::protobuf::FileDescriptor* file = schema.typed->descriptor();
        for (int i = 0; i < file->dependency_count(); ++i) file->dependency(i)->CopyTo(set.add_file());
        file->CopyTo(set.add_file());
        response->set_descriptor_set(set.SerializeAsString());
        return absl::OkStatus();
      });
}

}  // namespace sluice
