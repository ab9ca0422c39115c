#include "planner/plan_recording.h"

namespace sluice {
namespace {
thread_local PlanRecording* current = nullptr;
}  // namespace

PlanRecording::PlanRecording() : outer_(current) { current = this; }
PlanRecording::~PlanRecording() { current = outer_; }
PlanRecording* PlanRecording::Current() { return current; }

void PlanRecording::Value(uint32_t param, const v1::Value& source, const v1::Column& column) {
  ParamSource s;
  s.kind = ParamSource::kValue;
  s.param = param;
  s.slot.message = &source;
  s.column = column;
  sources_.push_back(std::move(s));
}

void PlanRecording::Count(uint32_t param, const google::protobuf::Message& owner,
                          const google::protobuf::FieldDescriptor* field) {
  ParamSource s;
  s.kind = ParamSource::kCount;
  s.param = param;
  s.slot = {&owner, field};
  sources_.push_back(std::move(s));
}

void PlanRecording::Array(uint32_t param, std::vector<uint32_t> elements) {
  ParamSource s;
  s.kind = ParamSource::kArray;
  s.param = param;
  s.elements = std::move(elements);
  sources_.push_back(std::move(s));
}

void PlanRecording::Constant(uint32_t param) {
  ParamSource s;
  s.kind = ParamSource::kConstant;
  s.param = param;
  sources_.push_back(std::move(s));
}

void PlanRecording::Verbatim(const v1::Value& value) { verbatim_.push_back(&value); }

}  // namespace sluice
