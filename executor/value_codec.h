// Values across the plugin boundary: request values out as sluice_value, database values back
// as typed sluice.v1.Value of the result column's declared type.
#ifndef SLUICE_EXECUTOR_VALUE_CODEC_H_
#define SLUICE_EXECUTOR_VALUE_CODEC_H_

#include "absl/status/status.h"
#include "plugins/sluice_dialect.h"
#include "sluice/v1/schema.pb.h"
#include "sluice/v1/value.pb.h"

namespace sluice {

// A view of `value` (checked by the planner); valid while `value` and `scratch` live (arrays
// are encoded into `scratch`).
sluice_value ToAbiValue(const v1::Value& value, std::string* scratch);

// The database's value for a column declared as `column` (a synthetic column for computed
// results), into `out` (on the response's arena, if it has one: no copy). INTERNAL when the
// database returned something the type cannot hold.
absl::Status FromAbiValue(const sluice_value& raw, const v1::Column& column, v1::Value* out);

// The shortest text that reads back as the same double.
std::string FormatDouble(double d);

}  // namespace sluice

#endif  // SLUICE_EXECUTOR_VALUE_CODEC_H_
