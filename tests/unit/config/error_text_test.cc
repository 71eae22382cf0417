// What a configuration error shows of the file: the text as written, but never a control
// character (errors go to a terminal and to logs) and never what a variable expanded to.
#include "config/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <variant>

namespace hookd::config {
namespace {

using testing::HasSubstr;

std::optional<std::string> env(const std::string&) { return std::string("expanded-secret"); }

ConfigError error_of(const std::string& yaml) {
  const LoadResult result = load_string(yaml, env);
  if (!std::holds_alternative<ConfigError>(result)) {
    ADD_FAILURE() << "loaded: " << yaml;
    return {};
  }
  return std::get<ConfigError>(result);
}

bool has_control_character(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

TEST(ConfigErrorText, ABadVariableNameIsShownWithoutItsControlCharacters) {
  // YAML escapes: \e is ESC (a terminal escape sequence), \x01 and \t are control characters.
  const ConfigError e = error_of("delivery:\n  timeout: \"${A\\e[31mB\\x01C\\tD}\"\n");
  EXPECT_EQ(e.key, "delivery.timeout");
  EXPECT_THAT(e.message, HasSubstr("is not an environment variable reference"));
  EXPECT_THAT(e.message, HasSubstr("${A?[31mB?C?D}"));
  EXPECT_FALSE(has_control_character(e.message)) << e.message;
}

TEST(ConfigErrorText, AValueIsShownAsWrittenNotExpanded) {
  const ConfigError e = error_of("delivery:\n  timeout: \"${TOKEN}\\x01\"\n");
  EXPECT_EQ(e.key, "delivery.timeout");
  EXPECT_THAT(e.message, HasSubstr("\"${TOKEN}?\""));
  EXPECT_THAT(e.message, testing::Not(HasSubstr("expanded-secret")));
  EXPECT_FALSE(has_control_character(e.message)) << e.message;
}

}  // namespace
}  // namespace hookd::config
