#ifndef SLUICE_SERVICES_QUERY_SERVICE_H_
#define SLUICE_SERVICES_QUERY_SERVICE_H_

#include "services/server_state.h"
#include "sluice/v1/query_service.grpc.pb.h"

namespace sluice {

// The calls that run one statement, and Batch, are served on gRPC's completion-queue API, raw
// (UnaryCalls decodes the request: handlers that never block, see Statement and Batch in
// query_service.cc), and so are Transaction (query_transaction.cc) and SelectStream
// (query_select_stream.cc); the rest are synchronous.
using QueryServiceBase = v1::QueryService::WithRawMethod_Select<
    v1::QueryService::WithRawMethod_Insert<v1::QueryService::WithRawMethod_Update<
        v1::QueryService::WithRawMethod_Delete<v1::QueryService::WithRawMethod_FindMany<
            v1::QueryService::WithRawMethod_FindFirst<v1::QueryService::WithRawMethod_ExecutePrepared<
                v1::QueryService::WithRawMethod_Batch<v1::QueryService::WithAsyncMethod_Transaction<
                    v1::QueryService::WithRawMethod_SelectStream<v1::QueryService::Service>>>>>>>>>>;

class QueryServiceImpl final : public QueryServiceBase {
 public:
  explicit QueryServiceImpl(ServerState& state) : state_(state) {}

  // The paths of the methods that decode their requests themselves ("/sluice.v1.QueryService/Select",
  // ...): those served by UnaryCalls, and SelectStream.
  static std::vector<std::string> DecodingMethodPaths();

  // Serves Select, Insert, Update, Delete, FindMany, FindFirst and ExecutePrepared on `calls`.
  void ServeUnary(UnaryCalls& calls);
  // Serves Transaction on `calls`' queues too (query_transaction.cc): no thread waits while the
  // client thinks.
  void ServeTransactions(UnaryCalls& calls);
  // Serves SelectStream on `calls`' queues too (query_select_stream.cc): its rows are read and
  // written on a session worker, the next batch once the client took the last.
  void ServeSelectStreams(UnaryCalls& calls);

  void Select(grpc::ServerContext* context, const v1::SelectRequest* request, v1::SelectResponse* response,
              Answer answer);
  void Insert(grpc::ServerContext* context, const v1::InsertRequest* request, v1::InsertResponse* response,
              Answer answer);
  void Update(grpc::ServerContext* context, const v1::UpdateRequest* request, v1::UpdateResponse* response,
              Answer answer);
  void Delete(grpc::ServerContext* context, const v1::DeleteRequest* request, v1::DeleteResponse* response,
              Answer answer);
  void FindMany(grpc::ServerContext* context, const v1::FindManyRequest* request, v1::FindManyResponse* response,
                Answer answer);
  void FindFirst(grpc::ServerContext* context, const v1::FindFirstRequest* request, v1::FindFirstResponse* response,
                 Answer answer);
  void ExecutePrepared(grpc::ServerContext* context, const v1::ExecutePreparedRequest* request,
                       v1::ExecutePreparedResponse* response, Answer answer);

  // FindMany (FindFirst when `first`) for the typed services (their requests ask for
  // FIND_FORMAT_ROWS: no Drizzle-shaped JSON, which they do not send).
  void FindNested(grpc::ServerContext* context, const v1::FindManyRequest* request, bool first, v1::FindResult* result,
                  Answer answer);

  // SelectStream's work (blocking: on a session worker), its messages written through `write`
  // (false: the client is gone). The typed services' Stream runs on it too.
  grpc::Status SelectStreamTo(grpc::ServerContext* context, const v1::SelectStreamRequest& request,
                              const std::function<bool(const v1::SelectStreamResponse&)>& write);
  void Batch(grpc::ServerContext* context, const v1::BatchRequest* request, v1::BatchResponse* response, Answer answer);
  grpc::Status Prepare(grpc::ServerContext* context, const v1::PrepareRequest* request,
                       v1::PrepareResponse* response) override;
  grpc::Status Raw(grpc::ServerContext* context, const v1::RawRequest* request, v1::RawResponse* response) override;
  grpc::Status RefreshMaterializedView(grpc::ServerContext* context, const v1::RefreshMaterializedViewRequest* request,
                                       v1::RefreshMaterializedViewResponse* response) override;

 private:
  struct StatementCall;
  // A call resolved to its database and one planned statement (false: it could not be from
  // cached state alone, `cached_only`).
  using Resolve = std::function<absl::StatusOr<bool>(StatementCall& out, const CallContext& call, bool cached_only)>;
  // What a request asks for besides the rows: the statement only (`to_sql`), or the database's
  // plan (`explain`, `analyze`: admin scope).
  struct Mode {
    bool to_sql = false;
    bool explain = false;
    bool analyze = false;
  };
  template <typename Request>
  static Mode ModeOf(const Request& request) {
    return {request.to_sql(), request.explain(), request.analyze()};
  }
  // One statement's call: `request` is the call's (for the field path of a value the database
  // refused to store).
  void Statement(grpc::ServerContext* context, const google::protobuf::Message& request, const char* method,
                 const std::string& database, Mode mode, Resolve resolve, Answer answer);
  // Resolve for a request with a target: its database and schema, then `plan` sets the statement.
  using PlanFn = std::function<absl::Status(const std::shared_ptr<const SchemaIndex>& schema, StatementCall& out)>;
  Resolve Planned(const v1::Target& target, PlanFn plan);
  // The PlanFn of a one-statement request: `message` planned through the database's plan cache
  // (as `kind`) by `plan(schema, message)`, its result into `out`.
  template <typename Message, typename Plan>
  static PlanFn OneStatement(char kind, const Message& message, Plan plan, v1::QueryResult* out);
  // The schema `name` of `db`; with `cached_only`, nullptr unless the cached version is fresh.
  absl::StatusOr<std::shared_ptr<const SchemaIndex>> SchemaOf(Database& db, const CallContext& call,
                                                              const std::string& name, bool cached_only);
  // FindMany (FindFirst when `first`).
  template <typename Request>
  void Find(grpc::ServerContext* context, const Request& request, bool first, v1::FindResult* result, Answer answer);

  ServerState& state_;
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_QUERY_SERVICE_H_
