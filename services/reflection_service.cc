#include "services/reflection_service.h"

#include <set>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"

namespace sluice {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;

// `file` and every file it imports, each once, serialized (what reflection clients resolve
// names with).
void AddWithImports(const FileDescriptor* file, std::set<std::string>* seen, std::vector<std::string>* out) {
  if (!seen->insert(file->name()).second) return;
  for (int i = 0; i < file->dependency_count(); ++i) AddWithImports(file->dependency(i), seen, out);
  google::protobuf::FileDescriptorProto proto;
  file->CopyTo(&proto);
  out->push_back(proto.SerializeAsString());
}

}  // namespace

template <typename Service, typename Request, typename Response>
grpc::Status ReflectionService<Service, Request, Response>::ServerReflectionInfo(
    grpc::ServerContext* context, grpc::ServerReaderWriter<Response, Request>* stream) {
  Request request;
  while (stream->Read(&request)) {
    Response response;
    response.set_valid_host(request.host());
    *response.mutable_original_request() = request;
    // A file from the typed API (looked for again once when missing: another server may have
    // registered it), else from the compiled-in descriptors.
    auto find = [&](auto typed_lookup, auto pool_lookup) -> const FileDescriptor* {
      for (int attempt = 0; attempt < 2; ++attempt) {
        if (auto schema = typed_lookup()) return schema->descriptor();
        if (const FileDescriptor* file = pool_lookup()) return file;
        state_.LoadTypedApi(false);
      }
      return nullptr;
    };
    const FileDescriptor* file = nullptr;
    bool file_request = true;
    const DescriptorPool* pool = DescriptorPool::generated_pool();
    switch (request.message_request_case()) {
      case Request::kFileByFilename:
        file = find([&] { return state_.typed_api.ForFile(request.file_by_filename()); },
                    [&] { return pool->FindFileByName(request.file_by_filename()); });
        break;
      case Request::kFileContainingSymbol:
        file = find([&] { return state_.typed_api.ForSymbol(request.file_containing_symbol()); },
                    [&] { return pool->FindFileContainingSymbol(request.file_containing_symbol()); });
        break;
      case Request::kListServices: {
        file_request = false;
        state_.LoadTypedApi(false);
        auto* list = response.mutable_list_services_response();
        for (const std::string& name : services_) list->add_service()->set_name(name);
        for (const auto& schema : state_.typed_api.All()) {
          for (const std::string& name : schema->Services()) list->add_service()->set_name(name);
        }
        break;
      }
      case Request::kAllExtensionNumbersOfType: {
        file_request = false;
        const std::string& type = request.all_extension_numbers_of_type();
        if (pool->FindMessageTypeByName(type) != nullptr || state_.typed_api.ForSymbol(type) != nullptr) {
          response.mutable_all_extension_numbers_response()->set_base_type_name(type);  // no extensions anywhere
        } else {
          response.mutable_error_response()->set_error_code(grpc::StatusCode::NOT_FOUND);
          response.mutable_error_response()->set_error_message("type not found: " + type);
        }
        break;
      }
      default:  // file_containing_extension: sluiced's files declare none
        file_request = false;
        response.mutable_error_response()->set_error_code(grpc::StatusCode::NOT_FOUND);
        response.mutable_error_response()->set_error_message("no extensions are declared");
    }
    if (file_request) {
      if (file == nullptr) {
        response.mutable_error_response()->set_error_code(grpc::StatusCode::NOT_FOUND);
        response.mutable_error_response()->set_error_message("not found");
      } else {
        std::set<std::string> seen;
        std::vector<std::string> files;
        AddWithImports(file, &seen, &files);
        // The file asked for first, its imports after (as gRPC's own reflection sends them).
        auto* out = response.mutable_file_descriptor_response();
        out->add_file_descriptor_proto(files.back());
        for (size_t i = 0; i + 1 < files.size(); ++i) out->add_file_descriptor_proto(files[i]);
      }
    }
    if (!stream->Write(response)) break;
  }
  (void)context;
  return grpc::Status::OK;
}

template class ReflectionService<grpc::reflection::v1::ServerReflection::Service,
                                 grpc::reflection::v1::ServerReflectionRequest,
                                 grpc::reflection::v1::ServerReflectionResponse>;
template class ReflectionService<grpc::reflection::v1alpha::ServerReflection::Service,
                                 grpc::reflection::v1alpha::ServerReflectionRequest,
                                 grpc::reflection::v1alpha::ServerReflectionResponse>;

}  // namespace sluice
