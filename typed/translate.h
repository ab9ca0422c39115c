// Typed requests (read by WireMessage) into the generic API's requests (typed/encode.h writes the results back): the
// typed services run through the same planner, dialects and executor as the generic ones. Values are checked here
// against their columns, so that errors name the typed request's own field paths (`where.email.eq`, `rows[0].price`).
#ifndef SLUICE_TYPED_TRANSLATE_H_
#define SLUICE_TYPED_TRANSLATE_H_

#include <optional>

#include "absl/status/statusor.h"
#include "sluice/v1/query.pb.h"
#include "typed/typed_schema.h"
#include "typed/wire_message.h"

namespace sluice::typed {

// Find, FindFirst and Get as a relational read (FindFirst and Get: `first`).
absl::StatusOr<v1::FindManyRequest> ToFind(const TypedSchema& schema, const TypedMethod& method,
                                           const WireMessage& request);
// A read that follows no relation as a plain select (a cheaper statement than a relational read,
// whose rows are built as JSON), taking `find`'s parts; nullopt (`find` untouched) when it
// follows relations.
std::optional<v1::SelectRequest> AsSelect(v1::FindManyRequest* find, bool first);
absl::StatusOr<v1::InsertRequest> ToInsert(const TypedSchema& schema, const TypedMethod& method,
                                           const WireMessage& request);
absl::StatusOr<v1::UpdateRequest> ToUpdate(const TypedSchema& schema, const TypedMethod& method,
                                           const WireMessage& request);
absl::StatusOr<v1::DeleteRequest> ToDelete(const TypedSchema& schema, const TypedMethod& method,
                                           const WireMessage& request);
absl::StatusOr<v1::SelectStreamRequest> ToStream(const TypedSchema& schema, const TypedMethod& method,
                                                 const WireMessage& request);

}  // namespace sluice::typed

#endif  // SLUICE_TYPED_TRANSLATE_H_
