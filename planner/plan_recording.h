// What a plan's parameters were made from, noted while the planner runs: the plan cache
// (plan_cache.h) turns it into the recipe that binds the next request of the same shape.
#ifndef SLUICE_PLANNER_PLAN_RECORDING_H_
#define SLUICE_PLANNER_PLAN_RECORDING_H_

#include <cstdint>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "sluice/v1/schema.pb.h"
#include "sluice/v1/value.pb.h"

namespace sluice {

// A place in a request that holds a value: a Value message, or a count field (limit, offset)
// of a message.
struct ValueSlot {
  const google::protobuf::Message* message = nullptr;
  const google::protobuf::FieldDescriptor* count = nullptr;  // null: `message` is the Value
  bool operator==(const ValueSlot& o) const { return message == o.message && count == o.count; }
};

// How one parameter is made.
struct ParamSource {
  enum Kind {
    kValue,     // the value at `slot`, checked against `column`
    kCount,     // the count at `slot` (not negative)
    kArray,     // a list of the parameters `elements` (already made)
    kConstant,  // the same for every request (a column's default, FindFirst's limit)
  } kind = kValue;
  uint32_t param = 0;
  ValueSlot slot;
  v1::Column column;
  std::vector<uint32_t> elements;
};

// While one lives, the planner on this thread notes where each parameter comes from and which
// values shaped the plan beyond their parameter (they must match for the plan to be reused).
// Planning without one notes nothing. A parameter made any other way is not noted, and its plan
// is not reused.
class PlanRecording {
 public:
  PlanRecording();
  ~PlanRecording();
  PlanRecording(const PlanRecording&) = delete;
  PlanRecording& operator=(const PlanRecording&) = delete;

  // The recording of this thread, or null.
  static PlanRecording* Current();

  void Value(uint32_t param, const v1::Value& source, const v1::Column& column);
  void Count(uint32_t param, const google::protobuf::Message& owner, const google::protobuf::FieldDescriptor* field);
  void Array(uint32_t param, std::vector<uint32_t> elements);
  void Constant(uint32_t param);
  // `value` decided more than its parameter (e.g. a decimal's precision typed the expression).
  void Verbatim(const v1::Value& value);

  const std::vector<ParamSource>& sources() const { return sources_; }
  const std::vector<const v1::Value*>& verbatim() const { return verbatim_; }

 private:
  PlanRecording* const outer_;
  std::vector<ParamSource> sources_;
  std::vector<const v1::Value*> verbatim_;
};

}  // namespace sluice

#endif  // SLUICE_PLANNER_PLAN_RECORDING_H_
