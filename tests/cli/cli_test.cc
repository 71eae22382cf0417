// hookd's command line: --help prints to stdout and exits 0 on every command; an unknown
// command or flag prints usage to stderr and exits 2; --check-config and `check` refuse what
// start-up would refuse, naming the key.
#include "support/command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace hookd {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using test_support::run_command;

const std::vector<std::string> kCommands = {"check", "attempts", "explain", "send-test", "replay"};

std::string write_config(const std::string& name, const std::string& yaml) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("hookd-cli-" + std::to_string(::getpid()) + "-" + name + ".yaml");
  std::ofstream(path) << yaml;
  return path.string();
}

TEST(Help, TheTopLevelHelpListsEveryCommandOnStdout) {
  for (const char* flag : {"--help", "-h", "help"}) {
    const auto r = run_command(HOOKD_BINARY, {flag});
    EXPECT_EQ(r.exit_code, 0) << flag;
    EXPECT_THAT(r.err, IsEmpty()) << flag;
    for (const auto& command : kCommands) EXPECT_THAT(r.out, HasSubstr("hookd " + command)) << flag;
    EXPECT_THAT(r.out, HasSubstr("--check-config"));
  }
}

TEST(Help, EveryCommandHasItsOwnHelpOnStdout) {
  for (const auto& command : kCommands) {
    for (const char* flag : {"--help", "-h"}) {
      // --help wins over anything else given, even a flag the command does not know.
      const auto r = run_command(HOOKD_BINARY, {command, "--webhook", "x", flag, "--nonsense"});
      EXPECT_EQ(r.exit_code, 0) << command;
      EXPECT_THAT(r.out, HasSubstr("usage: hookd " + command)) << command;
      EXPECT_THAT(r.out, HasSubstr("Exit:")) << command;
      EXPECT_THAT(r.err, IsEmpty()) << command;
    }
  }
}

TEST(Help, AttemptsSaysWhatItCannotSee) {
  const auto r = run_command(HOOKD_BINARY, {"attempts", "--help"});
  EXPECT_THAT(r.out, HasSubstr("first-attempt successes"));
  EXPECT_THAT(r.out, HasSubstr("the log off"));
}

TEST(Usage, AnUnknownCommandOrFlagPrintsUsageToStderrAndExitsTwo) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {}, {"bogus"}, {"--bogus"}, {"--config"}, {"--version", "extra"}}) {
    const auto r = run_command(HOOKD_BINARY, args);
    EXPECT_EQ(r.exit_code, 2) << (args.empty() ? "" : args[0]);
    EXPECT_THAT(r.out, IsEmpty());
    EXPECT_THAT(r.err, HasSubstr("usage: hookd"));
  }
  for (const auto& command : kCommands) {
    const auto r = run_command(HOOKD_BINARY, {command, "--no-such-flag"});
    EXPECT_EQ(r.exit_code, 2) << command;
    EXPECT_THAT(r.out, IsEmpty()) << command;
    EXPECT_THAT(r.err, HasSubstr("unknown argument \"--no-such-flag\"")) << command;
    EXPECT_THAT(r.err, HasSubstr("usage: hookd " + command)) << command;
  }
}

TEST(Usage, RequiredFlagsAndBadValuesExitTwo) {
  const std::string config = write_config("minimal", "{}\n");
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  for (const Case& c : {Case{{"attempts", "--config", config}, "--webhook is required"},
                        Case{{"attempts", "--config", config, "--webhook", "w", "--since", "yesterday"}, "--since"},
                        Case{{"explain", "--config", config, "--webhook", "w"}, "--event-file is required"},
                        Case{{"send-test", "--config", config, "--webhook", "w", "--event-type", "lower"}, "[A-Z0-9_]+"},
                        Case{{"check", "--connect"}, "--config is required"},
                        Case{{"check", "--config", config, "--timeout", "soon"}, "--timeout"},
                        Case{{"check", "--config", config, "--connect=yes"}, "takes no value"},
                        Case{{"replay", "--config", config}, "--since is required"}}) {
    const auto r = run_command(HOOKD_BINARY, c.args);
    EXPECT_EQ(r.exit_code, 2) << c.says;
    EXPECT_THAT(r.err, HasSubstr(c.says));
  }
}

TEST(Version, NamesTheCommitAndLibrdkafka) {
  const auto r = run_command(HOOKD_BINARY, {"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("commit "));
  EXPECT_THAT(r.out, HasSubstr("librdkafka 2."));
}

TEST(CheckConfig, RefusesWhatStartUpWouldRefuseNamingTheKey) {
  struct Case {
    const char* name;
    const char* yaml;
    const char* key;
  };
  for (const Case& c : {Case{"scheme", "kafka: {bootstrap_servers: \"http://kafka:9092\"}\n", "kafka.bootstrap_servers"},
                        Case{"noport", "kafka: {bootstrap_servers: kafka}\n", "kafka.bootstrap_servers"},
                        Case{"commas", "kafka: {bootstrap_servers: \"kafka:notaport,,\"}\n", "kafka.bootstrap_servers"},
                        Case{"proxy", "delivery: {proxy: \"https://proxy:3128\"}\n", "delivery.proxy"},
                        Case{"maxbytes", "kafka: {properties: {message.max.bytes: \"1000000\"}}\n",
                             "kafka.properties.message.max.bytes"},
                        // Readable, but no certificate: the HTTP client's TLS set-up refuses it.
                        Case{"notpem", "delivery: {ca_file: NOT_PEM}\n", "delivery.ca_file"}}) {
    std::string yaml = c.yaml;
    if (const auto at = yaml.find("NOT_PEM"); at != std::string::npos) {
      yaml.replace(at, 7, write_config("not-a-certificate", "not a certificate\n"));
    }
    const std::string file = write_config(c.name, yaml);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"--check-config", file}, std::vector<std::string>{"check", "--config", file}}) {
      const auto r = run_command(HOOKD_BINARY, args);
      EXPECT_EQ(r.exit_code, 2) << c.name << " " << args[0];
      EXPECT_THAT(r.err, HasSubstr(c.key)) << c.name << " " << args[0];
      EXPECT_THAT(r.out, Not(HasSubstr("configuration OK"))) << c.name;
    }
  }
  const std::string good = write_config("good", "kafka: {bootstrap_servers: \"k1:9092,[::1]:9093\"}\n");
  const auto ok = run_command(HOOKD_BINARY, {"check", "--config", good});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("configuration OK"));
}

}  // namespace
}  // namespace hookd
