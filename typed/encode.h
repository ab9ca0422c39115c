// Typed responses written straight as protobuf wire bytes from the generic API's results: the
// rows of a read or a write become `UsersWithRelations` / `Users` messages field by field, with
// each column's number and type, without building a message first (reflection over a dynamic
// message cost more than the whole generic response).
#ifndef SLUICE_TYPED_ENCODE_H_
#define SLUICE_TYPED_ENCODE_H_

#include <string>

#include "absl/status/statusor.h"
#include "sluice/v1/query.pb.h"
#include "typed/typed_schema.h"

namespace sluice::typed {

// Find's, FindFirst's or Get's response from a relational read's nested rows (Get without a row:
// NOT_FOUND).
absl::StatusOr<std::string> EncodeFind(const TypedSchema& schema, const TypedMethod& method,
                                       const v1::FindResult& result);
// The same from a plain select's rows (a read that follows no relation).
absl::StatusOr<std::string> EncodeSelect(const TypedSchema& schema, const TypedMethod& method,
                                         const v1::QueryResult& result);
// A write's WriteResponse.
absl::StatusOr<std::string> EncodeWrite(const TypedSchema& schema, const TypedMethod& method,
                                        const v1::QueryResult& result);
// A StreamResponse: rows of a stream whose header named `columns`.
absl::StatusOr<std::string> EncodeRows(const TypedSchema& schema, const TypedMethod& method,
                                       const google::protobuf::RepeatedPtrField<v1::ResultColumn>& columns,
                                       const google::protobuf::RepeatedPtrField<v1::Row>& rows);

}  // namespace sluice::typed

#endif  // SLUICE_TYPED_ENCODE_H_
