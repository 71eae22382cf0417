#include "support/test_ca.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace hookd::test_support {
namespace {

struct KeyFree { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };
struct CertFree { void operator()(X509* c) const { X509_free(c); } };
struct FileClose { void operator()(FILE* f) const { std::fclose(f); } };
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;
using File = std::unique_ptr<FILE, FileClose>;

[[noreturn]] void fail(const std::string& what) {
  char buf[256] = {};
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  throw std::runtime_error("test CA: " + what + ": " + buf);
}

void check(int ok, const char* what) {
  if (ok != 1) fail(what);
}

Key generate_key() {
  Key key(EVP_EC_gen("P-256"));
  if (!key) fail("EVP_EC_gen");
  return key;
}

// Adds one X.509v3 extension written in openssl.cnf syntax ("critical,CA:TRUE").
void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) fail("extension " + value);
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  check(ok, "X509_add_ext");
}

Cert make_cert(EVP_PKEY* subject_key, const std::string& common_name, long serial) {
  Cert cert(X509_new());
  if (!cert) fail("X509_new");
  check(X509_set_version(cert.get(), 2), "X509_set_version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial), "serial");
  // Back-dated an hour so a slightly skewed clock never makes the certificate "not yet valid".
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr) fail("notBefore");
  if (X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600) == nullptr) fail("notAfter");
  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0),
        "CN");
  check(X509_set_pubkey(cert.get(), subject_key), "X509_set_pubkey");
  return cert;
}

std::string subject_alt_names(const std::vector<std::string>& dns, const std::vector<std::string>& ips) {
  std::string san;
  for (const auto& d : dns) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const auto& ip : ips) san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
  return san;
}

void add_leaf_extensions(X509* cert, X509* issuer, const std::vector<std::string>& dns,
                         const std::vector<std::string>& ips) {
  add_extension(cert, issuer, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert, issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  add_extension(cert, issuer, NID_ext_key_usage, "serverAuth");
  add_extension(cert, issuer, NID_subject_key_identifier, "hash");
  add_extension(cert, issuer, NID_authority_key_identifier, "keyid:always");
  add_extension(cert, issuer, NID_subject_alt_name, subject_alt_names(dns, ips));
}

void sign(X509* cert, X509* issuer, EVP_PKEY* issuer_key) {
  check(X509_set_issuer_name(cert, X509_get_subject_name(issuer)), "X509_set_issuer_name");
  if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) fail("X509_sign");
}

File open_file(const std::string& path, const char* mode) {
  File f(std::fopen(path.c_str(), mode));
  if (!f) throw std::runtime_error("test CA: cannot open " + path);
  return f;
}

void write_pem(const std::string& path, X509* cert) {
  File f = open_file(path, "w");
  check(PEM_write_X509(f.get(), cert), "PEM_write_X509");
}

void write_pem(const std::string& path, EVP_PKEY* key) {
  File f = open_file(path, "w");
  check(PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0, nullptr, nullptr), "PEM_write_PrivateKey");
}

Cert read_cert(const std::string& path) {
  File f = open_file(path, "r");
  Cert cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
  if (!cert) fail("PEM_read_X509 " + path);
  return cert;
}

Key read_key(const std::string& path) {
  File f = open_file(path, "r");
  Key key(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr));
  if (!key) fail("PEM_read_PrivateKey " + path);
  return key;
}

CertFiles write_pair(const std::string& dir, const std::string& name, X509* cert, EVP_PKEY* key) {
  CertFiles files{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  write_pem(files.cert_file, cert);
  write_pem(files.key_file, key);
  return files;
}

}  // namespace

TestCa::TestCa() {
  std::string pattern = (std::filesystem::temp_directory_path() / "hookd-test-ca-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("test CA: mkdtemp failed");
  dir_ = pattern;

  Key ca_key = generate_key();
  Cert ca_cert = make_cert(ca_key.get(), "hookd test CA", 1);
  add_extension(ca_cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(ca_cert.get(), ca_cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(ca_cert.get(), ca_cert.get(), NID_subject_key_identifier, "hash");
  sign(ca_cert.get(), ca_cert.get(), ca_key.get());
  ca_ = write_pair(dir_, "ca", ca_cert.get(), ca_key.get());

  localhost_ = issue("localhost", {"localhost"}, {"127.0.0.1", "::1"});
  wrong_name_ = issue("wrong-name", {"wrong.example"}, {});

  // Self-signed leaf: valid names, but no chain to any trusted root.
  Key self_key = generate_key();
  Cert self_cert = make_cert(self_key.get(), "localhost", 1000);
  add_leaf_extensions(self_cert.get(), self_cert.get(), {"localhost"}, {"127.0.0.1", "::1"});
  sign(self_cert.get(), self_cert.get(), self_key.get());
  untrusted_ = write_pair(dir_, "untrusted", self_cert.get(), self_key.get());
}

TestCa::~TestCa() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

CertFiles TestCa::issue(const std::string& name, const std::vector<std::string>& dns_names,
                        const std::vector<std::string>& ip_addresses) {
  Cert ca_cert = read_cert(ca_.cert_file);
  Key ca_key = read_key(ca_.key_file);
  Key key = generate_key();
  Cert cert = make_cert(key.get(), dns_names.empty() ? name : dns_names.front(), next_serial_++);
  add_leaf_extensions(cert.get(), ca_cert.get(), dns_names, ip_addresses);
  sign(cert.get(), ca_cert.get(), ca_key.get());
  return write_pair(dir_, name, cert.get(), key.get());
}

}  // namespace hookd::test_support
