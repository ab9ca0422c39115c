// sluice: the admin CLI of Sluice (drizzle-kit's role), a gRPC client of sluiced.
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "common/file.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "sluice/v1/admin_service.grpc.pb.h"
#include "sluice/v1/migration_service.grpc.pb.h"
#include "sluice/v1/query_service.grpc.pb.h"
#include "sluice/v1/schema_service.grpc.pb.h"
#include "tools/sluice/migrations_folder.h"

namespace {

using sluice::ReadFile;

namespace v1 = sluice::v1;
namespace cli = sluice::cli;
using google::protobuf::Message;

constexpr char kUsage[] = R"(sluice — the Sluice admin CLI (a gRPC client of sluiced)

Usage: sluice [--addr HOST:PORT] [--database NAME] COMMAND [ARGS]

  --addr HOST:PORT   the server (env SLUICE_ADDR; default 127.0.0.1:50051; unix:PATH for a
                     unix socket)
  --token TOKEN      a bearer token for a server that requires one (env SLUICE_TOKEN)
  --database NAME    the database (default: the server's `default`)

Commands:
  health                       Health check; exits 0 when SERVING
  plugins                      the loaded dialect plugins (and refused ones)
  databases                    the configured databases
  register FILE [--strict]     register the schema in FILE (protobuf JSON, or text format
                               when FILE ends in .txtpb, .textproto or .pbtxt)
  schemas                      registered schemas (latest versions)
  schema NAME [VERSION]        one registered schema
  generate SCHEMA [--out DIR] [--name NAME] [--allow-data-loss] [--rename-table OLD=NEW] [--rename-column TABLE.OLD=NEW]
                               the next migration of SCHEMA (its latest registered version) from
                               the last snapshot: DIR's (a migrations folder, to which it is
                               added), else the database's last applied one. Renames are never
                               guessed: name them. A migration that loses data is refused (the
                               steps and the rename flags that may explain them are listed, and
                               nothing is written) unless --allow-data-loss.
  migrate SCHEMA [DIR]         apply DIR's migrations in order (without DIR: the one generate
                               would produce); DIR must be SCHEMA's migrations folder
  check DIR                    check a migrations folder (files, hashes, order, branches); a
                               missing or empty folder is an error
  status SCHEMA [DIR]          applied (and dirty) migrations, drift (what push would run); with
                               DIR also the pending ones
  push SCHEMA [--dry-run] [--allow-data-loss] [--rename-table OLD=NEW] [--rename-column TABLE.OLD=NEW]
                               make the database match SCHEMA's latest version directly (for
                               development); destructive steps with rows at stake are refused
                               unless --allow-data-loss; --dry-run only shows the statements
  pull [--namespace NS]... [--name NAME]
                               the database's schema (tables, keys, indexes, enums...) as a
                               schema file (JSON) on stdout
  select|insert|update|delete|batch|find|find-first|prepare|execute|raw REQUEST
                               one QueryService call (Select, ..., Batch, FindMany, FindFirst,
                               Prepare, ExecutePrepared, Raw); REQUEST is the request message as
                               JSON (e.g. {"target":{"schema":"shop"},"select":{"table":"users"}}),
                               or @FILE to read it from a file
  stream REQUEST               SelectStream: prints each batch as it arrives
  transaction MESSAGE...       an interactive Transaction: each MESSAGE is one TransactionRequest
                               (JSON), sent in order; prints each response

  --get FIELD                  print only this field of the response (text as is, else JSON)

Responses print as JSON. A failed call prints its gRPC code, message and field violations,
and exits with the gRPC code (at least 1).
)";

int Fail(const std::string& message, int code = 2) {
  std::cerr << "sluice: " << message << "\n";
  return code;
}

int Report(const grpc::Status& status) {
  std::cerr << "sluice: " << status.error_code() << " " << status.error_message() << "\n";
  google::rpc::Status rich;
  if (!status.error_details().empty() && rich.ParseFromString(status.error_details())) {
    for (const auto& any : rich.details()) {
      google::rpc::BadRequest bad;
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&bad)) {
        for (const auto& v : bad.field_violations()) {
          std::cerr << "  field " << v.field() << ": " << v.description() << "\n";
        }
      } else if (any.UnpackTo(&info)) {
        std::cerr << "  reason " << info.reason();
        for (const auto& [k, v] : info.metadata()) std::cerr << " " << k << "=" << v;
        std::cerr << "\n";
      }
    }
  }
  return status.error_code() == 0 ? 1 : status.error_code();
}

// --get FIELD: print only that field of each response.
std::string g_field;

void Print(const Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  if (!g_field.empty()) {
    const auto* field = message.GetDescriptor()->FindFieldByName(g_field);
    if (field == nullptr) {
      std::cerr << "sluice: " << message.GetDescriptor()->name() << " has no field " << g_field << "\n";
      return;
    }
    if (field->type() == google::protobuf::FieldDescriptor::TYPE_STRING && !field->is_repeated()) {
      std::cout << message.GetReflection()->GetString(message, field) << "\n";
      return;
    }
    // Any other field: the message with only that field, as JSON.
    std::unique_ptr<Message> only(message.New());
    only->CopyFrom(message);
    std::vector<const google::protobuf::FieldDescriptor*> fields;
    only->GetReflection()->ListFields(*only, &fields);
    for (const auto* f : fields) {
      if (f != field) only->GetReflection()->ClearField(only.get(), f);
    }
    (void)google::protobuf::util::MessageToJsonString(*only, &json, options);
    std::cout << json;
    return;
  }
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  std::cout << json;
}

// JSON (or text format for .txtpb / .textproto / .pbtxt files) into `message`.
std::string Parse(const std::string& arg, Message* message) {
  std::string text = arg, path;
  if (!arg.empty() && arg[0] == '@') path = arg.substr(1);
  if (!path.empty() && !ReadFile(path, &text)) return "cannot read " + path;
  auto ends = [&](const std::string& suffix) {
    return path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends(".txtpb") || ends(".textproto") || ends(".pbtxt")) {
    return google::protobuf::TextFormat::ParseFromString(text, message) ? ""
                                                                        : "cannot parse " + path + " as text format";
  }
  auto status = google::protobuf::util::JsonStringToMessage(text, message);
  return status.ok() ? ""
                     : "cannot parse " + (path.empty() ? std::string("the request") : path) + ": " +
                           std::string(status.message());
}

// The call's outcome: the response printed (`print`), or the error reported.
int Done(const grpc::Status& status, const Message& response, bool print = true) {
  if (!status.ok()) return Report(status);
  if (print) Print(response);
  return 0;
}

// Responses that wrap a QueryResult or FindResult in `result`.
template <typename Response, typename = void>
struct HasResult : std::false_type {};
template <typename Response>
struct HasResult<Response, std::void_t<decltype(std::declval<Response>().result())>> : std::true_type {};

template <typename Request>
void SetDatabase(Request& request, const std::string& database) {
  if constexpr (!std::is_same_v<Request, v1::ExecutePreparedRequest>) {
    request.mutable_target()->set_database(database);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string addr = std::getenv("SLUICE_ADDR") ? std::getenv("SLUICE_ADDR") : "127.0.0.1:50051";
  std::string token = std::getenv("SLUICE_TOKEN") ? std::getenv("SLUICE_TOKEN") : "";
  std::string database;
  bool strict = false;
  std::string out_dir, name;
  std::vector<std::string> namespaces;
  bool allow_data_loss = false, dry_run = false;
  std::vector<v1::RenameHint> renames;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (args[i] == "--token" && i + 1 < args.size()) {
      token = args[++i];
    } else if (args[i] == "--addr" && i + 1 < args.size()) {
      addr = args[++i];
    } else if (args[i] == "--database" && i + 1 < args.size()) {
      database = args[++i];
    } else if (args[i] == "--get" && i + 1 < args.size()) {
      g_field = args[++i];
    } else if (args[i] == "--out" && i + 1 < args.size()) {
      out_dir = args[++i];
    } else if (args[i] == "--namespace" && i + 1 < args.size()) {
      namespaces.push_back(args[++i]);
    } else if (args[i] == "--allow-data-loss") {
      allow_data_loss = true;
    } else if (args[i] == "--dry-run") {
      dry_run = true;
    } else if (args[i] == "--name" && i + 1 < args.size()) {
      name = args[++i];
    } else if ((args[i] == "--rename-table" || args[i] == "--rename-column") && i + 1 < args.size()) {
      const std::string hint = args[++i];
      const size_t eq = hint.find('='), dot = hint.find('.');
      v1::RenameHint r;
      if (eq == std::string::npos || (args[i - 1] == "--rename-column" && (dot == std::string::npos || dot > eq))) {
        return Fail("expected " + args[i - 1] + (args[i - 1] == "--rename-table" ? " OLD=NEW" : " TABLE.OLD=NEW"));
      }
      if (args[i - 1] == "--rename-table") {
        r.set_from_table(hint.substr(0, eq));
        r.set_table(hint.substr(eq + 1));
      } else {
        r.set_table(hint.substr(0, dot));
        r.set_from_column(hint.substr(dot + 1, eq - dot - 1));
        r.set_to_column(hint.substr(eq + 1));
      }
      renames.push_back(std::move(r));
    } else if (args[i] == "--strict") {
      strict = true;
    } else if (args[i].size() > 1 && args[i][0] == '-') {
      // A typo (`--dryrun`) must not be dropped: `push` would apply what it was to show.
      return Fail("unknown flag " + args[i] + ", or a flag without its value (see --help); nothing was sent");
    } else {
      rest.push_back(args[i]);
    }
  }
  if (rest.empty()) return Fail(std::string("a command is required\n\n") + kUsage);
  const std::string command = rest[0];
  auto arg = [&](size_t i) { return i < rest.size() ? rest[i] : std::string(); };

  auto channel = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  grpc::ClientContext context;
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));

  if (command == "health") {
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    auto status = grpc::health::v1::Health::NewStub(channel)->Check(&context, request, &response);
    if (!status.ok()) return Report(status);
    Print(response);
    return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
  }
  if (command == "plugins" || command == "databases") {
    auto stub = v1::AdminService::NewStub(channel);
    if (command == "plugins") {
      v1::ListPluginsResponse response;
      return Done(stub->ListPlugins(&context, {}, &response), response);
    }
    v1::ListDatabasesResponse response;
    return Done(stub->ListDatabases(&context, {}, &response), response);
  }
  if (command == "register" || command == "schemas" || command == "schema") {
    auto stub = v1::SchemaService::NewStub(channel);
    if (command == "register") {
      if (arg(1).empty()) return Fail("register needs a schema file");
      v1::RegisterSchemaRequest request;
      request.mutable_target()->set_database(database);
      request.set_strict(strict);
      std::string error = Parse("@" + arg(1), request.mutable_schema());
      if (!error.empty()) return Fail(error);
      v1::RegisterSchemaResponse response;
      return Done(stub->RegisterSchema(&context, request, &response), response);
    }
    if (command == "schemas") {
      v1::ListSchemasRequest request;
      request.mutable_target()->set_database(database);
      v1::ListSchemasResponse response;
      return Done(stub->ListSchemas(&context, request, &response), response);
    }
    v1::GetSchemaRequest request;
    request.mutable_target()->set_database(database);
    request.mutable_target()->set_schema(arg(1));
    request.set_version(static_cast<uint32_t>(std::atoi(arg(2).c_str())));
    v1::GetSchemaResponse response;
    return Done(stub->GetSchema(&context, request, &response), response);
  }
  if (command == "pull" || command == "push") {
    auto stub = v1::MigrationService::NewStub(channel);
    if (command == "pull") {
      v1::PullRequest request;
      request.mutable_target()->set_database(database);
      request.mutable_target()->set_schema(name);
      for (const auto& n : namespaces) request.add_namespaces(n);
      v1::PullResponse response;
      grpc::Status status = stub->Pull(&context, request, &response);
      return Done(status, response.schema());
    }
    if (arg(1).empty()) return Fail("push needs a schema name");
    v1::PushRequest request;
    request.mutable_target()->set_database(database);
    request.mutable_target()->set_schema(arg(1));
    request.set_allow_data_loss(allow_data_loss);
    request.set_dry_run(dry_run);
    for (auto& r : renames) *request.add_renames() = r;
    v1::PushResponse response;
    return Done(stub->Push(&context, request, &response), response);
  }
  if (command == "generate" || command == "migrate" || command == "status" || command == "check") {
    if (arg(1).empty())
      return Fail(command + (command == "check" ? " needs a migrations folder" : " needs a schema name"));
    auto stub = v1::MigrationService::NewStub(channel);
    // The migrations folder, when one is named.
    const std::string dir = command == "generate" ? out_dir : command == "check" ? arg(1) : arg(2);
    cli::Folder folder;
    if (!dir.empty()) {
      // generate starts a folder; the others need one, with migrations, of this schema.
      std::string error = cli::ReadFolder(dir, &folder);
      if (error.empty() && command != "generate") error = cli::RequireMigrations(dir, folder);
      if (error.empty()) error = cli::RequireSchema(dir, folder, command == "check" ? "" : arg(1));
      if (!error.empty()) return Fail(error, 1);
    }
    if (command == "generate") {
      v1::GenerateRequest request;
      request.mutable_target()->set_database(database);
      request.mutable_target()->set_schema(arg(1));
      request.set_name(name);
      request.set_allow_data_loss(allow_data_loss);
      for (auto& r : renames) *request.add_renames() = r;
      if (!dir.empty()) {
        if (!folder.problems.empty()) return Fail(dir + ": " + folder.problems[0] + " (see sluice check)");
        if (!folder.migrations.empty())
          *request.mutable_previous() = folder.migrations.back().snapshot();
        else
          request.mutable_previous();  // an empty folder starts from nothing
        request.set_index(static_cast<uint32_t>(folder.migrations.size()));
      }
      v1::GenerateResponse response;
      grpc::Status status = stub->Generate(&context, request, &response);
      if (!status.ok()) return Report(status);
      for (const auto& loss : response.data_loss()) std::cerr << "sluice: data loss: " << loss << "\n";
      for (const auto& a : response.ambiguous()) std::cerr << "sluice: not a rename unless you say so: " << a << "\n";
      if (dir.empty()) return Done(status, response);
      if (response.migration().statements().empty()) {
        std::cout << "no changes: " << dir << " is up to date with schema " << arg(1) << "\n";
        return 0;
      }
      std::string error = cli::AppendMigration(dir, arg(1), response.migration());
      if (!error.empty()) return Fail(error);
      std::cout << dir << "/" << response.migration().name() << ".sql (" << response.migration().statements_size()
                << " statements)\n";
      return 0;
    }
    if (command == "check") {
      v1::CheckRequest request;
      for (auto& m : folder.migrations) *request.add_migrations() = m;
      v1::CheckResponse response;
      grpc::Status status = stub->Check(&context, request, &response);
      if (!status.ok()) return Report(status);
      std::vector<std::string> problems = folder.problems;
      problems.insert(problems.end(), response.problems().begin(), response.problems().end());
      for (const auto& p : problems) std::cout << "problem: " << p << "\n";
      if (problems.empty()) std::cout << dir << ": " << folder.migrations.size() << " migrations, no problems\n";
      return problems.empty() ? 0 : 1;
    }
    if (!folder.problems.empty()) return Fail(dir + ": " + folder.problems[0] + " (see sluice check)");
    if (command == "migrate") {
      v1::MigrateRequest request;
      request.mutable_target()->set_database(database);
      request.mutable_target()->set_schema(arg(1));
      for (auto& m : folder.migrations) *request.add_migrations() = m;
      v1::MigrateResponse response;
      const grpc::Status status = stub->Migrate(&context, request, &response);
      if (status.ok() && response.applied().empty()) {
        std::cout << "nothing to apply: "
                  << (dir.empty()
                          ? "schema " + arg(1) + " is up to date"
                          : std::to_string(folder.migrations.size()) + " migrations of " + dir + " already applied")
                  << "\n";
        return 0;
      }
      return Done(status, response);
    }
    v1::StatusRequest request;
    request.mutable_target()->set_database(database);
    request.mutable_target()->set_schema(arg(1));
    for (auto& m : folder.migrations) *request.add_migrations() = m;
    v1::StatusResponse response;
    return Done(stub->Status(&context, request, &response), response);
  }
  auto stub = v1::QueryService::NewStub(channel);
  // Parses arg(1) into `request`, sets the database, calls `method`, and prints the response (its
  // `result` where it has one: the rows are what a person asked for).
  auto unary = [&](auto request, auto response, auto method) {
    if (arg(1).empty()) return Fail(command + " needs a request (JSON or @FILE)");
    std::string error = Parse(arg(1), &request);
    if (!error.empty()) return Fail(error);
    if (!database.empty()) SetDatabase(request, database);
    const grpc::Status status = (stub.get()->*method)(&context, request, &response);
    if constexpr (HasResult<decltype(response)>::value)
      return Done(status, response.result());
    else
      return Done(status, response);
  };
  using S = v1::QueryService::Stub;
  if (command == "select") return unary(v1::SelectRequest(), v1::SelectResponse(), &S::Select);
  if (command == "insert") return unary(v1::InsertRequest(), v1::InsertResponse(), &S::Insert);
  if (command == "update") return unary(v1::UpdateRequest(), v1::UpdateResponse(), &S::Update);
  if (command == "delete") return unary(v1::DeleteRequest(), v1::DeleteResponse(), &S::Delete);
  if (command == "batch") return unary(v1::BatchRequest(), v1::BatchResponse(), &S::Batch);
  if (command == "find") return unary(v1::FindManyRequest(), v1::FindManyResponse(), &S::FindMany);
  if (command == "find-first") return unary(v1::FindFirstRequest(), v1::FindFirstResponse(), &S::FindFirst);
  if (command == "prepare") return unary(v1::PrepareRequest(), v1::PrepareResponse(), &S::Prepare);
  if (command == "execute") {
    return unary(v1::ExecutePreparedRequest(), v1::ExecutePreparedResponse(), &S::ExecutePrepared);
  }
  if (command == "raw") return unary(v1::RawRequest(), v1::RawResponse(), &S::Raw);
  if (command == "stream") {
    v1::SelectStreamRequest request;
    std::string error = Parse(arg(1), &request);
    if (!error.empty()) return Fail(error);
    if (!database.empty()) SetDatabase(request, database);
    auto reader = stub->SelectStream(&context, request);
    v1::SelectStreamResponse message;
    while (reader->Read(&message)) Print(message);
    return Done(reader->Finish(), message, false);
  }
  if (command == "transaction") {
    std::vector<v1::TransactionRequest> messages(rest.size() - 1);
    for (size_t i = 1; i < rest.size(); ++i) {
      std::string error = Parse(rest[i], &messages[i - 1]);
      if (!error.empty()) return Fail(error);
      if (!database.empty() && messages[i - 1].has_begin()) {
        messages[i - 1].mutable_begin()->mutable_target()->set_database(database);
      }
    }
    auto stream = stub->Transaction(&context);
    v1::TransactionResponse response;
    for (const auto& message : messages) {
      if (!stream->Write(message) || !stream->Read(&response)) break;
      Print(response);
    }
    stream->WritesDone();
    while (stream->Read(&response)) Print(response);
    return Done(stream->Finish(), response, false);
  }
  return Fail("unknown command `" + command + "` (see --help)");
}
