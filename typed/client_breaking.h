// What a new version of a schema breaks for clients generated from the old one's typed API
// (`sluice codegen`): reported by Generate, Push and Check beside the SQL, as buf breaking
// reports a .proto change. Field numbers never move (typed/field_numbers.h); what breaks is a
// service or field that is gone, renamed, or of another type.
#ifndef SLUICE_TYPED_CLIENT_BREAKING_H_
#define SLUICE_TYPED_CLIENT_BREAKING_H_

#include <string>
#include <vector>

#include "sluice/v1/migration_service.pb.h"
#include "sluice/v1/schema.pb.h"

namespace sluice::typed {

// One line per change, table by table (by name): a table or view dropped or renamed (its service), a
// column dropped, renamed or of another protobuf type (or nullability), an enum value dropped.
std::vector<std::string> ClientBreakingChanges(const v1::Schema& before, const v1::Schema& after,
                                               const std::vector<v1::RenameHint>& renames);

}  // namespace sluice::typed

#endif  // SLUICE_TYPED_CLIENT_BREAKING_H_
