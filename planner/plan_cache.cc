#include "planner/plan_cache.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "planner/value_check.h"
#include "sluice/v1/expression.pb.h"
#include "sluice/v1/query.pb.h"

namespace sluice {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// How each parameter of the kept plan is made from a request of its shape.
struct PlanCache::Entry {
  std::weak_ptr<const SchemaIndex> schema;
  PlannedFind planned;
  struct Step {
    ParamSource::Kind kind;
    uint32_t param;
    size_t slot;
    v1::Column column;
    std::vector<uint32_t> elements;
  };
  std::vector<Step> steps;  // in the planner's order: an array after its elements
  // Slots whose values decided the plan (or were not bound): a request must have the same.
  std::vector<std::pair<size_t, std::string>> verbatim;
};

namespace {

// Requests with more values than this are planned each time (a bulk insert's shape would be a
// long key, rarely repeated).
constexpr size_t kMaxSlots = 256;

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void AppendString(std::string* out, const std::string& s) {
  AppendVarint(out, s.size());
  out->append(s);
}

template <typename T>
void AppendFixed(std::string* out, T v) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &v, sizeof(T));
  out->append(bytes, sizeof(T));
}

bool IsCount(const FieldDescriptor* field) {
  static const FieldDescriptor* const kCounts[] = {
      v1::Select::descriptor()->FindFieldByName("limit"), v1::Select::descriptor()->FindFieldByName("offset"),
      v1::Find::descriptor()->FindFieldByName("limit"), v1::Find::descriptor()->FindFieldByName("offset")};
  return std::find(std::begin(kCounts), std::end(kCounts), field) != std::end(kCounts);
}

class Walker {
 public:
  explicit Walker(RequestShape* out) : out_(out) {}

  void Walk(const Message& m) {
    const Reflection* r = m.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    r->ListFields(m, &fields);
    out_->key.push_back('{');
    for (const FieldDescriptor* f : fields) {
      AppendVarint(&out_->key, f->number());
      if (f->is_map()) {
        Map(m, f);
      } else if (f->is_repeated()) {
        const int n = r->FieldSize(m, f);
        AppendVarint(&out_->key, n);
        for (int i = 0; i < n; ++i) Element(m, f, i);
      } else {
        Element(m, f, -1);
      }
    }
    out_->key.push_back('}');
  }

 private:
  void Sub(const Message& sub) {
    if (sub.GetDescriptor() != v1::Value::descriptor()) return Walk(sub);
    // A value: its kind stays in the shape (null or not, a decimal or a string decide plans).
    out_->slots.push_back({&sub, nullptr});
    const FieldDescriptor* kind =
        sub.GetReflection()->GetOneofFieldDescriptor(sub, v1::Value::descriptor()->oneof_decl(0));
    out_->key.push_back('V');
    AppendVarint(&out_->key, kind == nullptr ? 0 : kind->number());
  }

  // `m`'s field `f`, or its element `i` when repeated (i >= 0).
  void Element(const Message& m, const FieldDescriptor* f, int i) {
    const Reflection* r = m.GetReflection();
    std::string* key = &out_->key;
    const bool one = i < 0;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Sub(one ? r->GetMessage(m, f) : r->GetRepeatedMessage(m, f, i));
      case FieldDescriptor::CPPTYPE_INT32: {
        const int32_t v = one ? r->GetInt32(m, f) : r->GetRepeatedInt32(m, f, i);
        if (one && IsCount(f)) {  // a count's sign decides (a negative one is refused)
          out_->slots.push_back({&m, f});
          key->push_back(v < 0 ? '-' : '+');
          return;
        }
        return AppendFixed(key, v);
      }
      case FieldDescriptor::CPPTYPE_INT64:
        return AppendFixed(key, one ? r->GetInt64(m, f) : r->GetRepeatedInt64(m, f, i));
      case FieldDescriptor::CPPTYPE_UINT32:
        return AppendFixed(key, one ? r->GetUInt32(m, f) : r->GetRepeatedUInt32(m, f, i));
      case FieldDescriptor::CPPTYPE_UINT64:
        return AppendFixed(key, one ? r->GetUInt64(m, f) : r->GetRepeatedUInt64(m, f, i));
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return AppendFixed(key, one ? r->GetDouble(m, f) : r->GetRepeatedDouble(m, f, i));
      case FieldDescriptor::CPPTYPE_FLOAT:
        return AppendFixed(key, one ? r->GetFloat(m, f) : r->GetRepeatedFloat(m, f, i));
      case FieldDescriptor::CPPTYPE_BOOL:
        return key->push_back((one ? r->GetBool(m, f) : r->GetRepeatedBool(m, f, i)) ? '1' : '0');
      case FieldDescriptor::CPPTYPE_ENUM:
        return AppendFixed(key, one ? r->GetEnumValue(m, f) : r->GetRepeatedEnumValue(m, f, i));
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;
        return AppendString(
            key, one ? r->GetStringReference(m, f, &scratch) : r->GetRepeatedStringReference(m, f, i, &scratch));
      }
    }
  }

  // A map's entries in the order of their keys (its own order is a hash table's). The values are
  // walked where they live, the generated map, since the planner reads them there (reflection
  // would show copies): so only the maps of the requests planned here; another is not cached.
  void Map(const Message& m, const FieldDescriptor* f) {
    std::vector<std::pair<const std::string*, const Message*>> entries;
    auto add = [&entries](const auto& map) {
      for (const auto& [k, v] : map) entries.emplace_back(&k, &v);
    };
    if (const auto* row = google::protobuf::DynamicCastToGenerated<v1::InsertRow>(&m)) {
      add(row->values());
    } else if (const auto* c = google::protobuf::DynamicCastToGenerated<v1::OnConflict>(&m)) {
      f->number() == v1::OnConflict::kSetFieldNumber ? add(c->set()) : add(c->set_expressions());
    } else if (const auto* u = google::protobuf::DynamicCastToGenerated<v1::Update>(&m)) {
      f->number() == v1::Update::kSetFieldNumber ? add(u->set()) : add(u->set_expressions());
    } else if (const auto* find = google::protobuf::DynamicCastToGenerated<v1::Find>(&m)) {
      add(find->with());
    } else {
      out_->cacheable = false;
      return;
    }
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return *a.first < *b.first; });
    AppendVarint(&out_->key, entries.size());
    for (const auto& [k, v] : entries) {
      AppendString(&out_->key, *k);
      Sub(*v);
    }
  }

  RequestShape* out_;
};

// A slot's value as bytes, to compare.
std::string SlotText(const ValueSlot& slot) {
  std::string out;
  if (slot.count != nullptr) {
    AppendFixed(&out, slot.message->GetReflection()->GetInt32(*slot.message, slot.count));
    return out;
  }
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  slot.message->SerializeToCodedStream(&coded);
  return out;
}

}  // namespace

RequestShape ShapeOf(const Message& request, absl::string_view prefix) {
  RequestShape shape;
  shape.key.assign(prefix.data(), prefix.size());
  Walker(&shape).Walk(request);
  shape.cacheable = shape.cacheable && shape.slots.size() <= kMaxSlots;
  return shape;
}

std::unique_ptr<PlannedFind> PlanCache::Bind(const Entry& entry, const RequestShape& shape, const SchemaIndex& schema) {
  for (const auto& [slot, text] : entry.verbatim) {
    if (SlotText(shape.slots[slot]) != text) return nullptr;
  }
  auto out = std::make_unique<PlannedFind>(entry.planned);
  std::vector<v1::Value>& params = out->statement.params;
  static const std::string kNoPath;  // a value that does not check is planned again, for its error
  for (const Entry::Step& step : entry.steps) {
    const ValueSlot& slot = shape.slots[step.slot];
    switch (step.kind) {
      case ParamSource::kValue: {
        absl::StatusOr<v1::Value> checked =
            CheckValue(static_cast<const v1::Value&>(*slot.message), step.column, schema, kNoPath);
        if (!checked.ok()) return nullptr;
        params[step.param] = *std::move(checked);
        break;
      }
      case ParamSource::kCount: {
        const int32_t count = slot.message->GetReflection()->GetInt32(*slot.message, slot.count);
        if (count < 0) return nullptr;
        params[step.param].set_int_value(count);
        break;
      }
      case ParamSource::kArray: {
        v1::ValueList* list = params[step.param].mutable_list_value();
        for (size_t i = 0; i < step.elements.size(); ++i) *list->mutable_values(i) = params[step.elements[i]];
        break;
      }
      case ParamSource::kConstant:
        break;
    }
  }
  return out;
}

std::shared_ptr<const PlanCache::Entry> PlanCache::Learn(const std::shared_ptr<const SchemaIndex>& schema,
                                                         const RequestShape& shape, const PlanRecording& recording,
                                                         const PlannedFind& planned) {
  const PlannedStatement& statement = planned.statement;
  if (!shape.cacheable || !statement.placeholders.empty() || statement.returning_fallback != nullptr ||
      statement.describe_columns) {
    return nullptr;
  }
  absl::flat_hash_map<std::pair<const void*, const void*>, size_t> slot_of;
  for (size_t i = 0; i < shape.slots.size(); ++i) slot_of[{shape.slots[i].message, shape.slots[i].count}] = i;
  auto entry = std::make_shared<Entry>();
  entry->schema = schema;
  entry->planned = planned;
  entry->planned.statement.Share();
  // Each parameter needs exactly one way to be made; a constant wins over how it was bound.
  std::vector<const ParamSource*> source(statement.params.size());
  for (const ParamSource& s : recording.sources()) {
    if (s.param >= source.size()) return nullptr;
    if (source[s.param] != nullptr && source[s.param]->kind != ParamSource::kConstant &&
        s.kind != ParamSource::kConstant) {
      return nullptr;
    }
    if (source[s.param] == nullptr || s.kind == ParamSource::kConstant) source[s.param] = &s;
  }
  std::vector<bool> bound(shape.slots.size());
  for (const ParamSource& s : recording.sources()) {
    if (source[s.param] != &s || s.kind == ParamSource::kConstant) continue;
    Entry::Step step{s.kind, s.param, 0, s.column, s.elements};
    if (s.kind == ParamSource::kArray) {
      for (uint32_t e : s.elements) {
        if (e >= s.param || source[e] == nullptr) return nullptr;
      }
      if (statement.params[s.param].list_value().values_size() != static_cast<int>(s.elements.size())) return nullptr;
    } else {
      auto it = slot_of.find({s.slot.message, s.slot.count});
      if (it == slot_of.end()) return nullptr;  // a value from outside the request: not known to be constant
      step.slot = it->second;
      bound[it->second] = true;
    }
    entry->steps.push_back(std::move(step));
  }
  if (std::find(source.begin(), source.end(), nullptr) != source.end()) return nullptr;  // made unseen
  for (const v1::Value* v : recording.verbatim()) {
    auto it = slot_of.find({v, nullptr});
    if (it != slot_of.end()) bound[it->second] = false;
  }
  for (size_t i = 0; i < shape.slots.size(); ++i) {
    if (!bound[i]) entry->verbatim.emplace_back(i, SlotText(shape.slots[i]));
  }
  return entry;
}

absl::StatusOr<PlannedFind> PlanCache::Plan(const std::shared_ptr<const SchemaIndex>& schema, char kind,
                                            const Message& request, const PlanFn& plan) {
  // The kind, and one schema's plans: its address, checked against the entry's (a later schema
  // may reuse it).
  char prefix[1 + sizeof(const SchemaIndex*)] = {kind};
  const SchemaIndex* address = schema.get();
  std::memcpy(prefix + 1, &address, sizeof(address));
  RequestShape shape = ShapeOf(request, absl::string_view(prefix, sizeof(prefix)));
  std::vector<std::shared_ptr<const Entry>> candidates;
  if (shape.cacheable) {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(shape.key);
    if (it != entries_.end()) candidates = it->second;
  }
  for (const auto& entry : candidates) {
    if (entry->schema.lock() != schema) continue;
    if (std::unique_ptr<PlannedFind> bound = Bind(*entry, shape, *schema)) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      return std::move(*bound);
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  PlanRecording recording;
  absl::StatusOr<PlannedFind> planned = plan();
  if (!planned.ok()) return planned;
  if (std::shared_ptr<const Entry> entry = Learn(schema, shape, recording, *planned)) {
    // This request shares the kept plan too (its compiled SQL is then found by address).
    planned->statement.shared_plan = entry->planned.statement.shared_plan;
    planned->statement.plan.Clear();
    planned->statement.shared_columns = entry->planned.statement.shared_columns;
    planned->statement.columns.clear();
    absl::MutexLock lock(&mu_);
    if (entries_.size() >= capacity_) entries_.clear();
    std::vector<std::shared_ptr<const Entry>>& kept = entries_[shape.key];
    kept.erase(std::remove_if(kept.begin(), kept.end(), [&](const auto& e) { return e->schema.lock() != schema; }),
               kept.end());
    if (kept.size() >= kPlansPerShape) kept.erase(kept.begin());
    kept.push_back(std::move(entry));
  }
  return planned;
}

absl::StatusOr<PlannedStatement> PlanCache::PlanStatement(
    const std::shared_ptr<const SchemaIndex>& schema, char kind, const Message& request,
    const std::function<absl::StatusOr<PlannedStatement>()>& plan) {
  absl::StatusOr<PlannedFind> planned = Plan(schema, kind, request, [&]() -> absl::StatusOr<PlannedFind> {
    absl::StatusOr<PlannedStatement> statement = plan();
    if (!statement.ok()) return statement.status();
    PlannedFind out;
    out.statement = *std::move(statement);
    return out;
  });
  if (!planned.ok()) return planned.status();
  return std::move(planned->statement);
}

}  // namespace sluice
