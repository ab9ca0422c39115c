#include "typed/wire_message.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/message.h"
#include "google/protobuf/stubs/common.h"
#include "google/protobuf/wire_format.h"
#include "google/protobuf/wire_format_lite.h"

namespace sluice::typed {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormat;
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

constexpr int kMaxDepth = 100;  // protobuf's own recursion limit

absl::Status Malformed(absl::string_view why) { return absl::DataLossError(why); }

// A message type of another file (google.protobuf.Timestamp, Value): read by protobuf's own class.
bool OtherFile(const FieldDescriptor* f, const google::protobuf::Descriptor* type) {
  return f->message_type()->file() != type->file();
}

// One value of `f` from `in` (wire type `wire`, the field's own) into `field`.
absl::Status ReadScalar(const FieldDescriptor* f, int wire, CodedInputStream* in, WireMessage::Field* field) {
  uint64_t value = 0;
  if (wire == WireFormatLite::WIRETYPE_VARINT) {
    if (!in->ReadVarint64(&value)) return Malformed("a truncated varint");
  } else if (wire == WireFormatLite::WIRETYPE_FIXED64) {
    if (!in->ReadLittleEndian64(&value)) return Malformed("a truncated fixed64");
  } else {
    uint32_t v32 = 0;
    if (!in->ReadLittleEndian32(&v32)) return Malformed("a truncated fixed32");
    value = v32;
  }
  if (f->is_repeated()) {
    field->numbers.push_back(value);
  } else {
    field->numbers.assign(1, value);
  }
  return absl::OkStatus();
}

}  // namespace

std::string FieldPath::str() const {
  std::string out = parent_ == nullptr ? "" : parent_->str();
  if (!name_.empty()) absl::StrAppend(&out, out.empty() ? "" : ".", name_);
  if (index_ >= 0) absl::StrAppend(&out, "[", index_, "]");
  return out;
}

int WireMessage::Field::size() const {
  if (descriptor->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    return static_cast<int>(messages.empty() ? bytes.size() : messages.size());
  }
  if (descriptor->cpp_type() == FieldDescriptor::CPPTYPE_STRING) return static_cast<int>(bytes.size());
  return static_cast<int>(numbers.size());
}

uint64_t WireMessage::Field::Number(int index) const {
  if (index >= 0) return numbers[index];
  return numbers.empty() ? 0 : numbers.back();
}

absl::string_view WireMessage::Field::Bytes(int index) const {
  if (index >= 0) return bytes[index];
  return bytes.empty() ? absl::string_view() : bytes.back();
}

bool WireMessage::Field::MergeInto(google::protobuf::Message* out, int index) const {
  if (index >= 0) return out->ParseFromArray(bytes[index].data(), static_cast<int>(bytes[index].size()));
  for (absl::string_view b : bytes) {
    CodedInputStream in(reinterpret_cast<const uint8_t*>(b.data()), static_cast<int>(b.size()));
    if (!out->MergeFromCodedStream(&in)) return false;
  }
  return true;
}

const WireMessage::Field* WireMessage::Find(absl::string_view name) const {
  for (const Field& f : fields_) {
    if (f.descriptor->name() == name) return &f;
  }
  return nullptr;
}

WireMessage::Field& WireMessage::FieldOf(const FieldDescriptor* f) {
  for (Field& field : fields_) {
    if (field.descriptor == f) return field;
  }
  fields_.emplace_back();
  fields_.back().descriptor = f;
  return fields_.back();
}

absl::Status WireMessage::Merge(const google::protobuf::Descriptor* type, absl::string_view bytes,
                                const FieldPath& at) {
  type_ = type;
  return Merge(bytes, at, 0);
}

absl::Status WireMessage::Merge(absl::string_view bytes, const FieldPath& at, int depth) {
  if (depth > kMaxDepth) return Malformed("messages nested too deep");
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size()));
  while (in.CurrentPosition() < static_cast<int>(bytes.size())) {
    const uint32_t tag = in.ReadTag();
    const int number = static_cast<int>(WireFormatLite::GetTagFieldNumber(tag));
    const int wire = WireFormatLite::GetTagWireType(tag);
    if (number == 0 || wire > WireFormatLite::WIRETYPE_FIXED32) return Malformed("a bad tag");
    const FieldDescriptor* f = type_->FindFieldByNumber(number);
    const int expected = f == nullptr ? -1 : WireFormat::WireTypeForFieldType(f->type());
    const bool packed =
        f != nullptr && f->is_packable() && wire == WireFormatLite::WIRETYPE_LENGTH_DELIMITED && wire != expected;
    if (f == nullptr || (wire != expected && !packed)) {
      const std::string path = at.str();
      return InvalidField(path.empty() ? "request" : path,
                          absl::StrCat("field number ", number,
                                       " is not in this version of the typed API (a client generated from another "
                                       "version of the schema: run `sluice codegen` again)"));
    }
    Field& field = FieldOf(f);
    if (wire != WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      absl::Status read = ReadScalar(f, wire, &in, &field);
      if (!read.ok()) return read;
      continue;
    }
    uint32_t length = 0;
    if (!in.ReadVarint32(&length) || length > bytes.size() - static_cast<size_t>(in.CurrentPosition())) {
      return Malformed("a bad length");
    }
    const absl::string_view value = bytes.substr(static_cast<size_t>(in.CurrentPosition()), length);
    in.Skip(static_cast<int>(length));
    if (packed) {
      CodedInputStream elements(reinterpret_cast<const uint8_t*>(value.data()), static_cast<int>(value.size()));
      while (elements.CurrentPosition() < static_cast<int>(value.size())) {
        absl::Status read = ReadScalar(f, expected, &elements, &field);
        if (!read.ok()) return read;
      }
      continue;
    }
    switch (f->type()) {
      case FieldDescriptor::TYPE_STRING:
        if (!google::protobuf::internal::IsStructurallyValidUTF8(value.data(), static_cast<int>(value.size()))) {
          return Malformed("a string that is not UTF-8");
        }
        [[fallthrough]];
      case FieldDescriptor::TYPE_BYTES:
        if (f->is_repeated()) {
          field.bytes.push_back(value);
        } else {
          field.bytes.assign(1, value);
        }
        break;
      default:  // a message
        if (OtherFile(f, type_)) {
          // Checked now, read when translated: bytes protobuf's class would refuse are malformed.
          std::unique_ptr<google::protobuf::Message> check(
              google::protobuf::MessageFactory::generated_factory()->GetPrototype(f->message_type())->New());
          if (!check->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
            return Malformed("a bad well-known message");
          }
          field.bytes.push_back(value);
          break;
        }
        if (f->is_repeated() || field.messages.empty()) {
          field.messages.emplace_back();
          field.messages.back().type_ = f->message_type();
        }
        const int index = f->is_repeated() ? static_cast<int>(field.messages.size()) - 1 : -1;
        absl::Status merged = field.messages.back().Merge(value, FieldPath(at, f, index), depth + 1);
        if (!merged.ok()) return merged;
    }
  }
  // Proto3 fields without presence are not set at their default value.
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(),
                               [](const Field& field) {
                                 const FieldDescriptor* f = field.descriptor;
                                 if (f->is_repeated() || f->has_presence()) return false;
                                 if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) return field.Bytes().empty();
                                 return field.Number() == 0;
                               }),
                fields_.end());
  std::sort(fields_.begin(), fields_.end(),
            [](const Field& a, const Field& b) { return a.descriptor->number() < b.descriptor->number(); });
  return absl::OkStatus();
}

}  // namespace sluice::typed
