#include "support/hookd_process.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <csignal>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace hookd::test_support {

using namespace std::chrono_literals;

HookdProcess::HookdProcess(std::string binary, const std::string& config_yaml) : binary_(std::move(binary)) {
  char tmpl[] = "/tmp/hookd-test.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  config_path_ = dir_ + "/hookd.yaml";
  log_path_ = dir_ + "/hookd.log";
  std::ofstream(config_path_) << config_yaml;
}

HookdProcess::~HookdProcess() {
  kill9();
  if (!keep_) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

void HookdProcess::start() {
  admin_port_ = 0;
  std::error_code ec;
  const auto size = std::filesystem::file_size(log_path_, ec);
  log_start_ = ec ? 0 : static_cast<std::streamoff>(size);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    if (std::freopen(log_path_.c_str(), "a", stderr) == nullptr) ::_exit(126);
    ::execl(binary_.c_str(), binary_.c_str(), "--config", config_path_.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
}

bool HookdProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int HookdProcess::admin_port() {
  if (admin_port_ == 0) {
    // hookd logs {"msg":"admin server listening",...,"port":N} once its admin server is up.
    static const std::regex line(R"re("msg":"admin server listening".*"port":([0-9]+))re");
    std::ifstream in(log_path_);
    in.seekg(log_start_);
    for (std::string l; std::getline(in, l);) {
      std::smatch m;
      if (std::regex_search(l, m, line)) admin_port_ = std::stoi(m[1]);
    }
  }
  return admin_port_;
}

int HookdProcess::admin_get(const std::string& path, std::string* body) {
  const int port = admin_port();
  if (port == 0) return 0;
  try {
    namespace http = boost::beast::http;
    boost::asio::io_context io;
    boost::beast::tcp_stream stream(io);
    stream.expires_after(5s);
    stream.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    http::request<http::empty_body> req{http::verb::get, path, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    if (body != nullptr) *body = res.body();
    return res.result_int();
  } catch (const std::exception&) {
    return 0;
  }
}

bool HookdProcess::wait_ready(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return false;
    if (admin_get("/readyz") == 200) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

int HookdProcess::terminate(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(50ms);
  }
  kill9();
  return -1;
}

void HookdProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string HookdProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string HookdProcess::log_tail(std::size_t lines) const {
  std::ifstream in(log_path_);
  std::deque<std::string> tail;
  for (std::string l; std::getline(in, l);) {
    tail.push_back(std::move(l));
    if (tail.size() > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& l : tail) out += l + "\n";
  return out;
}

std::optional<double> metric_value(const std::string& metrics, std::string_view series) {
  std::istringstream in(metrics);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ') {
      try {
        return std::stod(line.substr(series.size() + 1));
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

}  // namespace hookd::test_support
