// The benchmark's load generator: a gRPC client (the completion-queue API on one thread,
// `--concurrency` calls in flight) that drives a request mix against sluiced for a time and
// reports throughput and latency percentiles per request kind, with the server's CPU seconds and
// peak RSS; it also writes the same statements as pgbench scripts (the raw baseline) and measures
// cold starts.
//
//   load --addr HOST:PORT --sizes JSON --kinds customer_by_id,... --concurrency 16 --seconds 10 --pid PID
//        [--to-sql true]   (requests are planned and compiled by sluiced, not executed)
//   load --addr HOST:PORT --sizes JSON --pgbench KIND        (prints a pgbench script)
//   load --cold-start SLUICED --plugin-dir DIR --database NAME=URL [--runs 5]
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "sluice/v1/query_service.grpc.pb.h"
#include "sluice/v1/schema_service.grpc.pb.h"

namespace {

namespace v1 = sluice::v1;
using Clock = std::chrono::steady_clock;

template <typename M>
M Parse(const std::string& json) {
  M m;
  auto status = google::protobuf::util::JsonStringToMessage(json, &m);
  if (!status.ok()) {
    std::cerr << "load: bad request template: " << status.message() << "\n" << json << "\n";
    std::exit(2);
  }
  return m;
}

struct Sizes {
  int64_t customers = 0, employees = 0, products = 0, orders = 0;
};

// One request kind: a way to send it (async) with fresh values, and its pgbench form.
// The response type of a unary stub method.
template <typename Method>
struct ResponseOfMethod;
template <typename Request, typename Response>
struct ResponseOfMethod<grpc::Status (v1::QueryService::Stub::*)(grpc::ClientContext*, const Request&, Response*)> {
  using type = Response;
};
template <typename Method>
using ResponseOf = typename ResponseOfMethod<Method>::type;

struct Kind {
  std::string name;
  // Sends one request with values from `rng`; calls `done(ok)` when it completes.
  std::function<void(v1::QueryService::Stub*, std::mt19937_64&, std::function<void(bool)>)> send;
  // The same request with `to_sql`, and the pgbench `\set` line per varying parameter (by
  // parameter index); other parameters are written as literals.
  std::function<std::string(v1::QueryService::Stub*)> pgbench;
  // Reads only: the rows of the request with its template's values, as JSON (--check).
  std::function<std::string(v1::QueryService::Stub*)> check = nullptr;
};

// A value as JSON: numbers as numbers, decimals, dates and timestamps as strings.
std::string ValueJson(const v1::Value& v) {
  switch (v.kind_case()) {
    case v1::Value::kNullValue:
      return "null";
    case v1::Value::kBoolValue:
      return v.bool_value() ? "true" : "false";
    case v1::Value::kIntValue:
      return absl::StrCat(v.int_value());
    case v1::Value::kDoubleValue:
      return absl::StrCat(v.double_value());
    default: {
      std::string text;  // {"stringValue": "..."}: the string
      google::protobuf::util::MessageToJsonString(v, &text);
      return text.substr(text.find(':') + 1, text.size() - text.find(':') - 2);
    }
  }
}

// The rows of a select as a JSON array of objects, column → value (--check).
std::string RowsJson(const v1::QueryResult& result) {
  std::string out = "[";
  for (int r = 0; r < result.rows_size(); ++r) {
    absl::StrAppend(&out, r > 0 ? "," : "", "{");
    for (int c = 0; c < result.columns_size(); ++c) {
      absl::StrAppend(&out, c > 0 ? "," : "", "\"", result.columns(c).name(),
                      "\":", ValueJson(result.rows(r).values(c)));
    }
    absl::StrAppend(&out, "}");
  }
  return out + "]";
}

// `request` sent once, synchronously; exits on failure (--check).
template <typename Request, typename Method>
auto CallOnce(v1::QueryService::Stub* stub, Method method, const Request& request) {
  grpc::ClientContext context;
  ResponseOf<Method> response;
  grpc::Status status = (stub->*method)(&context, request, &response);
  if (!status.ok()) {
    std::cerr << "load: --check: " << status.error_message() << "\n";
    std::exit(1);
  }
  return response;
}

// Order ids this process inserts: above the seed's and pgbench's, a window per run (by the
// clock) so that runs do not collide.
std::atomic<int64_t> next_order_id{2000000000 + (std::time(nullptr) % 1400) * 100000};

int64_t Pick(std::mt19937_64& rng, int64_t n) { return 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); }

// A call sent and not answered yet: its tag on Drive's completion queue.
struct Pending {
  virtual ~Pending() = default;
  virtual void Finished() = 0;  // its answer arrived: report and forget it
};
grpc::CompletionQueue* queue = nullptr;  // Drive's: every call's answer comes on it

// A call's state, owned by the call until its answer.
template <typename Request, typename Response>
struct Call final : Pending {
  grpc::ClientContext context;
  Request request;
  Response response;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> reader;
  std::function<void(bool)> done;

  // Sends the call (the reader from the stub's PrepareAsync method).
  void Start(std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> prepared) {
    reader = std::move(prepared);
    reader->StartCall();
    reader->Finish(&response, &status, static_cast<Pending*>(this));
  }
  void Finished() override {
    if (!status.ok()) {
      static int shown = 0;
      if (shown++ < 3) std::cerr << "load: " << status.error_code() << " " << status.error_message() << "\n";
    }
    const bool ok = status.ok();
    std::function<void(bool)> finish = std::move(done);
    delete this;
    finish(ok);
  }
};

// The typed API (the typed_* kinds): messages built from GetSchemaProto's descriptors and sent
// as bytes through gRPC's generic stub, as a client generated from the schema's .proto sends them.
struct TypedApi {
  google::protobuf::DescriptorPool pool;
  google::protobuf::DynamicMessageFactory factory{&pool};
  std::unique_ptr<grpc::GenericStub> stub;  // on Drive's channel

  // The northwind schema's descriptors, from sluiced.
  bool Load(const std::shared_ptr<grpc::Channel>& channel) {
    grpc::ClientContext context;
    v1::GetSchemaProtoRequest request;
    request.mutable_target()->set_schema("northwind");
    v1::GetSchemaProtoResponse response;
    grpc::Status status = v1::SchemaService::NewStub(channel)->GetSchemaProto(&context, request, &response);
    google::protobuf::FileDescriptorSet set;
    if (!status.ok() || !set.ParseFromString(response.descriptor_set())) {
      std::cerr << "load: GetSchemaProto: " << status.error_message() << "\n";
      return false;
    }
    for (const auto& file : set.file()) {
      if (pool.BuildFile(file) == nullptr) return false;
    }
    return true;
  }

  // `json` as a message of sluice.schemas.northwind.`type`.
  std::shared_ptr<const google::protobuf::Message> Message(const std::string& type, const std::string& json) {
    const auto* descriptor = pool.FindMessageTypeByName("sluice.schemas.northwind." + type);
    if (descriptor == nullptr) {
      std::cerr << "load: no message " << type << "\n";
      std::exit(2);
    }
    std::shared_ptr<google::protobuf::Message> m(factory.GetPrototype(descriptor)->New());
    if (!google::protobuf::util::JsonStringToMessage(json, m.get()).ok()) {
      std::cerr << "load: bad typed request template " << json << "\n";
      std::exit(2);
    }
    return m;
  }
};
TypedApi typed;

// A typed request whose integer at `path` (field names, message by message) varies: the rest of
// the template serialized once, the varying part appended per call (protobuf merges a message's
// fields however they are split), as cheap as a generated client's serialization.
class IntRequest {
 public:
  IntRequest(const google::protobuf::Message& request, const std::vector<std::string>& path) {
    std::unique_ptr<google::protobuf::Message> rest(request.New());
    rest->CopyFrom(request);
    const google::protobuf::Descriptor* type = request.GetDescriptor();
    for (size_t i = 0; i < path.size(); ++i) {
      const auto* field = type->FindFieldByName(path[i]);
      numbers_.push_back(field->number());
      if (i == 0) rest->GetReflection()->ClearField(rest.get(), field);
      type = field->message_type();
    }
    rest_ = rest->SerializeAsString();
  }

  std::string With(int64_t value) const {
    std::string inner;
    {
      google::protobuf::io::StringOutputStream stream(&inner);
      google::protobuf::io::CodedOutputStream out(&stream);
      google::protobuf::internal::WireFormatLite::WriteInt64(numbers_.back(), value, &out);
    }
    for (size_t i = numbers_.size() - 1; i-- > 0;) {
      std::string outer;
      {
        google::protobuf::io::StringOutputStream stream(&outer);
        google::protobuf::io::CodedOutputStream out(&stream);
        google::protobuf::internal::WireFormatLite::WriteBytes(numbers_[i], inner, &out);
      }
      inner = std::move(outer);
    }
    return rest_ + inner;
  }

 private:
  std::string rest_;
  std::vector<int> numbers_;
};

// One typed call of `path` with the serialized `request`.
void SendTyped(const std::string& path, const std::string& request, std::function<void(bool)> done) {
  auto* call = new Call<grpc::ByteBuffer, grpc::ByteBuffer>();
  grpc::Slice slice(request);
  call->request = grpc::ByteBuffer(&slice, 1);
  call->done = std::move(done);
  call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  call->Start(typed.stub->PrepareUnaryCall(&call->context, path, call->request, queue));
}

// The completion-queue form of a QueryService method, as a callable.
#define ASYNC(M)                                                                                    \
  [](v1::QueryService::Stub* s, grpc::ClientContext* c, const auto& q, grpc::CompletionQueue* cq) { \
    return s->PrepareAsync##M(c, q, cq);                                                            \
  }

// --to-sql true: requests ask for their SQL only (planned and compiled, not executed), which
// measures sluiced's own path without the database.
bool plan_only = false;

template <typename Request>
auto AskForSqlOnly(Request* r, int) -> decltype(r->set_to_sql(true), void()) {
  r->set_to_sql(true);
}
template <typename Request>
void AskForSqlOnly(Request*, long) {}  // a request without to_sql (Batch) runs as it is

template <typename Request, typename Response, typename Method>
void SendAsync(Method method, v1::QueryService::Stub* stub, Request request, std::function<void(bool)> done) {
  auto* call = new Call<Request, Response>();
  call->request = std::move(request);
  if (plan_only) AskForSqlOnly(&call->request, 0);
  call->done = std::move(done);
  call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  call->Start(method(stub, &call->context, call->request, queue));
}

// The SQL of `statement` for pgbench: $k becomes :pk for the varying parameters (set by
// `sets[k]`, 1-based), the others literals.
std::string PgbenchScript(const v1::Statement& statement, const std::map<int, std::string>& sets) {
  std::string out;
  for (const auto& [k, set] : sets) absl::StrAppend(&out, "\\set p", k, " ", set, "\n");
  std::string sql = statement.sql();
  for (int k = statement.params_size(); k >= 1; --k) {
    const v1::Value& v = statement.params(k - 1);
    std::string value;
    if (sets.count(k)) {
      value = absl::StrCat(":p", k);
    } else if (v.has_int_value()) {
      value = absl::StrCat(v.int_value());
    } else if (v.has_double_value()) {
      value = absl::StrCat(v.double_value());
    } else {
      const std::string& text = v.has_decimal_value()     ? v.decimal_value()
                                : v.has_timestamp_value() ? v.timestamp_value()
                                                          : v.string_value();
      value = "'" + text + "'";
    }
    const std::string placeholder = absl::StrCat("$", k);
    for (size_t at; (at = sql.find(placeholder)) != std::string::npos;) sql.replace(at, placeholder.size(), value);
  }
  return out + sql + ";\n";
}

std::vector<Kind> Kinds(const Sizes& sizes) {
  std::vector<Kind> kinds;
  auto to_sql = [](v1::QueryService::Stub* stub, auto request, auto method) {
    request.set_to_sql(true);
    grpc::ClientContext context;
    ResponseOf<decltype(method)> response;
    grpc::Status status = (stub->*method)(&context, request, &response);
    if (!status.ok()) {
      std::cerr << "load: to_sql: " << status.error_message() << "\n";
      std::exit(1);
    }
    return response.result().statement();
  };

  const auto customer = Parse<v1::SelectRequest>(R"({"target": {"schema": "northwind"}, "select": {"table": "customers",
      "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "1"}}}}}})");
  kinds.push_back({"customer_by_id",
                   [=](v1::QueryService::Stub* stub, std::mt19937_64& rng, std::function<void(bool)> done) {
                     v1::SelectRequest r = customer;
                     r.mutable_select()->mutable_where()->mutable_eq()->mutable_right()->mutable_value()->set_int_value(
                         Pick(rng, sizes.customers));
                     SendAsync<v1::SelectRequest, v1::SelectResponse>(ASYNC(Select), stub, std::move(r), done);
                   },
                   [=](v1::QueryService::Stub* stub) {
                     return PgbenchScript(to_sql(stub, customer, &v1::QueryService::Stub::Select),
                                          {{1, absl::StrCat("random(1, ", sizes.customers, ")")}});
                   },
                   [=](v1::QueryService::Stub* stub) {
                     return RowsJson(CallOnce(stub, &v1::QueryService::Stub::Select, customer).result());
                   }});

  const auto by_name = Parse<v1::SelectRequest>(R"({"target": {"schema": "northwind"}, "select": {"table": "customers",
      "columns": [{"expression": {"column": {"name": "id"}}}, {"expression": {"column": {"name": "company_name"}}}],
      "where": {"ilike": {"left": {"column": {"name": "company_name"}}, "right": {"value": {"string_value": "%ab1%"}}}},
      "order_by": [{"expression": {"column": {"name": "id"}}}], "limit": "20"}})");
  kinds.push_back(
      {"customers_by_name",
       [=](v1::QueryService::Stub* stub, std::mt19937_64& rng, std::function<void(bool)> done) {
         v1::SelectRequest r = by_name;
         char pattern[16];
         std::snprintf(pattern, sizeof pattern, "%%%03llx%%", static_cast<unsigned long long>(rng() % 4096));
         r.mutable_select()->mutable_where()->mutable_ilike()->mutable_right()->mutable_value()->set_string_value(
             pattern);
         SendAsync<v1::SelectRequest, v1::SelectResponse>(ASYNC(Select), stub, std::move(r), done);
       },
       [=](v1::QueryService::Stub* stub) {
         // pgbench sets numbers only: the pattern is made in SQL from one.
         std::string script =
             PgbenchScript(to_sql(stub, by_name, &v1::QueryService::Stub::Select), {{1, "random(0, 4095)"}});
         const size_t at = script.find(":p1");
         script.replace(at, 3, "('%' || lpad(to_hex(:p1::int), 3, '0') || '%')");
         return script;
       },
       [=](v1::QueryService::Stub* stub) {
         return RowsJson(CallOnce(stub, &v1::QueryService::Stub::Select, by_name).result());
       }});

  const auto page = Parse<v1::SelectRequest>(R"({"target": {"schema": "northwind"}, "select": {"table": "products",
      "order_by": [{"expression": {"column": {"name": "id"}}}], "limit": "20", "offset": "0"}})");
  kinds.push_back(
      {"products_page",
       [=](v1::QueryService::Stub* stub, std::mt19937_64& rng, std::function<void(bool)> done) {
         v1::SelectRequest r = page;
         r.mutable_select()->set_offset(static_cast<int32_t>(Pick(rng, std::max<int64_t>(sizes.products - 20, 1)) - 1));
         SendAsync<v1::SelectRequest, v1::SelectResponse>(ASYNC(Select), stub, std::move(r), done);
       },
       [=](v1::QueryService::Stub* stub) {
         return PgbenchScript(to_sql(stub, page, &v1::QueryService::Stub::Select),
                              {{2, absl::StrCat("random(0, ", std::max<int64_t>(sizes.products - 21, 0), ")")}});
       },
       [=](v1::QueryService::Stub* stub) {
         return RowsJson(CallOnce(stub, &v1::QueryService::Stub::Select, page).result());
       }});

  const auto order = Parse<v1::FindFirstRequest>(R"({"target": {"schema": "northwind"}, "find": {"table": "orders",
      "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "1"}}}},
      "with": {"details": {"columns": ["quantity", "unit_price", "discount"], "with": {"product": {"columns": ["name", "unit_price"]}}},
               "customer": {"columns": ["company_name"]}}}})");
  kinds.push_back({"order_with_details",
                   [=](v1::QueryService::Stub* stub, std::mt19937_64& rng, std::function<void(bool)> done) {
                     v1::FindFirstRequest r = order;
                     r.set_format(v1::FIND_FORMAT_ROWS);  // the rows, as Drizzle gives its caller objects
                     r.mutable_find()->mutable_where()->mutable_eq()->mutable_right()->mutable_value()->set_int_value(
                         Pick(rng, sizes.orders));
                     SendAsync<v1::FindFirstRequest, v1::FindFirstResponse>(ASYNC(FindFirst), stub, std::move(r), done);
                   },
                   [=](v1::QueryService::Stub* stub) {
                     const v1::Statement s = to_sql(stub, order, &v1::QueryService::Stub::FindFirst);
                     // The where's id is the last parameter but the row limit.
                     return PgbenchScript(s, {{s.params_size() - 1, absl::StrCat("random(1, ", sizes.orders, ")")}});
                   },
                   [=](v1::QueryService::Stub* stub) {
                     return CallOnce(stub, &v1::QueryService::Stub::FindFirst, order).result().json();
                   }});

  const auto employee =
      Parse<v1::FindFirstRequest>(R"({"target": {"schema": "northwind"}, "find": {"table": "employees",
      "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "1"}}}},
      "with": {"orders": {"columns": ["id", "ordered_at", "freight"],
               "order_by": [{"expression": {"column": {"name": "ordered_at"}}, "descending": true}], "limit": "10"}}}})");
  kinds.push_back({"employee_with_orders",
                   [=](v1::QueryService::Stub* stub, std::mt19937_64& rng, std::function<void(bool)> done) {
                     v1::FindFirstRequest r = employee;
                     r.set_format(v1::FIND_FORMAT_ROWS);  // the rows, as Drizzle gives its caller objects
                     r.mutable_find()->mutable_where()->mutable_eq()->mutable_right()->mutable_value()->set_int_value(
                         Pick(rng, sizes.employees));
                     SendAsync<v1::FindFirstRequest, v1::FindFirstResponse>(ASYNC(FindFirst), stub, std::move(r), done);
                   },
                   [=](v1::QueryService::Stub* stub) {
                     const v1::Statement s = to_sql(stub, employee, &v1::QueryService::Stub::FindFirst);
                     return PgbenchScript(s, {{s.params_size() - 1, absl::StrCat("random(1, ", sizes.employees, ")")}});
                   },
                   [=](v1::QueryService::Stub* stub) {
                     return CallOnce(stub, &v1::QueryService::Stub::FindFirst, employee).result().json();
                   }});

  const auto insert = Parse<v1::BatchRequest>(R"({"target": {"schema": "northwind"}, "operations": [
      {"insert": {"table": "orders", "rows": [{"values": {"id": {"int_value": "0"}, "customer_id": {"int_value": "1"},
        "employee_id": {"int_value": "1"}, "ordered_at": {"timestamp_value": "2024-06-01T10:00:00Z"},
        "ship_city": {"string_value": "City 1"}, "freight": {"decimal_value": "12.50"}}}]}},
      {"insert": {"table": "order_details", "rows": [
        {"values": {"order_id": {"int_value": "0"}, "product_id": {"int_value": "1"}, "unit_price": {"decimal_value": "9.50"},
                    "quantity": {"int_value": "2"}, "discount": {"double_value": 0}}},
        {"values": {"order_id": {"int_value": "0"}, "product_id": {"int_value": "2"}, "unit_price": {"decimal_value": "3.75"},
                    "quantity": {"int_value": "1"}, "discount": {"double_value": 0.05}}},
        {"values": {"order_id": {"int_value": "0"}, "product_id": {"int_value": "3"}, "unit_price": {"decimal_value": "7.00"},
                    "quantity": {"int_value": "5"}, "discount": {"double_value": 0}}}]}}]})");
  kinds.push_back({"insert_order",
                   [=](v1::QueryService::Stub* stub, std::mt19937_64& rng, std::function<void(bool)> done) {
                     v1::BatchRequest r = insert;
                     const int64_t id = next_order_id++;
                     auto& order_row = *r.mutable_operations(0)->mutable_insert()->mutable_rows(0)->mutable_values();
                     order_row["id"].set_int_value(id);
                     order_row["customer_id"].set_int_value(Pick(rng, sizes.customers));
                     for (auto& row : *r.mutable_operations(1)->mutable_insert()->mutable_rows()) {
                       (*row.mutable_values())["order_id"].set_int_value(id);
                     }
                     SendAsync<v1::BatchRequest, v1::BatchResponse>(ASYNC(Batch), stub, std::move(r), done);
                   },
                   [=](v1::QueryService::Stub* stub) {
                     // The two statements the batch runs, in one transaction.
                     v1::InsertRequest head, lines;
                     *head.mutable_target() = insert.target();
                     *head.mutable_insert() = insert.operations(0).insert();
                     *lines.mutable_target() = insert.target();
                     *lines.mutable_insert() = insert.operations(1).insert();
                     const v1::Statement a = to_sql(stub, head, &v1::QueryService::Stub::Insert);
                     const v1::Statement b = to_sql(stub, lines, &v1::QueryService::Stub::Insert);
                     std::map<int, std::string> ids_a;
                     for (int k = 1; k <= a.params_size(); ++k) {
                       // A distinct id per transaction: a range per run (:base) and client, counted by
                       // :seq (a client's pgbench variables persist; run.py passes -D seq=0 and base).
                       if (a.params(k - 1).has_int_value() && a.params(k - 1).int_value() == 0) {
                         ids_a[k] = ":base + :client_id * 1000000 + :seq";
                       }
                     }
                     std::string first = "\\set seq :seq + 1\n" + PgbenchScript(a, ids_a);
                     std::string second = PgbenchScript(b, {});
                     // The details take the order's id: the literal zeros of their template.
                     size_t at = 0;
                     const std::string id_var = absl::StrCat(":p", ids_a.begin()->first);
                     // "VALUES (0, " → "(:pK, ": the literal zeros that stand for the order id.
                     while ((at = second.find("(0, ", at)) != std::string::npos) {
                       second.replace(at, 4, "(" + id_var + ", ");
                       at += id_var.size();
                     }
                     return "BEGIN;\n" + first + second + "COMMIT;\n";
                   }});

  const auto update = Parse<v1::UpdateRequest>(R"({"target": {"schema": "northwind"}, "update": {"table": "products",
      "set": {"units_in_stock": {"int_value": "7"}},
      "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "1"}}}}}})");
  kinds.push_back({"update_product",
                   [=](v1::QueryService::Stub* stub, std::mt19937_64& rng, std::function<void(bool)> done) {
                     v1::UpdateRequest r = update;
                     (*r.mutable_update()->mutable_set())["units_in_stock"].set_int_value(
                         static_cast<int64_t>(rng() % 100));
                     r.mutable_update()->mutable_where()->mutable_eq()->mutable_right()->mutable_value()->set_int_value(
                         Pick(rng, sizes.products));
                     SendAsync<v1::UpdateRequest, v1::UpdateResponse>(ASYNC(Update), stub, std::move(r), done);
                   },
                   [=](v1::QueryService::Stub* stub) {
                     return PgbenchScript(to_sql(stub, update, &v1::QueryService::Stub::Update),
                                          {{1, "random(0, 99)"}, {2, absl::StrCat("random(1, ", sizes.products, ")")}});
                   }});
  // The point select and the relational read through the typed API (the typed services; the
  // same SQL as customer_by_id and order_with_details).
  kinds.push_back(
      {"typed_customer_by_id",
       [=](v1::QueryService::Stub*, std::mt19937_64& rng, std::function<void(bool)> done) {
         static const IntRequest request(*typed.Message("CustomersFindRequest", R"({"where": {"id": {"eq": 1}}})"),
                                         {"where", "id", "eq"});
         SendTyped("/sluice.schemas.northwind.CustomersService/Find", request.With(Pick(rng, sizes.customers)), done);
       },
       nullptr});
  kinds.push_back({"typed_order_with_details",
                   [=](v1::QueryService::Stub*, std::mt19937_64& rng, std::function<void(bool)> done) {
                     static const IntRequest request(*typed.Message("OrdersFindRequest", R"({"where": {"id": {"eq": 1}},
                         "with": {"details": {"columns": ["ORDER_DETAILS_COLUMN_QUANTITY", "ORDER_DETAILS_COLUMN_UNIT_PRICE",
                                                          "ORDER_DETAILS_COLUMN_DISCOUNT"],
                                              "with": {"product": {"columns": ["PRODUCTS_COLUMN_NAME", "PRODUCTS_COLUMN_UNIT_PRICE"]}}},
                                  "customer": {"columns": ["CUSTOMERS_COLUMN_COMPANY_NAME"]}}})"),
                                                     {"where", "id", "eq"});
                     SendTyped("/sluice.schemas.northwind.OrdersService/FindFirst",
                               request.With(Pick(rng, sizes.orders)), done);
                   },
                   nullptr});
  return kinds;
}

// utime + stime of `pid`, in seconds.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> fields = absl::StrSplit(stat.substr(stat.rfind(')') + 2), ' ');
  if (fields.size() < 13) return -1;
  return (std::stod(fields[11]) + std::stod(fields[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long StatusKb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return -1;
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return v[i];
}

// `concurrency` calls in flight for `seconds`, each worker sending the next as the last ends; one
// thread sends every call and takes every answer from the completion queue (as cheap as a gRPC
// client gets: no thread hand-off per call).
int Drive(const std::string& addr, const std::vector<Kind>& chosen, int concurrency, double seconds, pid_t pid) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(), args);
  auto stub = v1::QueryService::NewStub(channel);
  typed.stub = std::make_unique<grpc::GenericStub>(channel);
  grpc::CompletionQueue answers;
  queue = &answers;
  std::map<std::string, std::vector<double>> latency;  // ms, per kind
  std::map<std::string, int64_t> errors;
  int running = concurrency;
  const double cpu_before = pid > 0 ? CpuSeconds(pid) : 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  struct Worker {
    std::mt19937_64 rng;
    std::function<void()> next;
  };
  std::vector<Worker> workers(static_cast<size_t>(concurrency));
  for (int w = 0; w < concurrency; ++w) {
    Worker& worker = workers[static_cast<size_t>(w)];
    worker.rng.seed(static_cast<uint64_t>(w) * 7919 + 1);
    worker.next = [&, w] {
      Worker& self = workers[static_cast<size_t>(w)];
      if (Clock::now() >= end) {
        --running;
        return;
      }
      const Kind& kind = chosen[self.rng() % chosen.size()];
      const auto sent = Clock::now();
      kind.send(stub.get(), self.rng, [&, w, sent, name = kind.name](bool ok) {
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
        if (ok) {
          latency[name].push_back(ms);
        } else {
          ++errors[name];
        }
        workers[static_cast<size_t>(w)].next();
      });
    };
  }
  for (auto& w : workers) w.next();
  void* tag = nullptr;
  bool ok = false;
  while (running > 0 && answers.Next(&tag, &ok)) static_cast<Pending*>(tag)->Finished();
  answers.Shutdown();
  while (answers.Next(&tag, &ok)) {
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = pid > 0 ? CpuSeconds(pid) - cpu_before : -1;
  int64_t total = 0, failed = 0;
  for (auto& [name, v] : latency) {
    total += static_cast<int64_t>(v.size());
    std::cout << "{\"kind\": \"" << name << "\", \"calls\": " << v.size() << ", \"errors\": " << errors[name]
              << ", \"per_second\": " << static_cast<double>(v.size()) / elapsed
              << ", \"p50_ms\": " << Percentile(v, 0.50) << ", \"p95_ms\": " << Percentile(v, 0.95)
              << ", \"p99_ms\": " << Percentile(v, 0.99) << "}\n";
  }
  for (auto& [name, n] : errors) failed += n;
  std::cout << "{\"total_calls\": " << total << ", \"errors\": " << failed << ", \"seconds\": " << elapsed
            << ", \"per_second\": " << static_cast<double>(total) / elapsed << ", \"server_cpu_seconds\": " << cpu
            << ", \"server_peak_rss_kb\": " << (pid > 0 ? StatusKb(pid, "VmHWM") : -1) << "}\n";
  return total > 0 && failed == 0 ? 0 : 1;
}

// Process start to Health SERVING; then the idle RSS a second later (every plugin in the folder
// loaded by then: those no database uses load after serving starts).
int ColdStart(const std::string& sluiced, const std::vector<std::string>& extra, int runs) {
  std::vector<double> ms;
  long rss = 0;
  for (int r = 0; r < runs; ++r) {
    int out[2];
    if (pipe(out) != 0) return 1;
    const auto start = Clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
      dup2(out[1], 1);
      close(out[0]);
      std::vector<std::string> args{sluiced, "--listen", "127.0.0.1:0"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      const int null = open("/dev/null", O_WRONLY);
      if (null >= 0) dup2(null, STDERR_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    FILE* in = fdopen(out[0], "r");
    char line[256] = {0};
    if (fgets(line, sizeof line, in) == nullptr) return 1;
    std::string addr = std::string(line).substr(std::string("sluiced listening on ").size());
    addr.erase(addr.find_last_not_of("\r\n") + 1);
    auto health = grpc::health::v1::Health::NewStub(grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()));
    while (true) {
      grpc::ClientContext context;
      grpc::health::v1::HealthCheckResponse response;
      if (health->Check(&context, {}, &response).ok() &&
          response.status() == grpc::health::v1::HealthCheckResponse::SERVING)
        break;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    std::this_thread::sleep_for(std::chrono::seconds(1));
    rss = std::max(rss, StatusKb(pid, "VmRSS"));
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    fclose(in);
  }
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  std::cout << "{\"cold_start_ms_median\": " << sorted[sorted.size() / 2]
            << ", \"cold_start_ms_max\": " << sorted.back() << ", \"idle_rss_kb\": " << rss << ", \"runs\": " << runs
            << "}\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  std::vector<std::string> databases;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--database") {
      databases.push_back(argv[i + 1]);
    } else {
      flags[argv[i]] = argv[i + 1];
    }
  }
  if (flags.count("--cold-start")) {
    std::vector<std::string> extra{"--plugin-dir", flags["--plugin-dir"]};
    for (const auto& d : databases) extra.insert(extra.end(), {"--database", d});
    return ColdStart(flags["--cold-start"], extra, flags.count("--runs") ? std::stoi(flags["--runs"]) : 5);
  }
  plan_only = flags["--to-sql"] == "true";
  const auto sizes_json = Parse<google::protobuf::Struct>(flags["--sizes"]);
  Sizes sizes;
  auto size = [&](const char* name) { return static_cast<int64_t>(sizes_json.fields().at(name).number_value()); };
  sizes.customers = size("customers");
  sizes.employees = size("employees");
  sizes.products = size("products");
  sizes.orders = size("orders");
  const std::vector<Kind> kinds = Kinds(sizes);
  auto channel = grpc::CreateChannel(flags["--addr"], grpc::InsecureChannelCredentials());
  if (flags.count("--check")) {  // the rows of each read, with its template's values
    auto stub = v1::QueryService::NewStub(channel);
    std::string out = "{";
    for (const Kind& k : kinds) {
      if (!k.check) continue;
      absl::StrAppend(&out, out.size() > 1 ? "," : "", "\"", k.name, "\":", k.check(stub.get()));
    }
    std::cout << out << "}\n";
    return 0;
  }
  if (flags.count("--pgbench")) {
    auto stub = v1::QueryService::NewStub(channel);
    for (const Kind& k : kinds) {
      if (k.name == flags["--pgbench"] && k.pgbench) {
        std::cout << k.pgbench(stub.get());
        return 0;
      }
    }
    std::cerr << "load: no kind " << flags["--pgbench"] << "\n";
    return 2;
  }
  std::vector<Kind> chosen;
  for (absl::string_view name : absl::StrSplit(flags["--kinds"], ',')) {
    for (const Kind& k : kinds) {
      if (k.name == name) chosen.push_back(k);
    }
  }
  if (chosen.empty()) {
    std::cerr << "load: --kinds names none of the request kinds\n";
    return 2;
  }
  const bool any_typed =
      std::any_of(chosen.begin(), chosen.end(), [](const Kind& k) { return absl::StartsWith(k.name, "typed_"); });
  if (any_typed && !typed.Load(channel)) return 1;
  return Drive(flags["--addr"], chosen, std::stoi(flags.count("--concurrency") ? flags["--concurrency"] : "16"),
               std::stod(flags.count("--seconds") ? flags["--seconds"] : "10"),
               flags.count("--pid") ? static_cast<pid_t>(std::stoi(flags["--pid"])) : 0);
}
