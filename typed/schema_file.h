// A registered schema as a protobuf file: the typed API's messages and services
// (`sluice.schemas.<schema>`), built as a FileDescriptorProto that sluiced serves, reflection
// lists and codegen writes out as .proto text. README "The typed API" shows its shape.
#ifndef SLUICE_TYPED_SCHEMA_FILE_H_
#define SLUICE_TYPED_SCHEMA_FILE_H_

#include <map>
#include <string>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "schema/schema_index.h"
#include "sluice/typed/field_numbers.pb.h"

namespace sluice::typed {

struct TableFields;

// A column or relation of a table, with its fields in the table's messages (set once the file is
// built: TypedSchema::Build), for results read by name at a hash lookup each.
struct FieldSlot {
  const v1::Column* column = nullptr;      // or
  const v1::Relation* relation = nullptr;  // with its target table
  const TableFields* target = nullptr;
  const google::protobuf::FieldDescriptor* in_row = nullptr;             // `Users` (columns only)
  const google::protobuf::FieldDescriptor* in_with_relations = nullptr;  // `UsersWithRelations`
};

// How a table's (or view's) messages map back to the schema.
struct TableFields {
  const TableInfo* info = nullptr;
  std::string message;                                       // `Users`
  std::map<std::string, const v1::Column*> column_of_field;  // field name → column
  std::map<std::string, std::string> field_of_column;        // column name → field name
  std::map<int, const v1::Column*> column_of_number;         // field number → column
  std::map<std::string, const v1::Relation*> relation_of_field;
  // By column or relation name (as results name them).
  std::unordered_map<std::string, FieldSlot> slots;
  const google::protobuf::Descriptor* row = nullptr;  // `Users`
};

// The file and its map back; pointers into the SchemaIndex it was built from.
struct SchemaFile {
  google::protobuf::FileDescriptorProto proto;
  std::map<std::string, TableFields> tables;                       // by table or view name
  std::map<std::string, const TableFields*> by_message;            // `Users` → its table
  std::map<std::string, std::map<int, std::string>> enum_values;   // schema enum → number → value
  std::map<std::string, std::map<std::string, int>> enum_numbers;  // schema enum → value → number
};

// A column's field type in the typed API ("int32", "string", "Timestamp", "Role",
// "repeated int64"): what a client's generated code sees.
std::string ProtoTypeName(const v1::Column& column);

// The file name a schema's typed API is served and written as: `sluice/schemas/<schema>.proto`.
std::string SchemaFileName(const std::string& schema);

// The typed API of `schema` with `numbers` (NextFieldNumbers of it). INVALID_ARGUMENT with the
// field path when its names do not make a valid protobuf file (two tables, columns or enum values
// that map to the same protobuf or JSON name), naming both.
absl::StatusOr<SchemaFile> BuildSchemaFile(const SchemaIndex& schema, const FieldNumbers& numbers);

}  // namespace sluice::typed

#endif  // SLUICE_TYPED_SCHEMA_FILE_H_
