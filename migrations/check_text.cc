#include "migrations/check_text.h"

#include <cctype>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace sluice {
namespace {

struct Token {
  enum Kind { kIdent, kQuoted, kNumber, kString, kOp, kOpen, kClose, kCast, kEnd } kind;
  std::string text;
};

// Splits `text` into tokens; false on a character the forms above never hold.
bool Tokenize(const std::string& text, std::vector<Token>* out) {
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '(' || c == ')') {
      out->push_back({c == '(' ? Token::kOpen : Token::kClose, std::string(1, c)});
      ++i;
    } else if (c == '"' || c == '`' || c == '\'') {  // quoted identifier, or a string
      std::string value;
      size_t j = i + 1;
      for (; j < text.size(); ++j) {
        if (text[j] == c) {
          if (j + 1 < text.size() && text[j + 1] == c) {
            value += c;
            ++j;
            continue;
          }
          break;
        }
        value += text[j];
      }
      if (j >= text.size()) return false;
      out->push_back({c == '\'' ? Token::kString : Token::kQuoted, value});
      i = j + 1;
    } else if (c == ':' && i + 1 < text.size() && text[i + 1] == ':') {
      i += 2;
      size_t j = i;
      while (j < text.size() &&
             (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_' || text[j] == ' ')) {
        // `::character varying`, `::double precision`: up to the next operator or parenthesis
        ++j;
      }
      out->push_back({Token::kCast, text.substr(i, j - i)});
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '-' && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])) &&
                (out->empty() || out->back().kind == Token::kOp || out->back().kind == Token::kOpen))) {
      size_t j = i + 1;
      while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '.')) ++j;
      out->push_back({Token::kNumber, text.substr(i, j - i)});
      i = j;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_')) ++j;
      out->push_back({Token::kIdent, text.substr(i, j - i)});
      i = j;
    } else {
      static const char* kOps[] = {"<=", ">=", "<>", "!=", "=", "<", ">"};
      bool matched = false;
      for (const char* op : kOps) {
        if (text.compare(i, std::string(op).size(), op) == 0) {
          out->push_back({Token::kOp, op});
          i += std::string(op).size();
          matched = true;
          break;
        }
      }
      if (!matched) return false;
    }
  }
  out->push_back({Token::kEnd, ""});
  return true;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const v1::Table& table) : tokens_(std::move(tokens)), table_(table) {}

  std::optional<v1::Condition> Parse() {
    auto condition = Or();
    if (!condition || Peek().kind != Token::kEnd) return std::nullopt;
    return condition;
  }

 private:
  const Token& Peek() const { return tokens_[at_]; }
  bool Keyword(const char* word) {
    if (Peek().kind == Token::kIdent && absl::EqualsIgnoreCase(Peek().text, word)) {
      ++at_;
      return true;
    }
    return false;
  }
  void SkipCasts() {
    while (Peek().kind == Token::kCast) ++at_;
  }

  std::optional<v1::Condition> Or() { return List("OR", &Parser::And, &v1::Condition::mutable_or_); }
  std::optional<v1::Condition> And() { return List("AND", &Parser::Not, &v1::Condition::mutable_and_); }

  // `next` (WORD `next`)*: one operand as it is, several as the list `mutable_list` makes.
  std::optional<v1::Condition> List(const char* word, std::optional<v1::Condition> (Parser::*next)(),
                                    v1::ConditionList* (v1::Condition::*mutable_list)()) {
    auto first = (this->*next)();
    if (!first) return std::nullopt;
    if (Peek().kind != Token::kIdent || !absl::EqualsIgnoreCase(Peek().text, word)) return first;
    v1::Condition out;
    *(out.*mutable_list)()->add_conditions() = *first;
    while (Keyword(word)) {
      auto operand = (this->*next)();
      if (!operand) return std::nullopt;
      *(out.*mutable_list)()->add_conditions() = *operand;
    }
    return out;
  }

  std::optional<v1::Condition> Not() {
    if (Keyword("NOT")) {
      auto inner = Not();
      if (!inner) return std::nullopt;
      v1::Condition out;
      *out.mutable_not_() = *inner;
      return out;
    }
    return Primary();
  }

  // A parenthesized condition, or a comparison / IS [NOT] NULL.
  std::optional<v1::Condition> Primary() {
    if (Peek().kind == Token::kOpen) {
      // `(cond)` or a parenthesized operand (`(0)::numeric`): try the condition first.
      const size_t start = at_;
      ++at_;
      auto inner = Or();
      if (inner && Peek().kind == Token::kClose) {
        ++at_;
        SkipCasts();
        return inner;
      }
      at_ = start;
    }
    const v1::Column* column = nullptr;
    auto left = Operand(nullptr, &column);
    if (!left) return std::nullopt;
    if (Keyword("IS")) {
      const bool negated = Keyword("NOT");
      if (!Keyword("NULL")) return std::nullopt;
      v1::Condition out;
      *(negated ? out.mutable_is_not_null() : out.mutable_is_null()) = *left;
      return out;
    }
    if (Peek().kind != Token::kOp) return std::nullopt;
    const std::string op = tokens_[at_++].text;
    const v1::Column* right_column = nullptr;
    auto right = Operand(column, &right_column);
    if (!right) return std::nullopt;
    v1::Condition out;
    v1::Comparison* c = op == "="                  ? out.mutable_eq()
                        : op == "<>" || op == "!=" ? out.mutable_ne()
                        : op == "<"                ? out.mutable_lt()
                        : op == "<="               ? out.mutable_lte()
                        : op == ">"                ? out.mutable_gt()
                                                   : out.mutable_gte();
    *c->mutable_left() = *left;
    *c->mutable_right() = *right;
    return out;
  }

  // A column of the table, or a literal typed by `typed_as` (the column compared with).
  std::optional<v1::Expression> Operand(const v1::Column* typed_as, const v1::Column** column) {
    v1::Expression out;
    if (Peek().kind == Token::kOpen) {  // `(0)::numeric`
      ++at_;
      auto inner = Operand(typed_as, column);
      if (!inner || Peek().kind != Token::kClose) return std::nullopt;
      ++at_;
      SkipCasts();
      return inner;
    }
    const Token token = Peek();
    ++at_;
    SkipCasts();
    if (token.kind == Token::kIdent || token.kind == Token::kQuoted) {
      if (token.kind == Token::kIdent &&
          (absl::EqualsIgnoreCase(token.text, "true") || absl::EqualsIgnoreCase(token.text, "false"))) {
        out.mutable_value()->set_bool_value(absl::EqualsIgnoreCase(token.text, "true"));
        return out;
      }
      for (const v1::Column& c : table_.columns()) {
        if (c.name() == token.text) {
          out.mutable_column()->set_name(c.name());
          *column = &c;
          return out;
        }
      }
      return std::nullopt;
    }
    v1::Value& value = *out.mutable_value();
    if (token.kind == Token::kString) {
      value.set_string_value(token.text);
      return out;
    }
    if (token.kind != Token::kNumber) return std::nullopt;
    const v1::ColumnType type = typed_as != nullptr ? typed_as->type() : v1::DECIMAL;
    if (type == v1::REAL || type == v1::DOUBLE) {
      value.set_double_value(std::strtod(token.text.c_str(), nullptr));
    } else if (type == v1::DECIMAL || absl::StrContains(token.text, '.')) {
      value.set_decimal_value(token.text);
    } else {
      value.set_int_value(std::strtoll(token.text.c_str(), nullptr, 10));
    }
    return out;
  }

  std::vector<Token> tokens_;
  const v1::Table& table_;
  size_t at_ = 0;
};

}  // namespace

std::optional<v1::Condition> CheckCondition(const std::string& text, const v1::Table& table) {
  std::vector<Token> tokens;
  if (!Tokenize(text, &tokens)) return std::nullopt;
  return Parser(std::move(tokens), table).Parse();
}

}  // namespace sluice
