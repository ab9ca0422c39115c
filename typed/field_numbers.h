// The field-number ledger of a schema's typed API: each version's numbers derived from the
// previous version's, so that a column keeps its number for the life of the schema (renamed,
// through a rename hint, too) and a dropped column's number is never given again (protobuf's
// rules for evolving a message without breaking its clients).
#ifndef SLUICE_TYPED_FIELD_NUMBERS_H_
#define SLUICE_TYPED_FIELD_NUMBERS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "sluice/typed/field_numbers.pb.h"
#include "sluice/v1/migration_service.pb.h"
#include "sluice/v1/schema.pb.h"

namespace sluice::typed {

// The highest number a column or relation may get: the generated filter messages use the numbers
// above it (`and`, `or`, `not`).
inline constexpr uint32_t kMaxFieldNumber = 49999;

// The numbers of `schema` after `previous` (empty for a schema's first version): kept by name, or
// by the old name a rename hint gives; new names numbered after every number used or reserved;
// the numbers no longer used reserved. RESOURCE_EXHAUSTED past kMaxFieldNumber.
absl::StatusOr<FieldNumbers> NextFieldNumbers(const FieldNumbers& previous, const v1::Schema& schema,
                                              const std::vector<v1::RenameHint>& renames);

}  // namespace sluice::typed

#endif  // SLUICE_TYPED_FIELD_NUMBERS_H_
