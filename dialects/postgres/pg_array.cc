#include "dialects/postgres/pg_array.h"

#include "common/json.h"

namespace sluice::postgres {

namespace {

// One element of an array literal, quoted: `b"c` → `"b\"c"`.
void AppendQuoted(absl::string_view text, std::string* out) {
  *out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') *out += '\\';
    *out += c;
  }
  *out += '"';
}

}  // namespace

std::optional<std::string> JsonArrayToPg(absl::string_view json) {
  auto parsed = ParseJson(json);
  if (!parsed.ok() || parsed->kind != JsonValue::kArray) return std::nullopt;
  std::string out = "{";
  for (size_t i = 0; i < parsed->items.size(); ++i) {
    const JsonValue& element = parsed->items[i];
    if (i > 0) out += ',';
    if (element.kind == JsonValue::kNull) {
      out += "NULL";
      continue;
    }
    if (element.kind != JsonValue::kString) return std::nullopt;
    AppendQuoted(element.text, &out);
  }
  return out + "}";
}

std::string TextArrayToPg(const std::vector<std::string>& elements) {
  std::string out = "{";
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out += ',';
    AppendQuoted(elements[i], &out);
  }
  return out + "}";
}

std::optional<std::vector<std::optional<std::string>>> PgArrayElements(absl::string_view text) {
  // An explicit lower bound ("[0:1]={...}") is not produced for arrays Sluice writes.
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return std::nullopt;
  std::vector<std::optional<std::string>> out;
  size_t i = 1;
  const size_t end = text.size() - 1;
  if (i == end) return out;
  while (i <= end) {
    std::string value;
    bool is_null = false;
    if (text[i] == '"') {
      for (++i; i < end && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < end) ++i;
        value += text[i];
      }
      if (i >= end) return std::nullopt;
      ++i;  // closing quote
    } else {
      while (i < end && text[i] != ',') value += text[i++];
      if (value == "NULL") is_null = true;
      if (!value.empty() && value[0] == '{') return std::nullopt;  // more than one dimension
    }
    out.push_back(is_null ? std::nullopt : std::optional<std::string>(std::move(value)));
    if (i == end) break;
    if (text[i] != ',') return std::nullopt;
    ++i;
  }
  return out;
}

std::optional<std::string> PgArrayToJson(absl::string_view text, void (*element)(std::string*)) {
  auto elements = PgArrayElements(text);
  if (!elements.has_value()) return std::nullopt;
  std::string out = "[";
  for (auto& value : *elements) {
    if (out.size() > 1) out += ',';
    if (!value.has_value()) {
      out += "null";
      continue;
    }
    if (element != nullptr) element(&*value);
    AppendJsonString(*value, &out);
  }
  return out + "]";
}

}  // namespace sluice::postgres
