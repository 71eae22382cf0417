// A filter evaluated node by node, for `hookd explain` (see Filter::explain in filter.h).
#include <re2/re2.h>

#include <cstdio>

#include "subscriptions/filter.h"
#include "subscriptions/filter_document.h"

namespace hookd::subscriptions {
namespace {

using filter::Op;

std::string_view op_name(Op op) {
  switch (op) {
    case Op::eq: return "$eq";
    case Op::neq: return "$neq";
    case Op::gt: return "$gt";
    case Op::gte: return "$gte";
    case Op::lt: return "$lt";
    case Op::lte: return "$lte";
    case Op::in: return "$in";
    case Op::nin: return "$nin";
    case Op::exist: return "$exist";
    case Op::regex: return "$regex";
  }
  return "?";
}

std::string number_text(const filter::Number& n) {
  if (n.is_int) return std::to_string(n.integer);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", n.real);
  return buffer;
}

std::string scalar_text(const filter::Scalar& s) {
  switch (s.kind) {
    case filter::ScalarKind::null: return "null";
    case filter::ScalarKind::boolean: return s.boolean ? "true" : "false";
    case filter::ScalarKind::number: return number_text(s.number);
    case filter::ScalarKind::string: return "\"" + s.string + "\"";
  }
  return "?";
}

// The operand of $in/$nin: its values, the first few of each type.
std::string set_text(const filter::ScalarSet& set) {
  constexpr std::size_t kShown = 5;
  std::string out = "[";
  std::size_t shown = 0;
  std::size_t total = set.strings.size() + set.numbers.size() + set.has_null + set.has_true + set.has_false;
  auto add = [&](const std::string& value) {
    if (shown++ >= kShown) return;
    out += (shown > 1 ? ", " : "") + value;
  };
  for (const auto& s : set.strings) add("\"" + s + "\"");
  for (const auto& n : set.numbers) add(number_text(n));
  if (set.has_null) add("null");
  if (set.has_true) add("true");
  if (set.has_false) add("false");
  if (total > kShown) out += ", ... " + std::to_string(total - kShown) + " more";
  return out + "]";
}

std::string clause_text(const filter::Clause& clause) {
  std::string out = clause.text + " " + std::string(op_name(clause.op)) + " ";
  switch (clause.op) {
    case Op::in:
    case Op::nin: out += set_text(clause.set); break;
    case Op::exist: out += clause.exist ? "true" : "false"; break;
    case Op::regex: out += "/" + (clause.regex ? clause.regex->pattern() : std::string()) + "/"; break;
    default: out += scalar_text(clause.value); break;
  }
  return out;
}

}  // namespace

std::vector<Filter::ExplainLine> Filter::explain(EventDocument& document) const {
  std::vector<ExplainLine> out;
  explain(root_, document, 0, out);
  return out;
}

bool Filter::explain(const filter::Expr& expr, EventDocument& document, std::size_t depth,
                     std::vector<ExplainLine>& out) const {
  // A filter object with one key (each element of $or, the operand of $not) compiles to an
  // "all" of one child: the same thing, said once.
  if (expr.kind == filter::Expr::Kind::all && expr.children.size() == 1) {
    return explain(expr.children.front(), document, depth, out);
  }
  const std::size_t at = out.size();
  out.push_back({depth, false, ""});
  bool holds = false;
  switch (expr.kind) {
    case filter::Expr::Kind::all:
      holds = true;
      for (const auto& child : expr.children) holds = explain(child, document, depth + 1, out) && holds;
      out[at].text = "all of:";
      break;
    case filter::Expr::Kind::any:
      for (const auto& child : expr.children) holds = explain(child, document, depth + 1, out) || holds;
      out[at].text = "any of:";
      break;
    case filter::Expr::Kind::negate:
      holds = !explain(expr.children.front(), document, depth + 1, out);
      out[at].text = "not:";
      break;
    case filter::Expr::Kind::clause: {
      const auto& clause = clauses_[expr.clause];
      holds = evaluate(clause, document);
      out[at].text = clause_text(clause);
      if (!holds && clause.op != Op::exist &&
          !document.find(clause.path, [](const EventDocument::Node*, std::uint32_t) { return true; })) {
        out[at].text += " (path absent)";
      }
      break;
    }
  }
  out[at].holds = holds;
  return holds;
}

}  // namespace hookd::subscriptions
