// What the CLI prints: responses as JSON, one field of them (--get), rows as a table
// (--output table), SQL as plain text (--output sql), and a failed call's status with its details.
#ifndef SLUICE_TOOLS_SLUICE_OUTPUT_H_
#define SLUICE_TOOLS_SLUICE_OUTPUT_H_

#include <grpcpp/grpcpp.h>

#include <iosfwd>
#include <string>

#include "google/protobuf/message.h"
#include "sluice/v1/query.pb.h"

namespace sluice::cli {

// `message` as indented JSON with the proto field names (as files and output hold it).
std::string IndentedJson(const google::protobuf::Message& message);

// `message` as IndentedJson; with `field`, only that field (a string as is).
// false when the message has no such field.
bool PrintJson(const google::protobuf::Message& message, const std::string& field, std::ostream& out);

// The result's columns and rows as an aligned text table, then `N rows` (and what a write changed).
void PrintTable(const v1::QueryResult& result, std::ostream& out);

// A statement as plain SQL, its parameters after it as a comment (`-- $1 = 'ada'`).
void PrintSql(const v1::Statement& statement, std::ostream& out);

// A failed call: the gRPC code and message, each field violation and the ErrorInfo, on `err`; the
// exit code (the gRPC code, at least 1).
int ReportFailure(const grpc::Status& status, std::ostream& err);

}  // namespace sluice::cli

#endif  // SLUICE_TOOLS_SLUICE_OUTPUT_H_
