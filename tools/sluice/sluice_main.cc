// sluice: the admin CLI of Sluice (drizzle-kit's role), a gRPC client of sluiced. Arguments are
// parsed by CLI11 (Debian's libcli11-dev): every command declares its own flags and arguments,
// so a typo or an extra argument is a usage error (exit 2) before anything is sent.
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "common/file.h"
#include "common/plain_values.h"
#include "common/version.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "sluice/v1/admin_service.grpc.pb.h"
#include "sluice/v1/migration_service.grpc.pb.h"
#include "sluice/v1/query_service.grpc.pb.h"
#include "sluice/v1/schema_service.grpc.pb.h"
#include "tools/sluice/diagram.h"
#include "tools/sluice/migrations_folder.h"
#include "tools/sluice/output.h"

namespace {

namespace v1 = sluice::v1;
namespace cli = sluice::cli;
using google::protobuf::Message;

// The options every command takes (before or after the command's name).
struct Globals {
  std::string addr = "127.0.0.1:50051";
  std::string token;
  std::string claims;  // sluice-claims metadata
  std::string read;    // sluice-read metadata
  std::string database;
  std::string schema;
  double timeout = 60;
  std::string tls_ca, tls_cert, tls_key;
  std::string get;
  std::string output = "json";
};

// A usage mistake found after parsing: exit 2, nothing sent.
int Usage(const std::string& message) {
  std::cerr << "sluice: " << message << " (see `sluice help`); nothing was sent\n";
  return 2;
}

// A local failure (a file, a folder): exit 1.
int Fail(const std::string& message) {
  std::cerr << "sluice: " << message << "\n";
  return 1;
}

// JSON (or text format for .txtpb / .textproto / .pbtxt files) into `message`; REQUEST is the
// text itself or @FILE.
std::string Parse(const std::string& arg, Message* message) {
  std::string text = arg, path;
  if (!arg.empty() && arg[0] == '@') path = arg.substr(1);
  if (!path.empty() && !sluice::ReadFile(path, &text)) return "cannot read " + path;
  auto ends = [&](const std::string& suffix) {
    return path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends(".txtpb") || ends(".textproto") || ends(".pbtxt")) {
    return google::protobuf::TextFormat::ParseFromString(text, message) ? ""
                                                                        : "cannot parse " + path + " as text format";
  }
  auto status =
      google::protobuf::util::JsonStringToMessage(sluice::WrapPlainValues(text, *message->GetDescriptor()), message);
  return status.ok() ? ""
                     : "cannot parse " + (path.empty() ? std::string("the request") : path) + ": " +
                           std::string(status.message());
}

// `--rename-table OLD=NEW` and `--rename-column TABLE.OLD=NEW` as hints; "" or the mistake.
std::string Renames(const std::vector<std::string>& tables, const std::vector<std::string>& columns,
                    std::vector<v1::RenameHint>* out) {
  for (const std::string& hint : tables) {
    const size_t eq = hint.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == hint.size()) return "expected --rename-table OLD=NEW";
    v1::RenameHint& r = out->emplace_back();
    r.set_from_table(hint.substr(0, eq));
    r.set_table(hint.substr(eq + 1));
  }
  for (const std::string& hint : columns) {
    const size_t eq = hint.find('='), dot = hint.find('.');
    if (eq == std::string::npos || dot == std::string::npos || dot > eq)
      return "expected --rename-column TABLE.OLD=NEW";
    v1::RenameHint& r = out->emplace_back();
    r.set_table(hint.substr(0, dot));
    r.set_from_column(hint.substr(dot + 1, eq - dot - 1));
    r.set_to_column(hint.substr(eq + 1));
  }
  return "";
}

// A bash completion script for `app`'s commands and their flags.
std::string Completion(CLI::App& app) {
  std::string globals, cases;
  for (const CLI::Option* o : app.get_options()) {
    if (!o->get_lnames().empty()) globals += " --" + o->get_lnames()[0];
  }
  std::string commands;
  for (const CLI::App* sub : app.get_subcommands({})) {
    commands += " " + sub->get_name();
    std::string flags;
    for (const CLI::Option* o : sub->get_options()) {
      if (!o->get_lnames().empty() && o->get_lnames()[0] != "help") flags += " --" + o->get_lnames()[0];
    }
    cases += "    " + sub->get_name() + ") words=\"" + flags.substr(flags.empty() ? 0 : 1) + globals + "\" ;;\n";
  }
  return "# bash completion for sluice: source <(sluice completion)\n"
         "_sluice() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} command= words\n"
         "  for w in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do\n"
         "    case \"$w\" in -*) ;; *) command=$w; break ;; esac\n"
         "  done\n"
         "  case \"$command\" in\n" +
         cases + "    *) words=\"" + commands.substr(1) + globals +
         "\" ;;\n"
         "  esac\n"
         "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
         "  case \"$cur\" in -*|\"\") ;; *) [ -n \"$command\" ] && COMPREPLY+=($(compgen -f -- \"$cur\")) ;; esac\n"
         "}\n"
         "complete -F _sluice sluice\n";
}

class Runner {
 public:
  explicit Runner(const Globals& g) : g_(g) {}

  // The channel (TLS when any --tls-* is given), and a call context with the token and deadline.
  std::shared_ptr<grpc::Channel> Channel() const {
    if (g_.tls_ca.empty() && g_.tls_cert.empty() && g_.tls_key.empty()) {
      return grpc::CreateChannel(g_.addr, grpc::InsecureChannelCredentials());
    }
    grpc::SslCredentialsOptions tls;
    auto read = [](const std::string& path, std::string* out) { return path.empty() || sluice::ReadFile(path, out); };
    if (!read(g_.tls_ca, &tls.pem_root_certs) || !read(g_.tls_cert, &tls.pem_cert_chain) ||
        !read(g_.tls_key, &tls.pem_private_key)) {
      return nullptr;
    }
    return grpc::CreateChannel(g_.addr, grpc::SslCredentials(tls));
  }
  void Prepare(grpc::ClientContext* context) const {
    if (!g_.token.empty()) context->AddMetadata("authorization", "Bearer " + g_.token);
    if (!g_.claims.empty()) context->AddMetadata("sluice-claims", g_.claims);
    if (!g_.read.empty()) context->AddMetadata("sluice-read", g_.read);
    if (g_.timeout > 0) {
      context->set_deadline(std::chrono::system_clock::now() +
                            std::chrono::microseconds(static_cast<int64_t>(g_.timeout * 1e6)));
    }
  }

  // The call's outcome: the response printed, or the failure reported.
  int Done(const grpc::Status& status, const Message& response) const {
    if (!status.ok()) return cli::ReportFailure(status, std::cerr);
    if (!cli::PrintJson(response, g_.get, std::cout)) {
      return Fail(response.GetDescriptor()->name() + " has no field " + g_.get);
    }
    return 0;
  }
  // The same for a row result, which --output table prints as a table.
  int DoneRows(const grpc::Status& status, const v1::QueryResult& result) const {
    if (status.ok() && g_.output == "table") {
      cli::PrintTable(result, std::cout);
      return 0;
    }
    return Done(status, result);
  }

 private:
  const Globals& g_;
};

// What `sluice codegen --out DIR` writes beside the .proto when DIR has no buf.gen.yaml: how to
// generate clients from it with the tools Debian and npm give (buf, protoc's own Python, the gRPC
// Python plugin of protobuf-compiler-grpc).
constexpr char kBufGen[] = R"(# Typed clients from the schema's .proto: `buf generate` in this folder.
# Add the plugins of your languages (see buf.build/docs/generate); the .proto imports only
# protobuf's well-known types.
version: v2
plugins:
  - protoc_builtin: python
    out: gen/python
  - protoc_builtin: pyi
    out: gen/python
  - local: grpc_python_plugin
    out: gen/python
)";

// sluice codegen: the schema's typed API as .proto text, on stdout or into `dir`.
int Codegen(const Runner& run, v1::SchemaService::Stub& stub, grpc::ClientContext* context, const std::string& database,
            const std::string& schema, const std::string& version, const std::string& dir) {
  v1::GetSchemaProtoRequest request;
  request.mutable_target()->set_database(database);
  request.mutable_target()->set_schema(schema);
  request.set_version(version.empty() ? 0 : static_cast<uint32_t>(std::stoul(version)));
  v1::GetSchemaProtoResponse response;
  grpc::Status status = stub.GetSchemaProto(context, request, &response);
  if (!status.ok() || dir.empty()) {
    if (status.ok()) std::cout << response.proto();
    return status.ok() ? 0 : run.Done(status, response);
  }
  const std::filesystem::path path = std::filesystem::path(dir) / response.file_name();
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec || !sluice::WriteFile(path.string(), response.proto())) return Fail("cannot write " + path.string());
  std::cout << path.string() << "\n";
  // The folder as a buf module of its own, and how to generate from it (kept when there).
  for (const auto& [file, text] : {std::pair{"buf.yaml", "version: v2\n"}, std::pair{"buf.gen.yaml", kBufGen}}) {
    const std::filesystem::path config = std::filesystem::path(dir) / file;
    if (std::filesystem::exists(config)) continue;
    if (!sluice::WriteFile(config.string(), text)) return Fail("cannot write " + config.string());
    std::cout << config.string() << "\n";
  }
  return 0;
}

// Sets the request's database and, where it names none, the schema (--database, --schema).
template <typename Request>
void Target(Request& request, const Globals& g) {
  if constexpr (!std::is_same_v<Request, v1::ExecutePreparedRequest>) {
    if (!g.database.empty()) request.mutable_target()->set_database(g.database);
    if constexpr (!std::is_same_v<Request, v1::RawRequest>) {
      if (!g.schema.empty() && request.target().schema().empty()) request.mutable_target()->set_schema(g.schema);
    }
  }
}

// Requests with `to_sql` (for --output sql), and responses whose `result` holds rows or a
// relational read (printed instead of the whole response).
template <typename Request, typename = void>
struct HasToSql : std::false_type {};
template <typename Request>
struct HasToSql<Request, std::void_t<decltype(std::declval<Request>().to_sql())>> : std::true_type {};
template <typename Response, typename = void>
struct ResultOf {
  using type = void;
};
template <typename Response>
struct ResultOf<Response, std::void_t<decltype(std::declval<Response>().result())>> {
  using type = std::decay_t<decltype(std::declval<Response>().result())>;
};

}  // namespace

int main(int argc, char** argv) {
  Globals g;
  CLI::App app{
      "sluice — the Sluice admin CLI (a gRPC client of sluiced). Responses print as JSON; a failed call "
      "prints its gRPC code, message, field violations and reason, and exits with the gRPC code.",
      "sluice"};
  app.set_version_flag("--version", "sluice " + sluice::VersionLine());
  app.require_subcommand(1);
  app.fallthrough();  // the options below are taken after the command's name too
  app.add_option("--addr", g.addr, "the server: HOST:PORT, or unix:PATH")
      ->envname("SLUICE_ADDR")
      ->capture_default_str();
  app.add_option("--token", g.token, "a bearer token, for a server that requires one")->envname("SLUICE_TOKEN");
  app.add_option("--claims", g.claims,
                 "the call's claims, a JSON object (with a token that maps to a database role: row-level security)")
      ->envname("SLUICE_CLAIMS");
  app.add_option("--read", g.read, "primary: read from the database itself, not a read replica (read-your-writes)")
      ->envname("SLUICE_READ")
      ->check(CLI::IsMember({"primary", "replica"}));
  app.add_option("--database", g.database, "the database (default: the server's `default`)")
      ->envname("SLUICE_DATABASE");
  app.add_option("--schema", g.schema, "the schema, where a command or request names none")->envname("SLUICE_SCHEMA");
  app.add_option("--timeout", g.timeout, "seconds the call may take (0: no limit)")
      ->envname("SLUICE_TIMEOUT")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--tls-ca", g.tls_ca, "PEM file of the CA that signed the server's certificate (TLS)")
      ->envname("SLUICE_TLS_CA")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-cert", g.tls_cert, "PEM client certificate, for a server that requires one (mutual TLS)")
      ->envname("SLUICE_TLS_CERT")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", g.tls_key, "PEM key of the client certificate")
      ->envname("SLUICE_TLS_KEY")
      ->check(CLI::ExistingFile);
  app.add_option("--get", g.get, "print only this field of the response (text as is, else JSON)");
  app.add_option("--output", g.output,
                 "json; table (the rows of select, insert, update, delete, execute, raw); sql (the SQL of those and "
                 "of find / find-first, nothing run; generate's migration); plan (the database's plan of a select, "
                 "insert, update, delete, find or find-first: EXPLAIN)")
      ->check(CLI::IsMember({"json", "table", "sql", "plan"}))
      ->capture_default_str();

  // The commands, each with its own arguments and flags.
  std::string file, name, version, dir, request_text, topic, custom, diagram_format = "mermaid";
  bool strict = false, allow_data_loss = false, dry_run = false, baseline = false, relations = false;
  std::vector<std::string> rename_tables, rename_columns, namespaces, messages;
  auto renames = [&](CLI::App* c) {
    c->add_option("--rename-table", rename_tables, "OLD=NEW: table OLD is now NEW (repeatable)")->take_all();
    c->add_option("--rename-column", rename_columns, "TABLE.OLD=NEW: a renamed column (repeatable)")->take_all();
  };
  app.add_subcommand("health", "Health check: exit 0 when SERVING");
  app.add_subcommand("plugins", "the loaded dialect plugins, and refused ones with the reason");
  app.add_subcommand("databases", "the configured databases (passwords masked)");
  auto* reg = app.add_subcommand("register",
                                 "register the schema in FILE (JSON, or text format for .txtpb, "
                                 ".textproto, .pbtxt)");
  reg->add_option("file", file, "the schema file")->required()->check(CLI::ExistingFile);
  reg->add_flag("--strict", strict, "lint warnings refuse the schema");
  renames(reg);  // the typed API keeps a renamed column's field number
  app.add_subcommand("schemas", "registered schemas (latest versions)");
  auto* schema_cmd = app.add_subcommand("schema", "one registered schema");
  schema_cmd->add_option("name", name, "the schema (default: --schema)");
  schema_cmd->add_option("version", version, "its version (default: the latest)")->check(CLI::PositiveNumber);
  auto* codegen = app.add_subcommand(
      "codegen",
      "the typed API of SCHEMA as a .proto file (DIR/sluice/schemas/SCHEMA.proto, and DIR/buf.yaml and "
      "buf.gen.yaml when absent), for clients to generate typed stubs with their own toolchain (`buf generate` in "
      "DIR); without "
      "--out, the .proto on stdout");
  codegen->add_option("schema", name, "the schema (default: --schema)");
  codegen->add_option("--out", dir, "an existing folder to write to")->check(CLI::ExistingDirectory);
  codegen->add_option("--version", version, "the schema's version (default: the latest)")->check(CLI::PositiveNumber);
  auto* diagram = app.add_subcommand(
      "diagram",
      "the entity-relationship diagram of SCHEMA as text (Mermaid or Graphviz dot): tables and columns, foreign keys "
      "as solid lines, relations as dotted ones, relations without a foreign key marked");
  diagram->add_option("schema", name, "the schema (default: --schema)");
  diagram->add_option("--format", diagram_format, "mermaid (default) or dot")->check(CLI::IsMember({"mermaid", "dot"}));
  diagram->add_option("--version", version, "the schema's version (default: the latest)")->check(CLI::PositiveNumber);
  auto* generate = app.add_subcommand(
      "generate",
      "the next migration of SCHEMA (its latest version) from the last snapshot: the folder's (--out, to which it "
      "is added), else the database's last applied one. Renames are never guessed: name them. A migration that "
      "loses data is refused, listing the steps and the flags that may explain them, unless --allow-data-loss");
  generate->add_option("schema", name, "the schema (default: --schema)");
  generate->add_option("--out", dir, "the migrations folder");
  generate->add_option("--name", version, "the migration's name (default NNNN_changes_vN)");
  generate->add_flag("--allow-data-loss", allow_data_loss, "accept steps that lose data");
  generate->add_option("--custom", custom,
                       "add an empty migration NAME to --out, to write by hand (a data backfill, "
                       "CREATE INDEX CONCURRENTLY)");
  renames(generate);
  auto* migrate = app.add_subcommand("migrate",
                                     "apply DIR's migrations the database lacks, in order (without DIR: "
                                     "the one generate would produce)");
  migrate->add_option("schema", name, "the schema (default: --schema)");
  migrate->add_option("dir", dir, "SCHEMA's migrations folder");
  migrate->add_flag("--baseline", baseline,
                    "adopt an existing database: record DIR's migrations as applied without running them (only "
                    "when the database already is what they leave)");
  auto* check = app.add_subcommand("check",
                                   "check a migrations folder: files, hashes, order, branches; exit 1 on a "
                                   "problem");
  check->add_option("dir", dir, "the migrations folder")->required();
  auto* status = app.add_subcommand("status", "applied (and dirty) migrations, drift; with DIR the pending ones");
  status->add_option("schema", name, "the schema (default: --schema)");
  status->add_option("dir", dir, "SCHEMA's migrations folder");
  auto* push = app.add_subcommand("push",
                                  "make the database match SCHEMA's latest version directly (development); "
                                  "steps that lose rows are refused unless --allow-data-loss");
  push->add_option("schema", name, "the schema (default: --schema)");
  push->add_flag("--dry-run", dry_run, "only show the statements");
  push->add_flag("--allow-data-loss", allow_data_loss, "accept steps that lose rows");
  renames(push);
  auto* pull = app.add_subcommand("pull", "the database's schema as a schema file (JSON) on stdout");
  pull->add_option("--namespace", namespaces, "a namespace (PostgreSQL schema) to read (repeatable)")->take_all();
  pull->add_option("--name", name, "the pulled schema's name");
  pull->add_flag("--relations", relations, "also propose relations from the foreign keys");
  std::map<std::string, std::string> queries = {{"select", "Select"},
                                                {"insert", "Insert"},
                                                {"update", "Update"},
                                                {"delete", "Delete"},
                                                {"batch", "Batch"},
                                                {"find", "FindMany"},
                                                {"find-first", "FindFirst"},
                                                {"prepare", "Prepare"},
                                                {"execute", "ExecutePrepared"},
                                                {"raw", "Raw"},
                                                {"refresh", "RefreshMaterializedView"},
                                                {"stream", "SelectStream (prints each batch as it arrives)"}};
  for (const auto& [command, method] : queries) {
    auto* q = app.add_subcommand(command, "one QueryService." + method + " call");
    q->add_option("request", request_text, "the request as JSON, or @FILE")->required();
  }
  auto* transaction = app.add_subcommand("transaction",
                                         "an interactive Transaction: each MESSAGE (a "
                                         "TransactionRequest as JSON) sent in order, each answer printed");
  transaction->add_option("messages", messages, "the TransactionRequest messages")->required();
  auto* help = app.add_subcommand("help", "this text, or a command's");
  help->add_option("command", topic, "the command");
  app.add_subcommand("completion", "a bash completion script: source <(sluice completion)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // A typo (`push shop --dryrun`) or an extra argument must not be dropped: push would apply
    // what it was asked to show.
    return Usage(e.what());
  }
  CLI::App* command = app.get_subcommands()[0];
  const std::string& cmd = command->get_name();
  if (cmd == "help") {
    if (topic.empty()) {
      std::cout << app.help();
      return 0;
    }
    try {
      std::cout << app.get_subcommand(topic)->help();
      return 0;
    } catch (const CLI::OptionNotFound&) {
      return Usage("no command `" + topic + "`");
    }
  }
  if (cmd == "completion") {
    std::cout << Completion(app);
    return 0;
  }
  if (name.empty() && cmd != "pull") name = g.schema;
  const bool rows_output =
      cmd == "select" || cmd == "insert" || cmd == "update" || cmd == "delete" || cmd == "execute" || cmd == "raw";
  if (g.output == "table" && !rows_output) {
    return Usage("--output table applies to select, insert, update, delete, execute and raw");
  }
  const bool sql_output = cmd == "select" || cmd == "insert" || cmd == "update" || cmd == "delete" || cmd == "find" ||
                          cmd == "find-first" || cmd == "generate";
  if (g.output == "sql" && !sql_output) {
    return Usage("--output sql applies to select, insert, update, delete, find, find-first and generate");
  }
  if (g.output == "plan" && (!sql_output || cmd == "generate")) {
    return Usage("--output plan applies to select, insert, update, delete, find and find-first");
  }

  Runner run(g);
  auto channel = run.Channel();
  if (channel == nullptr) return Fail("cannot read the TLS files (--tls-ca, --tls-cert, --tls-key)");
  grpc::ClientContext context;
  run.Prepare(&context);

  if (cmd == "health") {
    grpc::health::v1::HealthCheckResponse response;
    auto s = grpc::health::v1::Health::NewStub(channel)->Check(&context, {}, &response);
    const int code = run.Done(s, response);
    return code != 0 ? code : response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
  }
  if (cmd == "plugins") {
    v1::ListPluginsResponse response;
    return run.Done(v1::AdminService::NewStub(channel)->ListPlugins(&context, {}, &response), response);
  }
  if (cmd == "databases") {
    v1::ListDatabasesResponse response;
    return run.Done(v1::AdminService::NewStub(channel)->ListDatabases(&context, {}, &response), response);
  }
  std::vector<v1::RenameHint> hints;
  if (std::string error = Renames(rename_tables, rename_columns, &hints); !error.empty()) return Usage(error);
  if (cmd == "register" || cmd == "schemas" || cmd == "schema" || cmd == "codegen" || cmd == "diagram") {
    auto stub = v1::SchemaService::NewStub(channel);
    if (cmd == "register") {
      v1::RegisterSchemaRequest request;
      request.mutable_target()->set_database(g.database);
      request.set_strict(strict);
      for (auto& r : hints) *request.add_renames() = r;
      std::string error = Parse("@" + file, request.mutable_schema());
      if (!error.empty()) return Fail(error);
      v1::RegisterSchemaResponse response;
      return run.Done(stub->RegisterSchema(&context, request, &response), response);
    }
    if (cmd == "schemas") {
      v1::ListSchemasRequest request;
      request.mutable_target()->set_database(g.database);
      v1::ListSchemasResponse response;
      return run.Done(stub->ListSchemas(&context, request, &response), response);
    }
    if (name.empty()) return Usage(cmd + " needs a schema name (or --schema)");
    if (cmd == "codegen") return Codegen(run, *stub, &context, g.database, name, version, dir);
    v1::GetSchemaRequest request;
    request.mutable_target()->set_database(g.database);
    request.mutable_target()->set_schema(name);
    request.set_version(version.empty() ? 0 : static_cast<uint32_t>(std::stoul(version)));
    v1::GetSchemaResponse response;
    grpc::Status status = stub->GetSchema(&context, request, &response);
    if (cmd == "diagram" && status.ok()) {
      std::cout << (diagram_format == "dot" ? sluice::DotDiagram(response) : sluice::MermaidDiagram(response));
      return 0;
    }
    return run.Done(status, response);
  }

  auto migrations = v1::MigrationService::NewStub(channel);
  if (cmd == "pull") {
    v1::PullRequest request;
    request.mutable_target()->set_database(g.database);
    request.mutable_target()->set_schema(name);
    for (const auto& n : namespaces) request.add_namespaces(n);
    request.set_relations(relations);
    v1::PullResponse response;
    grpc::Status s = migrations->Pull(&context, request, &response);
    return run.Done(s, response.schema());
  }
  if (cmd == "push") {
    if (name.empty()) return Usage("push needs a schema name (or --schema)");
    v1::PushRequest request;
    request.mutable_target()->set_database(g.database);
    request.mutable_target()->set_schema(name);
    request.set_allow_data_loss(allow_data_loss);
    request.set_dry_run(dry_run);
    for (auto& r : hints) *request.add_renames() = r;
    v1::PushResponse response;
    return run.Done(migrations->Push(&context, request, &response), response);
  }
  if (cmd == "generate" || cmd == "migrate" || cmd == "status" || cmd == "check") {
    if (cmd != "check" && name.empty()) return Usage(cmd + " needs a schema name (or --schema)");
    cli::Folder folder;
    if (!dir.empty()) {
      // generate starts a folder; the others need one, with migrations, of this schema.
      std::string error = cli::ReadFolder(dir, &folder);
      if (error.empty() && cmd != "generate") error = cli::RequireMigrations(dir, folder);
      if (error.empty()) error = cli::RequireSchema(dir, folder, cmd == "check" ? "" : name);
      if (!error.empty()) return Fail(error);
    }
    if (cmd == "generate" && !custom.empty()) {
      if (dir.empty()) return Usage("generate --custom needs the migrations folder (--out DIR)");
      if (custom.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
          std::string::npos) {
        return Usage("--custom NAME: letters, digits, `_` and `-` only");
      }
      if (!folder.problems.empty()) return Fail(dir + ": " + folder.problems[0] + " (see sluice check)");
      v1::Migration migration;
      char number[16];
      std::snprintf(number, sizeof number, "%04zu", folder.migrations.size());
      migration.set_name(std::string(number) + "_" + custom);
      // The schema does not change: the snapshot stays the last one.
      if (!folder.migrations.empty()) *migration.mutable_snapshot() = folder.migrations.back().snapshot();
      if (std::string error = cli::AppendMigration(dir, name, migration, /*custom=*/true); !error.empty()) {
        return Fail(error);
      }
      std::cout << dir << "/" << migration.name() << ".sql (custom: write its SQL there)\n";
      return 0;
    }
    if (cmd == "generate") {
      v1::GenerateRequest request;
      request.mutable_target()->set_database(g.database);
      request.mutable_target()->set_schema(name);
      request.set_name(version);
      request.set_allow_data_loss(allow_data_loss);
      for (auto& r : hints) *request.add_renames() = r;
      if (!dir.empty()) {
        if (!folder.problems.empty()) return Fail(dir + ": " + folder.problems[0] + " (see sluice check)");
        if (!folder.migrations.empty()) {
          *request.mutable_previous() = folder.migrations.back().snapshot();
        } else {
          request.mutable_previous();  // an empty folder starts from nothing
        }
        request.set_index(static_cast<uint32_t>(folder.migrations.size()));
      }
      v1::GenerateResponse response;
      grpc::Status s = migrations->Generate(&context, request, &response);
      if (!s.ok()) return cli::ReportFailure(s, std::cerr);
      for (const auto& loss : response.data_loss()) std::cerr << "sluice: data loss: " << loss << "\n";
      for (const auto& a : response.ambiguous()) std::cerr << "sluice: not a rename unless you say so: " << a << "\n";
      if (g.output == "sql") {
        for (const auto& statement : response.migration().statements()) std::cout << statement << ";\n";
        if (dir.empty()) return 0;
      }
      if (dir.empty()) return run.Done(s, response);
      if (response.migration().statements().empty()) {
        std::cout << "no changes: " << dir << " is up to date with schema " << name << "\n";
        return 0;
      }
      if (std::string error = cli::AppendMigration(dir, name, response.migration()); !error.empty()) {
        return Fail(error);
      }
      if (g.output != "sql") {
        std::cout << dir << "/" << response.migration().name() << ".sql (" << response.migration().statements_size()
                  << " statements)\n";
      }
      return 0;
    }
    if (cmd == "check") {
      v1::CheckRequest request;
      for (auto& m : folder.migrations) *request.add_migrations() = m;
      v1::CheckResponse response;
      grpc::Status s = migrations->Check(&context, request, &response);
      if (!s.ok()) return cli::ReportFailure(s, std::cerr);
      std::vector<std::string> problems = folder.problems;
      problems.insert(problems.end(), response.problems().begin(), response.problems().end());
      for (const auto& p : problems) std::cout << "problem: " << p << "\n";
      // Reported, not a problem: clients generated before such a migration need generating again.
      for (const auto& c : response.client_breaking()) std::cout << "client-breaking: " << c << "\n";
      if (problems.empty()) std::cout << dir << ": " << folder.migrations.size() << " migrations, no problems\n";
      return problems.empty() ? 0 : 1;
    }
    if (!folder.problems.empty()) return Fail(dir + ": " + folder.problems[0] + " (see sluice check)");
    if (cmd == "migrate") {
      if (baseline && dir.empty()) return Usage("migrate --baseline needs the migrations folder");
      v1::MigrateRequest request;
      request.mutable_target()->set_database(g.database);
      request.mutable_target()->set_schema(name);
      request.set_baseline(baseline);
      for (auto& m : folder.migrations) *request.add_migrations() = m;
      v1::MigrateResponse response;
      const grpc::Status s = migrations->Migrate(&context, request, &response);
      if (s.ok() && response.applied().empty() && response.baselined().empty()) {
        std::cout << "nothing to apply: "
                  << (dir.empty()
                          ? "schema " + name + " is up to date"
                          : std::to_string(folder.migrations.size()) + " migrations of " + dir + " already applied")
                  << "\n";
        return 0;
      }
      return run.Done(s, response);
    }
    v1::StatusRequest request;
    request.mutable_target()->set_database(g.database);
    request.mutable_target()->set_schema(name);
    for (auto& m : folder.migrations) *request.add_migrations() = m;
    v1::StatusResponse response;
    return run.Done(migrations->Status(&context, request, &response), response);
  }

  auto stub = v1::QueryService::NewStub(channel);
  // Parses the REQUEST into `request`, fills its target, calls `method`, and prints the response
  // (its `result` where it has one: the rows are what a person asked for).
  auto unary = [&](auto request, auto response, auto method) {
    if (std::string error = Parse(request_text, &request); !error.empty()) return Fail(error);
    Target(request, g);
    if constexpr (HasToSql<decltype(request)>::value) {
      if (g.output == "sql") request.set_to_sql(true);
      if (g.output == "plan") request.set_explain(true);
    }
    const grpc::Status s = (stub.get()->*method)(&context, request, &response);
    using Result = typename ResultOf<decltype(response)>::type;
    if constexpr (std::is_void_v<Result>) {
      return run.Done(s, response);
    } else {
      if (s.ok() && g.output == "sql") {
        cli::PrintSql(response.result().statement(), std::cout);
        return 0;
      }
      if (s.ok() && !response.result().plan().empty() && g.get.empty()) {  // EXPLAIN: the plan as text
        std::cout << response.result().plan() << "\n";
        return 0;
      }
      if constexpr (std::is_same_v<Result, v1::QueryResult>) return run.DoneRows(s, response.result());
      return run.Done(s, response.result());
    }
  };
  using S = v1::QueryService::Stub;
  if (cmd == "select") return unary(v1::SelectRequest(), v1::SelectResponse(), &S::Select);
  if (cmd == "insert") return unary(v1::InsertRequest(), v1::InsertResponse(), &S::Insert);
  if (cmd == "update") return unary(v1::UpdateRequest(), v1::UpdateResponse(), &S::Update);
  if (cmd == "delete") return unary(v1::DeleteRequest(), v1::DeleteResponse(), &S::Delete);
  if (cmd == "batch") return unary(v1::BatchRequest(), v1::BatchResponse(), &S::Batch);
  if (cmd == "find") return unary(v1::FindManyRequest(), v1::FindManyResponse(), &S::FindMany);
  if (cmd == "find-first") return unary(v1::FindFirstRequest(), v1::FindFirstResponse(), &S::FindFirst);
  if (cmd == "prepare") return unary(v1::PrepareRequest(), v1::PrepareResponse(), &S::Prepare);
  if (cmd == "execute") return unary(v1::ExecutePreparedRequest(), v1::ExecutePreparedResponse(), &S::ExecutePrepared);
  if (cmd == "raw") return unary(v1::RawRequest(), v1::RawResponse(), &S::Raw);
  if (cmd == "refresh") {
    return unary(v1::RefreshMaterializedViewRequest(), v1::RefreshMaterializedViewResponse(),
                 &S::RefreshMaterializedView);
  }
  if (cmd == "stream") {
    v1::SelectStreamRequest request;
    if (std::string error = Parse(request_text, &request); !error.empty()) return Fail(error);
    Target(request, g);
    auto reader = stub->SelectStream(&context, request);
    v1::SelectStreamResponse message;
    while (reader->Read(&message)) cli::PrintJson(message, g.get, std::cout);
    const grpc::Status s = reader->Finish();
    return s.ok() ? 0 : cli::ReportFailure(s, std::cerr);
  }
  // transaction
  std::vector<v1::TransactionRequest> requests(messages.size());
  for (size_t i = 0; i < messages.size(); ++i) {
    if (std::string error = Parse(messages[i], &requests[i]); !error.empty()) return Fail(error);
    if (requests[i].has_begin()) Target(*requests[i].mutable_begin(), g);
  }
  auto stream = stub->Transaction(&context);
  v1::TransactionResponse response;
  for (const auto& message : requests) {
    if (!stream->Write(message) || !stream->Read(&response)) break;
    cli::PrintJson(response, g.get, std::cout);
  }
  stream->WritesDone();
  while (stream->Read(&response)) cli::PrintJson(response, g.get, std::cout);
  const grpc::Status s = stream->Finish();
  return s.ok() ? 0 : cli::ReportFailure(s, std::cerr);
}
