#include "common/flags.h"

#include <algorithm>
#include <cstdio>

namespace hookd::bench {

void parse_flags(int argc, char** argv, std::initializer_list<std::string_view> switches,
                 const std::function<bool(const std::string& name, const std::string& value)>& set) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::string value;
    bool has_value = false;
    if (const auto eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
      has_value = true;
    }
    if (flag == "--help" || flag == "-h") throw UsageError("help");
    const bool is_switch = std::find(switches.begin(), switches.end(), flag) != switches.end();
    if (!is_switch && !has_value) {
      if (i + 1 >= argc) throw UsageError("missing value for " + flag);
      value = argv[++i];
    }
    bool known = false;
    try {
      known = set(flag, value);
    } catch (const std::logic_error&) {  // std::stol and friends: invalid_argument, out_of_range
      throw UsageError("bad value for " + flag + ": " + value);
    }
    if (!known) throw UsageError("unknown flag " + flag);
  }
}

void parse_flags_or_usage(int argc, char** argv, std::initializer_list<std::string_view> switches,
                          const std::function<bool(const std::string& name, const std::string& value)>& set,
                          const std::string& about, void (*usage)(const std::string& error)) {
  try {
    parse_flags(argc, argv, switches, set);
  } catch (const UsageError& e) {
    usage(e.what() == std::string("help") ? about : e.what());
  }
}

int run_or_report(const char* program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    return 1;
  }
}

bool RunFlags::set(const std::string& flag, const std::string& value) {
  if (flag == "--keep-log") keep_log = true;
  else if (flag == "--events") events = std::stol(value);
  else if (flag == "--rate") rate = std::stod(value);
  else if (flag == "--warmup") warmup = std::stol(value);
  else if (flag == "--partitions") partitions = std::stoi(value);
  else if (flag == "--bootstrap") bootstrap = value;
  else if (flag == "--timeout") timeout_s = std::stoi(value);
  else if (flag == "--hookd") hookd = value;
  else return false;
  return true;
}

bool RunFlags::valid() const { return events >= 1 && partitions >= 1 && timeout_s >= 1 && rate >= 0 && warmup >= 0; }

}  // namespace hookd::bench
