// Typed requests into the generic API's requests, and the generic results back into typed
// responses: the typed services run through the same planner, dialects and executor as the
// generic ones. Values are checked here against their columns, so that errors name the typed
// request's own field paths (`where.email.eq`, `rows[0].price`).
#ifndef SLUICE_TYPED_TRANSLATE_H_
#define SLUICE_TYPED_TRANSLATE_H_

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "sluice/v1/query.pb.h"
#include "typed/typed_schema.h"

namespace sluice::typed {

// INVALID_ARGUMENT when `request` holds fields this version of the API does not have (a client
// generated from another version), at their path.
absl::Status CheckKnownFields(const google::protobuf::Message& request);

// Find, FindFirst and Get as a relational read (FindFirst and Get: `first`).
absl::StatusOr<v1::FindManyRequest> ToFind(const TypedSchema& schema, const TypedMethod& method,
                                           const google::protobuf::Message& request);
absl::StatusOr<v1::InsertRequest> ToInsert(const TypedSchema& schema, const TypedMethod& method,
                                           const google::protobuf::Message& request);
absl::StatusOr<v1::UpdateRequest> ToUpdate(const TypedSchema& schema, const TypedMethod& method,
                                           const google::protobuf::Message& request);
absl::StatusOr<v1::DeleteRequest> ToDelete(const TypedSchema& schema, const TypedMethod& method,
                                           const google::protobuf::Message& request);
absl::StatusOr<v1::SelectStreamRequest> ToStream(const TypedSchema& schema, const TypedMethod& method,
                                                 const google::protobuf::Message& request);

// The rows of a relational read into Find's, FindFirst's or Get's response (Get without a row:
// NOT_FOUND).
absl::Status FromFind(const TypedSchema& schema, const TypedMethod& method, const v1::FindResult& result,
                      google::protobuf::Message* response);
// A write's result into WriteResponse.
absl::Status FromWrite(const TypedSchema& schema, const TypedMethod& method, const v1::QueryResult& result,
                       google::protobuf::Message* response);
// Rows of a stream (its header's `columns`) into a StreamResponse.
absl::Status FromRows(const TypedSchema& schema, const TypedMethod& method,
                      const google::protobuf::RepeatedPtrField<v1::ResultColumn>& columns,
                      const google::protobuf::RepeatedPtrField<v1::Row>& rows, google::protobuf::Message* response);

}  // namespace sluice::typed

#endif  // SLUICE_TYPED_TRANSLATE_H_
