// `latchkey serve` over TLS: the real binary with a self-signed certificate
// for localhost made here, and clients that trust only that certificate.
#include "common/openssl.hpp"
#include "server/beast.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <unistd.h>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

namespace {

namespace asio = server::asio;
namespace beast = server::beast;
namespace http = server::http;
using boost::system::error_code;
using server::http::field;
using server::http::status;
using server::http::verb;
using test_support::run_latchkey;
using test_support::server_process;
using steady = std::chrono::steady_clock;

// A fresh folder under the system's temporary one, removed with its files.
class temp_folder {
 public:
  temp_folder() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("latchkey-tls-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~temp_folder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_folder(const temp_folder&) = delete;
  temp_folder& operator=(const temp_folder&) = delete;

  std::string file(const std::string& name) const {
    return (path_ / name).string();
  }

 private:
  std::filesystem::path path_;
};

common::ossl::pkey make_p256_key() {
  common::ossl::pkey key(EVP_EC_gen("P-256"));
  REQUIRE(key != nullptr);
  return key;
}

// Self-signed, valid from an hour ago for a day, for the name localhost.
common::ossl::x509 make_localhost_cert(EVP_PKEY* key) {
  using extension = common::ossl::owner<X509_EXTENSION, X509_EXTENSION_free>;
  common::ossl::x509 cert(X509_new());
  REQUIRE(cert != nullptr);
  REQUIRE(X509_set_version(cert.get(), X509_VERSION_3) == 1);
  REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) == 1);
  REQUIRE(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr);
  REQUIRE(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400) != nullptr);
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* common_name = reinterpret_cast<const unsigned char*>("localhost");
  REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, common_name, -1,
                                     -1, 0) == 1);
  REQUIRE(X509_set_issuer_name(cert.get(), name) == 1);
  REQUIRE(X509_set_pubkey(cert.get(), key) == 1);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  const extension names(X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name,
                                            "DNS:localhost"));
  REQUIRE(names != nullptr);
  REQUIRE(X509_add_ext(cert.get(), names.get(), -1) == 1);
  REQUIRE(X509_sign(cert.get(), key, EVP_sha256()) > 0);
  return cert;
}

void write_key(const std::string& path, EVP_PKEY* key) {
  const common::ossl::bio out(BIO_new_file(path.c_str(), "w"));
  REQUIRE(out != nullptr);
  REQUIRE(PEM_write_bio_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr,
                                   nullptr) == 1);
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

// A certificate and its key on disk, and a second key that does not match.
struct tls_files {
  temp_folder folder;
  std::string cert = folder.file("cert.pem");
  std::string key = folder.file("key.pem");
  std::string other_key = folder.file("other-key.pem");
  std::string cert_pem;  // what clients trust

  tls_files() {
    const auto key_pair = make_p256_key();
    const auto certificate = make_localhost_cert(key_pair.get());
    const common::ossl::bio text(BIO_new(BIO_s_mem()));
    REQUIRE(text != nullptr);
    REQUIRE(PEM_write_bio_X509(text.get(), certificate.get()) == 1);
    char* data = nullptr;
    const long size = BIO_get_mem_data(text.get(), &data);
    REQUIRE(size > 0);
    cert_pem.assign(data, static_cast<std::size_t>(size));
    write_text(cert, cert_pem);
    write_key(key, key_pair.get());
    write_key(other_key, make_p256_key().get());
  }

  std::vector<std::string> serve_args(
      std::vector<std::string> more = {}) const {
    std::vector<std::string> args = {
        "--origin", "https://localhost", "--tls-cert", cert, "--tls-key", key};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
};

// What a test client offers: the TLS versions (0 for OpenSSL's own limit)
// and, for the TLS 1.2 suites, an OpenSSL cipher list.
struct client_options {
  int min_version = 0;
  int max_version = 0;
  std::string ciphers;
};

asio::ssl::context client_context(const tls_files& files,
                                  const client_options& options) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  ctx.add_certificate_authority(asio::buffer(files.cert_pem));
  SSL_CTX* native = ctx.native_handle();
  REQUIRE(SSL_CTX_set_min_proto_version(native, options.min_version) == 1);
  REQUIRE(SSL_CTX_set_max_proto_version(native, options.max_version) == 1);
  if (!options.ciphers.empty())
    REQUIRE(SSL_CTX_set_cipher_list(native, options.ciphers.c_str()) == 1);
  return ctx;
}

// A TLS client that trusts only the test certificate, for the name
// localhost. Each step runs the io_context until it ends; the stream's
// timer ends any step the server leaves hanging, after five seconds.
class tls_client {
 public:
  tls_client(std::uint16_t port, const tls_files& files,
             const client_options& options = {})
      : ctx_(client_context(files, options)), stream_(ioc_, ctx_) {
    stream_.set_verify_callback(asio::ssl::host_name_verification("localhost"));
    stream_.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  }

  error_code handshake() {
    return run([this](auto done) {
      stream_.async_handshake(asio::ssl::stream_base::client, done);
    });
  }

  std::optional<server::response> request(verb method, std::string_view target,
                                          bool keep_alive = true) {
    server::request req{method, target, 11};
    req.set(field::host, "localhost");
    req.keep_alive(keep_alive);
    if (run([&](auto done) { http::async_write(stream_, req, done); }))
      return std::nullopt;
    return read();
  }

  // Sends bytes as they are, inside TLS.
  error_code send(const std::string& raw) {
    return run([&](auto done) {
      asio::async_write(stream_, asio::buffer(raw), done);
    });
  }

  // The next answer, or nullopt when none comes.
  std::optional<server::response> read() {
    server::response res;
    if (run([&](auto done) { http::async_read(stream_, buffer_, res, done); }))
      return std::nullopt;
    return res;
  }

  // Reads until the server ends the connection: eof when it ended the TLS
  // session with a close_notify, another error when it cut it.
  error_code read_end() {
    while (true) {
      const auto ec = run([this](auto done) {
        stream_.async_read_some(buffer_.prepare(256), done);
      });
      if (ec)
        return ec;
    }
  }

  std::string version() { return SSL_get_version(stream_.native_handle()); }
  std::string cipher() {
    return SSL_CIPHER_get_name(SSL_get_current_cipher(stream_.native_handle()));
  }

 private:
  template <class Start>
  error_code run(Start start) {
    error_code result;
    stream_.next_layer().expires_after(std::chrono::seconds(5));
    start([&result](error_code ec, auto...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  asio::io_context ioc_;
  asio::ssl::context ctx_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

// What a plain TCP client got back for `raw`, and how the connection
// ended: `end` is beast::error::timeout when it was still open after
// `limit`.
struct plain_outcome {
  std::string received;
  error_code end;
  steady::duration took{};
};

plain_outcome plain_exchange(std::uint16_t port, const std::string& raw,
                             std::chrono::milliseconds limit) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect({asio::ip::make_address("127.0.0.1"), port});
  const auto started = steady::now();
  stream.expires_after(limit);
  plain_outcome out;
  if (!raw.empty()) {
    stream.async_write_some(asio::buffer(raw),
                            [&](error_code ec, std::size_t) { out.end = ec; });
    ioc.run();
  }
  while (!out.end) {
    char chunk[512];
    std::size_t got = 0;
    stream.async_read_some(asio::buffer(chunk),
                           [&](error_code ec, std::size_t n) {
                             out.end = ec;
                             got = n;
                           });
    ioc.restart();
    ioc.run();
    out.received.append(chunk, got);
  }
  out.took = steady::now() - started;
  return out;
}

bool is_cut_off(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset;
}

// True once the server's log holds `text`, within two seconds.
bool log_shows(const server_process& server, const std::string& text) {
  const auto deadline = steady::now() + std::chrono::seconds(2);
  while (server.log().find(text) == std::string::npos) {
    if (steady::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace

TEST_CASE("TLS: healthz answers 200 over TLS 1.3") {
  const tls_files files;
  server_process server(files.serve_args());
  tls_client client(server.port(), files);
  REQUIRE(client.handshake() == error_code());
  CHECK(client.version() == "TLSv1.3");
  const auto res = client.request(verb::get, "/healthz");
  REQUIRE(res.has_value());
  CHECK(res->result() == status::ok);
  CHECK(res->body() == R"({"status":"ok"})");
  CHECK(res->at("X-Request-Id").size() == 16);
}

TEST_CASE("TLS: a TLS 1.2 client gets an ECDHE suite with an AEAD cipher") {
  const tls_files files;
  server_process server(files.serve_args());
  tls_client client(server.port(), files, {0, TLS1_2_VERSION, {}});
  REQUIRE(client.handshake() == error_code());
  CHECK(client.version() == "TLSv1.2");
  const std::string cipher = client.cipher();
  CAPTURE(cipher);
  CHECK(cipher.starts_with("ECDHE-ECDSA-"));
  CHECK((cipher.find("GCM") != std::string::npos ||
         cipher.find("CHACHA20-POLY1305") != std::string::npos));
  const auto res = client.request(verb::get, "/healthz");
  REQUIRE(res.has_value());
  CHECK(res->result() == status::ok);
}

TEST_CASE("TLS: a client that offers only TLS 1.1 is refused") {
  const tls_files files;
  server_process server(files.serve_args());
  // Security level 0, or this OpenSSL would not even offer TLS 1.1: the
  // refusal must come from the server.
  tls_client client(server.port(), files,
                    {TLS1_1_VERSION, TLS1_1_VERSION, "DEFAULT:@SECLEVEL=0"});
  CHECK(client.handshake() != error_code());
  CHECK(log_shows(server, "event=tls_handshake_failed remote=127.0.0.1"));
  CHECK(log_shows(server, "unsupported protocol"));
}

TEST_CASE("TLS: a TLS 1.2 client that offers no ECDHE AEAD suite is refused") {
  const tls_files files;
  server_process server(files.serve_args());
  tls_client client(
      server.port(), files,
      {0, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA256:AES128-SHA"});
  CHECK(client.handshake() != error_code());
  CHECK(log_shows(server, "no shared cipher"));
}

TEST_CASE("TLS: two requests share one kept-alive connection") {
  const tls_files files;
  server_process server(files.serve_args());
  tls_client client(server.port(), files);
  REQUIRE(client.handshake() == error_code());
  const auto first = client.request(verb::get, "/healthz");
  REQUIRE(first.has_value());
  CHECK(first->result() == status::ok);
  CHECK(first->keep_alive());
  const auto second = client.request(verb::get, "/no-such-page", false);
  REQUIRE(second.has_value());
  CHECK(second->result() == status::not_found);
  CHECK_FALSE(second->keep_alive());
  CHECK(first->at("X-Request-Id") != second->at("X-Request-Id"));
  // After "Connection: close" the session ends with a close_notify.
  CHECK(client.read_end() == asio::error::eof);
}

TEST_CASE("TLS: a body over body-limit gets 413, then a close_notify") {
  const tls_files files;
  server_process server(files.serve_args({"--body-limit", "1024"}));
  tls_client client(server.port(), files);
  REQUIRE(client.handshake() == error_code());
  REQUIRE(client.send("POST /api/v1/signup/begin HTTP/1.1\r\n"
                      "Host: localhost\r\n"
                      "Content-Type: application/json\r\n"
                      "Content-Length: 100000\r\n\r\n" +
                      std::string(4096, 'x')) == error_code());
  const auto res = client.read();
  REQUIRE(res.has_value());
  CHECK(res->result() == status::payload_too_large);
  CHECK(res->body().find("body_too_large") != std::string::npos);
  CHECK_FALSE(res->keep_alive());
  CHECK(client.read_end() == asio::error::eof);
}

TEST_CASE("TLS: a plain HTTP request gets no answer, and TLS still works") {
  const tls_files files;
  server_process server(files.serve_args());
  const auto plain =
      plain_exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                     std::chrono::seconds(5));
  CAPTURE(plain.end.message());
  CHECK(is_cut_off(plain.end));
  CHECK(plain.received.find("HTTP/") == std::string::npos);
  CHECK(log_shows(server, "event=tls_handshake_failed remote=127.0.0.1"));

  tls_client client(server.port(), files);
  REQUIRE(client.handshake() == error_code());
  const auto res = client.request(verb::get, "/healthz");
  REQUIRE(res.has_value());
  CHECK(res->result() == status::ok);
}

TEST_CASE("TLS: a client that never says hello is cut off at header-timeout") {
  const tls_files files;
  server_process server(files.serve_args({"--header-timeout", "300ms"}));
  const auto silent =
      plain_exchange(server.port(), "", std::chrono::seconds(5));
  CAPTURE(silent.end.message());
  CHECK(is_cut_off(silent.end));
  CHECK(silent.took >= std::chrono::milliseconds(250));
  CHECK(silent.took < std::chrono::seconds(3));
  CHECK(silent.received.empty());
  CHECK(log_shows(server, "event=tls_handshake_failed remote=127.0.0.1"));

  tls_client client(server.port(), files);
  REQUIRE(client.handshake() == error_code());
  const auto res = client.request(verb::get, "/healthz");
  REQUIRE(res.has_value());
  CHECK(res->result() == status::ok);
}

TEST_CASE("TLS: a client without the certificate's trust does not connect") {
  const tls_files files;
  const tls_files strangers;  // another certificate, also for localhost
  server_process server(files.serve_args());
  tls_client client(server.port(), strangers);
  CHECK(client.handshake() != error_code());
  CHECK(log_shows(server, "event=tls_handshake_failed remote=127.0.0.1"));
}

TEST_CASE("TLS: on SIGTERM an idle connection gets a close_notify") {
  const tls_files files;
  server_process server(files.serve_args());
  tls_client client(server.port(), files);
  REQUIRE(client.handshake() == error_code());
  const auto res = client.request(verb::get, "/healthz");
  REQUIRE(res.has_value());
  CHECK(res->result() == status::ok);
  server.send_signal(SIGTERM);
  CHECK(client.read_end() == asio::error::eof);
  CHECK(server.wait() == 0);
}

TEST_CASE("TLS: a certificate file that cannot be read stops the start") {
  const tls_files files;
  std::string cert = files.folder.file("missing.pem");
  SUBCASE("missing") {}
  SUBCASE("not PEM") {
    cert = files.folder.file("garbage.pem");
    write_text(cert, "this is not a certificate\n");
  }
  SUBCASE("a key, not a certificate") {
    cert = files.key;
  }
  const auto run = run_latchkey({"serve", "--listen", "127.0.0.1:0", "--origin",
                                 "https://localhost", "--tls-cert", cert,
                                 "--tls-key", files.key});
  CAPTURE(run.output);
  CHECK(run.exit_code == 1);
  CHECK(run.output.find("event=start_failed") != std::string::npos);
  CHECK(run.output.find("tls-cert " + cert) != std::string::npos);
  CHECK(run.output.find("event=listening") == std::string::npos);
}

TEST_CASE("TLS: a key that cannot be read stops the start") {
  const tls_files files;
  std::string key = files.folder.file("missing.pem");
  SUBCASE("missing") {}
  SUBCASE("a certificate, not a key") {
    key = files.cert;
  }
  const auto run = run_latchkey({"serve", "--listen", "127.0.0.1:0", "--origin",
                                 "https://localhost", "--tls-cert", files.cert,
                                 "--tls-key", key});
  CAPTURE(run.output);
  CHECK(run.exit_code == 1);
  CHECK(run.output.find("event=start_failed") != std::string::npos);
  CHECK(run.output.find("tls-key " + key) != std::string::npos);
}

TEST_CASE("TLS: a key that does not match the certificate stops the start") {
  const tls_files files;
  const auto run = run_latchkey({"serve", "--listen", "127.0.0.1:0", "--origin",
                                 "https://localhost", "--tls-cert", files.cert,
                                 "--tls-key", files.other_key});
  CAPTURE(run.output);
  CHECK(run.exit_code == 1);
  CHECK(run.output.find("event=start_failed") != std::string::npos);
  CHECK(run.output.find("tls-key " + files.other_key) != std::string::npos);
  CHECK(run.output.find("does not match") != std::string::npos);
  CHECK(run.output.find("event=listening") == std::string::npos);
}
