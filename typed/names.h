// How the typed API names what a schema declares: protobuf identifiers derived from table,
// column, relation and enum names, the same on every server and in every generated client.
#ifndef SLUICE_TYPED_NAMES_H_
#define SLUICE_TYPED_NAMES_H_

#include <string>

#include "absl/strings/string_view.h"

namespace sluice::typed {

// `sluice.schemas.<schema>`: `-` becomes `_`.
std::string PackageOf(absl::string_view schema);

// PascalCase: `order_items` → `OrderItems`, `users` → `Users` (tables, views, enums).
std::string MessageNameOf(absl::string_view name);

// The name as written when it is a protobuf identifier; otherwise other characters become `_`
// (and a leading digit gets one before it). Columns and relations.
std::string FieldNameOf(absl::string_view name);

// UPPER_SNAKE_CASE of an identifier: `OrderItems` → `ORDER_ITEMS`, `in-progress` →
// `IN_PROGRESS` (enum value prefixes and values).
std::string UpperSnakeOf(absl::string_view name);

// protobuf's JSON name of a field: lowerCamelCase (`user_id` → `userId`).
std::string JsonNameOf(absl::string_view field);

}  // namespace sluice::typed

#endif  // SLUICE_TYPED_NAMES_H_
