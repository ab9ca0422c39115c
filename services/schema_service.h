#ifndef SLUICE_SERVICES_SCHEMA_SERVICE_H_
#define SLUICE_SERVICES_SCHEMA_SERVICE_H_

#include "services/server_state.h"
#include "sluice/v1/schema_service.grpc.pb.h"

namespace sluice {

class SchemaServiceImpl final : public v1::SchemaService::Service {
 public:
  explicit SchemaServiceImpl(ServerState& state) : state_(state) {}

  grpc::Status RegisterSchema(grpc::ServerContext* context, const v1::RegisterSchemaRequest* request,
                              v1::RegisterSchemaResponse* response) override;
  grpc::Status GetSchema(grpc::ServerContext* context, const v1::GetSchemaRequest* request,
                         v1::GetSchemaResponse* response) override;
  grpc::Status ListSchemas(grpc::ServerContext* context, const v1::ListSchemasRequest* request,
                           v1::ListSchemasResponse* response) override;
  grpc::Status GetSchemaProto(grpc::ServerContext* context, const v1::GetSchemaProtoRequest* request,
                              v1::GetSchemaProtoResponse* response) override;

 private:
  ServerState& state_;
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_SCHEMA_SERVICE_H_
