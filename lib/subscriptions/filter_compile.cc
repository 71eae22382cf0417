// Compiling a filter's JSON into filter::Expr and filter::Clause (see filter.h). Runs once
// per subscription change, never per event; it favours exact refusals over leniency: a
// filter hookd cannot read exactly is refused, never treated as match-all.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <re2/re2.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "subscriptions/filter.h"
#include "subscriptions/json_scan.h"

namespace hookd::subscriptions {
namespace {

namespace json = boost::json;
using filter::Clause;
using filter::Expr;
using filter::Op;
using filter::Scalar;
using filter::ScalarKind;
using filter::Segment;

std::string_view view(json::string_view s) { return {s.data(), s.size()}; }

// Paths and operator names may appear in details; operand values never do.
std::string clipped(std::string_view text) {
  constexpr std::size_t kLimit = 64;
  if (text.size() <= kLimit) return std::string(text);
  std::size_t end = kLimit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

std::optional<Op> operator_named(std::string_view name) {
  if (name == "$eq") return Op::eq;
  if (name == "$neq") return Op::neq;
  if (name == "$gt") return Op::gt;
  if (name == "$gte") return Op::gte;
  if (name == "$lt") return Op::lt;
  if (name == "$lte") return Op::lte;
  if (name == "$in") return Op::in;
  if (name == "$nin") return Op::nin;
  if (name == "$exist") return Op::exist;
  if (name == "$regex") return Op::regex;
  return std::nullopt;
}

// "$" and "$.x" are path syntax (any element); any other key starting with '$' is an operator.
bool is_operator_key(std::string_view key) {
  return !key.empty() && key.front() == '$' && key != "$" && key.substr(0, 2) != "$.";
}

std::optional<Scalar> scalar_of(const json::value& v) {
  Scalar s;
  switch (v.kind()) {
    case json::kind::null: s.kind = ScalarKind::null; return s;
    case json::kind::bool_: s.kind = ScalarKind::boolean; s.boolean = v.get_bool(); return s;
    case json::kind::int64: s.kind = ScalarKind::number; s.number = filter::Number::of(v.get_int64()); return s;
    case json::kind::uint64: {
      s.kind = ScalarKind::number;
      const std::uint64_t u = v.get_uint64();
      s.number = u <= static_cast<std::uint64_t>(INT64_MAX) ? filter::Number::of(static_cast<std::int64_t>(u))
                                                             : filter::Number::of(static_cast<double>(u));
      return s;
    }
    case json::kind::double_: s.kind = ScalarKind::number; s.number = filter::Number::of(v.get_double()); return s;
    case json::kind::string: s.kind = ScalarKind::string; s.string = std::string(view(v.get_string())); return s;
    case json::kind::array:
    case json::kind::object:
      return std::nullopt;
  }
  return std::nullopt;
}

class Compiler {
 public:
  std::vector<Clause> clauses;
  std::optional<FilterError> error;

  // A filter object inside `depth` logical operators (the root is at 0): implicit and of its keys.
  bool filter_object(const json::object& object, std::size_t depth, Expr& out) {
    out.kind = Expr::Kind::all;
    for (const auto& member : object) {
      const std::string_view key = view(member.key());
      if (is_operator_key(key)) {
        if (!logical(key, member.value(), depth, out)) return false;
      } else {
        std::vector<Segment> path;
        if (!append_path(key, path) || !path_value(path, std::string(key), member.value(), out)) return false;
      }
    }
    return true;
  }

 private:
  bool fail(FilterError::Kind kind, std::string detail) {
    error = FilterError{kind, std::move(detail)};
    return false;
  }
  bool invalid(std::string detail) { return fail(FilterError::Kind::invalid, std::move(detail)); }

  bool logical(std::string_view key, const json::value& value, std::size_t depth, Expr& out) {
    if (depth + 1 > filter::kMaxDepth) {
      return fail(FilterError::Kind::too_large, "$and/$or/$not nest deeper than 16");
    }
    if (key == "$not") {
      if (!value.is_object()) return invalid("$not takes a filter object");
      Expr negate{Expr::Kind::negate, 0, {}};
      negate.children.emplace_back();
      if (!filter_object(value.get_object(), depth + 1, negate.children.back())) return false;
      out.children.push_back(std::move(negate));
      return true;
    }
    if (key != "$and" && key != "$or") {
      if (operator_named(key)) return invalid(std::string(key) + " needs a path: {\"path\": {\"" + std::string(key) + "\": ...}}");
      return invalid("unknown operator " + clipped(key));
    }
    if (!value.is_array() || value.get_array().empty()) return invalid(std::string(key) + " takes a non-empty array of filters");
    Expr group{key == "$and" ? Expr::Kind::all : Expr::Kind::any, 0, {}};
    for (const json::value& item : value.get_array()) {
      if (!item.is_object()) return invalid(std::string(key) + " takes a non-empty array of filters");
      group.children.emplace_back();
      if (!filter_object(item.get_object(), depth + 1, group.children.back())) return false;
    }
    out.children.push_back(std::move(group));
    return true;
  }

  // Splits a dotted key onto `path`. "$" segments mean "every element".
  bool append_path(std::string_view key, std::vector<Segment>& path) {
    std::size_t start = 0;
    for (;;) {
      const std::size_t dot = key.find('.', start);
      const std::string_view part = key.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (part.empty()) return invalid("path \"" + clipped(key) + "\" has an empty segment");
      if (part.front() == '$' && part != "$") {
        return invalid("path \"" + clipped(key) + "\" has a segment starting with $ that is not $");
      }
      path.push_back(Segment{part == "$" ? std::string() : std::string(part), part == "$",
                             part == "$" ? 0 : filter::key_hash(part)});
      if (path.size() > filter::kMaxPathSegments) {
        return fail(FilterError::Kind::too_large, "path \"" + clipped(key) + "\" has more than 32 segments");
      }
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    if (path.front().any_element) return invalid("path \"" + clipped(key) + "\" starts with $");
    return true;
  }

  // The value of a path key: a scalar (equality), an object of operators, or an object of
  // further path keys (nested paths, as in Convoy).
  bool path_value(const std::vector<Segment>& path, const std::string& text, const json::value& value, Expr& out) {
    if (value.is_array()) return invalid("path \"" + clipped(text) + "\" has an array value; use $in");
    if (!value.is_object()) {
      Clause clause;
      clause.op = Op::eq;
      clause.value = *scalar_of(value);
      return add_clause(path, text, std::move(clause), out);
    }
    const json::object& object = value.get_object();
    if (object.empty()) return invalid("path \"" + clipped(text) + "\" has an empty object");
    const std::size_t operators = static_cast<std::size_t>(std::count_if(
        object.begin(), object.end(), [](const json::key_value_pair& m) { return is_operator_key(view(m.key())); }));
    if (operators != 0 && operators != object.size()) {
      return invalid("path \"" + clipped(text) + "\" mixes operators and nested keys");
    }
    for (const auto& member : object) {
      const std::string_view key = view(member.key());
      if (operators == 0) {
        std::vector<Segment> nested = path;
        if (!append_path(key, nested) || !path_value(nested, text + "." + std::string(key), member.value(), out)) {
          return false;
        }
      } else if (!comparison(path, text, key, member.value(), out)) {
        return false;
      }
    }
    return true;
  }

  bool comparison(const std::vector<Segment>& path, const std::string& text, std::string_view name,
                  const json::value& operand, Expr& out) {
    const auto op = operator_named(name);
    const std::string where = std::string(name) + " on \"" + clipped(text) + "\"";
    if (!op) return invalid("unknown operator " + clipped(name) + " on \"" + clipped(text) + "\"");
    Clause clause;
    clause.op = *op;
    switch (*op) {
      case Op::eq:
      case Op::neq: {
        auto scalar = scalar_of(operand);
        if (!scalar) return invalid(where + " takes a string, number, boolean or null");
        clause.value = std::move(*scalar);
        break;
      }
      case Op::gt:
      case Op::gte:
      case Op::lt:
      case Op::lte: {
        auto scalar = scalar_of(operand);
        if (!scalar || (scalar->kind != ScalarKind::number && scalar->kind != ScalarKind::string)) {
          return invalid(where + " takes a number or a string");
        }
        clause.value = std::move(*scalar);
        break;
      }
      case Op::in:
      case Op::nin:
        if (!operand.is_array()) return invalid(where + " takes an array");
        for (const json::value& item : operand.get_array()) {
          auto scalar = scalar_of(item);
          if (!scalar) return invalid(where + " takes an array of strings, numbers, booleans or null");
          switch (scalar->kind) {
            case ScalarKind::null: clause.set.has_null = true; break;
            case ScalarKind::boolean: (scalar->boolean ? clause.set.has_true : clause.set.has_false) = true; break;
            case ScalarKind::number: clause.set.numbers.push_back(scalar->number); break;
            case ScalarKind::string: clause.set.strings.push_back(std::move(scalar->string)); break;
          }
        }
        std::sort(clause.set.strings.begin(), clause.set.strings.end());
        clause.set.strings.erase(std::unique(clause.set.strings.begin(), clause.set.strings.end()),
                                 clause.set.strings.end());
        break;
      case Op::exist:
        if (!operand.is_bool()) return invalid(where + " takes true or false");
        clause.exist = operand.get_bool();
        break;
      case Op::regex: {
        if (!operand.is_string()) return invalid(where + " takes a string");
        const std::string_view pattern = view(operand.get_string());
        if (pattern.size() > filter::kMaxRegexBytes) {
          return fail(FilterError::Kind::too_large, where + " is longer than 1 KiB");
        }
        RE2::Options options;
        options.set_log_errors(false);  // RE2 would write to stderr; logs are JSON lines
        options.set_max_mem(kRegexMaxMem);
        auto regex = std::make_shared<const RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
        if (regex->error_code() == RE2::ErrorPatternTooLarge) {
          return fail(FilterError::Kind::too_large, where + " compiles to a program too large");
        }
        if (!regex->ok()) return invalid(where + " is not a valid RE2 pattern: " + clipped(regex->error()));
        clause.regex = std::move(regex);
        break;
      }
    }
    return add_clause(path, text, std::move(clause), out);
  }

  bool add_clause(const std::vector<Segment>& path, const std::string& text, Clause clause, Expr& out) {
    if (clauses.size() >= filter::kMaxClauses) {
      return fail(FilterError::Kind::too_large, "more than 64 clauses");
    }
    clause.path = path;
    clause.text = text;
    out.children.push_back(Expr{Expr::Kind::clause, static_cast<std::uint32_t>(clauses.size()), {}});
    clauses.push_back(std::move(clause));
    return true;
  }

  // RE2's budget per regex (compiled program plus DFA cache): 64 clauses of a filter on each
  // of thousands of webhooks must not add up to gigabytes. 1 KiB patterns fit easily.
  static constexpr std::int64_t kRegexMaxMem = 1 << 20;
};

}  // namespace

FilterResult compile_filter(std::string_view text) {
  if (text.size() > filter::kMaxBytes) {
    return FilterError{FilterError::Kind::too_large, "filter JSON is larger than 16 KiB"};
  }
  const detail::ScanResult scan = detail::scan_json(text);
  switch (scan.status) {
    case detail::ScanStatus::ok: break;
    case detail::ScanStatus::not_json: return FilterError{FilterError::Kind::invalid, "filter is not valid JSON"};
    case detail::ScanStatus::duplicate_key:
      return FilterError{FilterError::Kind::invalid, "filter repeats the key \"" + clipped(scan.duplicate_key) + "\""};
  }
  json::parse_options options;
  options.max_depth = detail::kMaxDepth;
  json::error_code ec;
  const json::value document = json::parse(json::string_view(text.data(), text.size()), ec, json::storage_ptr(), options);
  if (ec) return FilterError{FilterError::Kind::invalid, "filter is not valid JSON"};
  if (!document.is_object()) return FilterError{FilterError::Kind::invalid, "filter is not an object"};

  Compiler compiler;
  Expr root;
  if (!compiler.filter_object(document.get_object(), 0, root)) return std::move(*compiler.error);
  return std::make_shared<const Filter>(std::move(root), std::move(compiler.clauses));
}

}  // namespace hookd::subscriptions
