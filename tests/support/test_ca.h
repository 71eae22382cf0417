// A throw-away certificate authority generated at test time (OpenSSL 3, EC P-256).
//
// Why generated instead of checked in: checked-in certificates expire and their keys leak
// into every clone; a fresh CA per test run is valid for exactly as long as the run needs.
// Everything is written as PEM files into a private temporary directory that the destructor
// removes, because both hookd (delivery.ca_file) and the receiver load certificates by path.
#pragma once

#include <string>
#include <vector>

namespace hookd::test_support {

struct CertFiles {
  std::string cert_file;  // PEM certificate (leaf only)
  std::string key_file;   // PEM private key (PKCS#8, unencrypted)
};

class TestCa {
 public:
  // Generates the CA and three leaves (see the accessors). Throws std::runtime_error on failure.
  TestCa();
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  // The CA certificate: what a client trusts (hookd's delivery.ca_file).
  const std::string& ca_file() const { return ca_.cert_file; }
  // Signed by the CA for DNS:localhost, IP:127.0.0.1, IP:::1.
  const CertFiles& localhost() const { return localhost_; }
  // Signed by the CA, but only for DNS:wrong.example: host name verification must fail.
  const CertFiles& wrong_name() const { return wrong_name_; }
  // Self-signed for localhost/127.0.0.1/::1, not signed by the CA: chain verification must fail.
  const CertFiles& untrusted() const { return untrusted_; }
  const std::string& dir() const { return dir_; }

  // Issues another leaf signed by the CA; `name` names the files inside dir().
  CertFiles issue(const std::string& name, const std::vector<std::string>& dns_names,
                  const std::vector<std::string>& ip_addresses);

 private:
  std::string dir_;
  CertFiles ca_;
  CertFiles localhost_;
  CertFiles wrong_name_;
  CertFiles untrusted_;
  long next_serial_ = 2;
};

}  // namespace hookd::test_support
