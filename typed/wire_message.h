// A typed request read straight from its wire bytes with its descriptor: no DynamicMessage and no
// reflection on the serving path (both cost more per call than the generic API's generated
// classes). It keeps protobuf's meaning: the fields a parse followed by Reflection::ListFields
// would give, in field-number order; the last value of a singular field wins; a singular message
// given twice is merged; repeated numbers packed or not; proto3 fields without presence are unset
// at their default value. Values are views into the request's bytes, which must outlive it.
#ifndef SLUICE_TYPED_WIRE_MESSAGE_H_
#define SLUICE_TYPED_WIRE_MESSAGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace sluice::typed {

// Where a field of a typed request is (`where.and[0].role.eq`), put into words only when an error
// names it: each level points at its parent (on the stack, living as long as the call it is
// passed to).
class FieldPath {
 public:
  FieldPath() = default;  // the request
  FieldPath(const FieldPath& parent, absl::string_view name, int index = -1)
      : parent_(&parent), name_(name), index_(index) {}
  FieldPath(const FieldPath& parent, const google::protobuf::FieldDescriptor* f, int index = -1)
      : FieldPath(parent, f->name(), index) {}

  std::string str() const;

 private:
  const FieldPath* parent_ = nullptr;
  absl::string_view name_;
  int index_ = -1;
};

class WireMessage {
 public:
  struct Field {
    const google::protobuf::FieldDescriptor* descriptor = nullptr;
    // Integers, bools, enums, and floats' and doubles' bits, one per value (a singular field: its
    // last one).
    absl::InlinedVector<uint64_t, 1> numbers;
    // Strings, bytes, and the bytes of messages of other files (Timestamp, Value): every
    // occurrence (a singular message's occurrences merge in order).
    absl::InlinedVector<absl::string_view, 1> bytes;
    // Messages of the schema's own file: one per element (a singular field: one, merged).
    std::vector<WireMessage> messages;

    int size() const;
    // Value `index`, or (-1) a singular field's; its default when absent.
    uint64_t Number(int index = -1) const;
    absl::string_view Bytes(int index = -1) const;
    // A message of another file into `out`: element `index`, or (-1) a singular field's
    // occurrences merged in order.
    bool MergeInto(google::protobuf::Message* out, int index = -1) const;
  };

  // Reads `bytes` as `type` into this message (merging, as protobuf does). DATA_LOSS when the bytes
  // are not a message of that type (protobuf's parser would refuse them: truncated, a bad length,
  // invalid UTF-8 in a string, nested too deep); INVALID_ARGUMENT naming the field path (`at`)
  // for a field number or wire type this version of the API does not have (a client generated
  // from another version of the schema).
  absl::Status Merge(const google::protobuf::Descriptor* type, absl::string_view bytes, const FieldPath& at = {});

  const google::protobuf::Descriptor* type() const { return type_; }
  // The fields set, in field-number order.
  const std::vector<Field>& fields() const { return fields_; }
  // Field `name` when set; null otherwise.
  const Field* Find(absl::string_view name) const;

 private:
  absl::Status Merge(absl::string_view bytes, const FieldPath& at, int depth);
  Field& FieldOf(const google::protobuf::FieldDescriptor* f);

  const google::protobuf::Descriptor* type_ = nullptr;
  std::vector<Field> fields_;
};

}  // namespace sluice::typed

#endif  // SLUICE_TYPED_WIRE_MESSAGE_H_
