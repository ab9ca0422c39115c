#ifndef SLUICE_SERVICES_QUERY_SERVICE_H_
#define SLUICE_SERVICES_QUERY_SERVICE_H_

#include "services/server_state.h"
#include "sluice/v1/query_service.grpc.pb.h"

namespace sluice {

class QueryServiceImpl final : public v1::QueryService::Service {
 public:
  explicit QueryServiceImpl(ServerState& state) : state_(state) {}

  grpc::Status Select(grpc::ServerContext* context, const v1::SelectRequest* request,
                      v1::QueryResult* response) override;
  grpc::Status Insert(grpc::ServerContext* context, const v1::InsertRequest* request,
                      v1::QueryResult* response) override;
  grpc::Status Update(grpc::ServerContext* context, const v1::UpdateRequest* request,
                      v1::QueryResult* response) override;
  grpc::Status Delete(grpc::ServerContext* context, const v1::DeleteRequest* request,
                      v1::QueryResult* response) override;

  grpc::Status SelectStream(grpc::ServerContext* context, const v1::SelectRequest* request,
                            grpc::ServerWriter<v1::QueryResult>* writer) override;
  grpc::Status Batch(grpc::ServerContext* context, const v1::BatchRequest* request,
                     v1::BatchResponse* response) override;
  grpc::Status Transaction(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::TransactionResponse, v1::TransactionRequest>* stream) override;
  grpc::Status FindMany(grpc::ServerContext* context, const v1::FindRequest* request,
                        v1::FindResponse* response) override;
  grpc::Status FindFirst(grpc::ServerContext* context, const v1::FindRequest* request,
                         v1::FindResponse* response) override;
  grpc::Status Prepare(grpc::ServerContext* context, const v1::PrepareRequest* request,
                       v1::PrepareResponse* response) override;
  grpc::Status ExecutePrepared(grpc::ServerContext* context, const v1::ExecutePreparedRequest* request,
                               v1::QueryResult* response) override;
  grpc::Status Raw(grpc::ServerContext* context, const v1::RawRequest* request,
                   v1::QueryResult* response) override;

 private:
  // FindMany (FindFirst when `first`).
  grpc::Status Find(grpc::ServerContext* context, const v1::FindRequest& request, bool first,
                    v1::FindResponse* response);
  template <typename Request, typename PlanFn>
  grpc::Status Run(grpc::ServerContext* context, const char* method, const Request& request, PlanFn plan,
                   v1::QueryResult* response);

  ServerState& state_;
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_QUERY_SERVICE_H_
