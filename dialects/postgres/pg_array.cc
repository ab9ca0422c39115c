#include "dialects/postgres/pg_array.h"

#include <cctype>
#include <cstdint>
#include <vector>

namespace sluice::postgres {
namespace {

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool Hex4(absl::string_view s, size_t at, uint32_t* out) {
  if (at + 4 > s.size()) return false;
  *out = 0;
  for (size_t i = at; i < at + 4; ++i) {
    const char c = s[i];
    *out <<= 4;
    if (c >= '0' && c <= '9') *out |= c - '0';
    else if (c >= 'a' && c <= 'f') *out |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') *out |= c - 'A' + 10;
    else return false;
  }
  return true;
}

// A JSON string starting at s[*i] == '"'; advances past it.
bool JsonString(absl::string_view s, size_t* i, std::string* out) {
  for (++*i; *i < s.size(); ++*i) {
    char c = s[*i];
    if (c == '"') {
      ++*i;
      return true;
    }
    if (c != '\\') {
      *out += c;
      continue;
    }
    if (++*i >= s.size()) return false;
    switch (s[*i]) {
      case '"': *out += '"'; break;
      case '\\': *out += '\\'; break;
      case '/': *out += '/'; break;
      case 'b': *out += '\b'; break;
      case 'f': *out += '\f'; break;
      case 'n': *out += '\n'; break;
      case 'r': *out += '\r'; break;
      case 't': *out += '\t'; break;
      case 'u': {
        uint32_t cp;
        if (!Hex4(s, *i + 1, &cp)) return false;
        *i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && *i + 6 < s.size() && s[*i + 1] == '\\' && s[*i + 2] == 'u') {
          uint32_t low;
          if (Hex4(s, *i + 3, &low) && low >= 0xDC00 && low < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            *i += 6;
          }
        }
        AppendUtf8(cp, out);
        break;
      }
      default: return false;
    }
  }
  return false;
}

void SkipSpace(absl::string_view s, size_t* i) {
  while (*i < s.size() && std::isspace(static_cast<unsigned char>(s[*i]))) ++*i;
}

void JsonQuote(absl::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  *out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (c < 0x20) {
          *out += "\\u00";
          *out += kHex[c >> 4];
          *out += kHex[c & 15];
        } else {
          *out += static_cast<char>(c);
        }
    }
  }
  *out += '"';
}

}  // namespace

std::optional<std::string> JsonArrayToPg(absl::string_view json) {
  size_t i = 0;
  SkipSpace(json, &i);
  if (i >= json.size() || json[i] != '[') return std::nullopt;
  ++i;
  std::string out = "{";
  bool first = true;
  while (true) {
    SkipSpace(json, &i);
    if (i < json.size() && json[i] == ']' && first) {
      ++i;
      break;
    }
    if (!first) out += ',';
    first = false;
    if (json.substr(i, 4) == "null") {
      out += "NULL";
      i += 4;
    } else if (i < json.size() && json[i] == '"') {
      std::string element;
      if (!JsonString(json, &i, &element)) return std::nullopt;
      out += '"';
      for (char c : element) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += '"';
    } else {
      return std::nullopt;
    }
    SkipSpace(json, &i);
    if (i < json.size() && json[i] == ',') {
      ++i;
      continue;
    }
    if (i < json.size() && json[i] == ']') {
      ++i;
      break;
    }
    return std::nullopt;
  }
  SkipSpace(json, &i);
  if (i != json.size()) return std::nullopt;
  return out + "}";
}

std::optional<std::string> PgArrayToJson(absl::string_view text, void (*element)(std::string*)) {
  // An explicit lower bound ("[0:1]={...}") is not produced for arrays Sluice writes.
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return std::nullopt;
  std::string out = "[";
  size_t i = 1;
  const size_t end = text.size() - 1;
  if (i == end) return std::string("[]");
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
    if (out.size() > 1) out += ',';
    if (is_null) {
      out += "null";
    } else {
      if (element != nullptr) element(&value);
      JsonQuote(value, &out);
    }
    if (i == end) break;
    if (text[i] != ',') return std::nullopt;
    ++i;
  }
  return out + "]";
}

}  // namespace sluice::postgres
