// One registered schema version's typed API, built and ready to serve: its descriptors in a pool
// of their own, messages made from them, and the methods by path. TypedApi holds the current one
// of every schema.
#ifndef SLUICE_TYPED_TYPED_SCHEMA_H_
#define SLUICE_TYPED_TYPED_SCHEMA_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "typed/schema_file.h"

namespace sluice::typed {

enum class MethodKind { kFind, kFindFirst, kGet, kInsert, kUpdate, kDelete, kStream };

struct TypedMethod {
  MethodKind kind = MethodKind::kFind;
  const TableFields* table = nullptr;
  const google::protobuf::Descriptor* request = nullptr;
  const google::protobuf::Descriptor* response = nullptr;
};

class TypedSchema {
 public:
  // The API of `index` (version `version`) with `numbers`. INVALID_ARGUMENT as BuildSchemaFile.
  static absl::StatusOr<std::shared_ptr<const TypedSchema>> Build(std::shared_ptr<const SchemaIndex> index,
                                                                  uint32_t version, FieldNumbers numbers);

  const std::string& name() const { return index_->schema().name(); }
  uint32_t version() const { return version_; }
  const SchemaIndex& index() const { return *index_; }
  const FieldNumbers& numbers() const { return numbers_; }
  const SchemaFile& file() const { return file_; }
  const google::protobuf::FileDescriptor* descriptor() const { return descriptor_; }
  const google::protobuf::DescriptorPool& pool() const { return pool_; }
  // `/sluice.schemas.shop.UsersService/Find` → its method; null when not one of this schema's.
  const TypedMethod* FindMethod(const std::string& path) const;
  // Every method, by path.
  const std::map<std::string, TypedMethod>& methods() const { return methods_; }
  // The services' full names.
  std::vector<std::string> Services() const;
  // A new empty message of `type` (owned by the caller).
  std::unique_ptr<google::protobuf::Message> New(const google::protobuf::Descriptor* type) const;
  // The same on `arena` (which owns it).
  google::protobuf::Message* New(const google::protobuf::Descriptor* type, google::protobuf::Arena* arena) const;
  // The file as .proto text, with a header saying what it is.
  std::string ProtoText() const;

 private:
  TypedSchema() = default;

  std::shared_ptr<const SchemaIndex> index_;
  uint32_t version_ = 0;
  FieldNumbers numbers_;
  SchemaFile file_;
  google::protobuf::DescriptorPool pool_{google::protobuf::DescriptorPool::generated_pool()};
  const google::protobuf::FileDescriptor* descriptor_ = nullptr;
  mutable google::protobuf::DynamicMessageFactory factory_{&pool_};
  std::map<std::string, TypedMethod> methods_;
};

// The typed API of every schema this server knows, by schema name: the version registered last
// (a schema name has one typed API per server; where two databases hold different versions of it,
// the one registered or loaded last is served, and a request names its database).
class TypedApi {
 public:
  void Put(std::shared_ptr<const TypedSchema> schema);
  std::shared_ptr<const TypedSchema> Get(const std::string& schema) const;
  // The schema serving `path`, and its method.
  std::shared_ptr<const TypedSchema> ForMethod(const std::string& path, const TypedMethod** method) const;
  // The schema whose file is `file_name` or declares `symbol`.
  std::shared_ptr<const TypedSchema> ForFile(const std::string& file_name) const;
  std::shared_ptr<const TypedSchema> ForSymbol(const std::string& symbol) const;
  std::vector<std::shared_ptr<const TypedSchema>> All() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<const TypedSchema>> schemas_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sluice::typed

#endif  // SLUICE_TYPED_TYPED_SCHEMA_H_
