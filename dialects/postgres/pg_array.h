// PostgreSQL array text ⇄ the ABI's array form (a JSON array of strings and nulls).
#ifndef SLUICE_DIALECTS_POSTGRES_PG_ARRAY_H_
#define SLUICE_DIALECTS_POSTGRES_PG_ARRAY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace sluice::postgres {

// `["a", null, "b\"c"]` → `{"a",NULL,"b\"c"}`; nullopt when `json` is not such an array.
std::optional<std::string> JsonArrayToPg(absl::string_view json);

// `{"x{", "a,b"}` → `{"x{","a,b"}`: every element quoted, for a text[] parameter.
std::string TextArrayToPg(const std::vector<std::string>& elements);

// `{a,NULL,"b\"c"}` → "a", null, `b"c` (one dimension: quoted elements unescaped); nullopt when
// malformed.
std::optional<std::vector<std::optional<std::string>>> PgArrayElements(absl::string_view text);

// `{a,NULL,"b\"c"}` → `["a",null,"b\"c"]` (one dimension); nullopt when malformed.
// `element` rewrites each element's text (e.g. to normalize timestamps); may be null.
std::optional<std::string> PgArrayToJson(absl::string_view text, void (*element)(std::string*));

}  // namespace sluice::postgres

#endif  // SLUICE_DIALECTS_POSTGRES_PG_ARRAY_H_
