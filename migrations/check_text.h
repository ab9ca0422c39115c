// A check constraint as the database wrote it (`(balance >= (0)::numeric)`, `"qty" > 0`,
// `` `qty` > 0 ``) back into the schema's condition form, so that a pulled schema registers.
#ifndef SLUICE_MIGRATIONS_CHECK_TEXT_H_
#define SLUICE_MIGRATIONS_CHECK_TEXT_H_

#include <optional>
#include <string>

#include "sluice/v1/expression.pb.h"
#include "sluice/v1/schema.pb.h"

namespace sluice {

// The condition of `text` over the columns of `table`, for the forms the three dialects write:
// comparisons of a column with a literal or another column, IS [NOT] NULL, AND, OR, NOT,
// parentheses and casts (`::numeric`, dropped). nullopt for anything else (the pulled check
// then keeps only its SQL text, and registering it asks for a condition).
std::optional<v1::Condition> CheckCondition(const std::string& text, const v1::Table& table);

}  // namespace sluice

#endif  // SLUICE_MIGRATIONS_CHECK_TEXT_H_
