#ifndef SLUICE_SERVICES_QUERY_SERVICE_H_
#define SLUICE_SERVICES_QUERY_SERVICE_H_

#include "services/server_state.h"
#include "sluice/v1/query_service.grpc.pb.h"

namespace sluice {

class QueryServiceImpl final : public v1::QueryService::Service {
 public:
  explicit QueryServiceImpl(ServerState& state) : state_(state) {}

  grpc::Status Select(grpc::ServerContext* context, const v1::SelectRequest* request,
                      v1::SelectResponse* response) override;
  grpc::Status Insert(grpc::ServerContext* context, const v1::InsertRequest* request,
                      v1::InsertResponse* response) override;
  grpc::Status Update(grpc::ServerContext* context, const v1::UpdateRequest* request,
                      v1::UpdateResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context, const v1::DeleteRequest* request,
                      v1::DeleteResponse* response) override;

  grpc::Status SelectStream(grpc::ServerContext* context, const v1::SelectStreamRequest* request,
                            grpc::ServerWriter<v1::SelectStreamResponse>* writer) override;
  grpc::Status Batch(grpc::ServerContext* context, const v1::BatchRequest* request,
                     v1::BatchResponse* response) override;
  grpc::Status Transaction(grpc::ServerContext* context,
                           grpc::ServerReaderWriter<v1::TransactionResponse, v1::TransactionRequest>* stream) override;
  grpc::Status FindMany(grpc::ServerContext* context, const v1::FindManyRequest* request,
                        v1::FindManyResponse* response) override;
  grpc::Status FindFirst(grpc::ServerContext* context, const v1::FindFirstRequest* request,
                         v1::FindFirstResponse* response) override;
  grpc::Status Prepare(grpc::ServerContext* context, const v1::PrepareRequest* request,
                       v1::PrepareResponse* response) override;
  grpc::Status ExecutePrepared(grpc::ServerContext* context, const v1::ExecutePreparedRequest* request,
                               v1::ExecutePreparedResponse* response) override;
  grpc::Status Raw(grpc::ServerContext* context, const v1::RawRequest* request, v1::RawResponse* response) override;

 private:
  // FindMany (FindFirst when `first`).
  template <typename Request>
  grpc::Status Find(grpc::ServerContext* context, const Request& request, bool first, v1::FindResult* result);
  template <typename Request, typename PlanFn>
  grpc::Status Run(grpc::ServerContext* context, const char* method, const Request& request, PlanFn plan,
                   v1::QueryResult* response);

  ServerState& state_;
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_QUERY_SERVICE_H_
